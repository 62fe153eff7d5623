"""Does the feedback keep visible test messages and drop every trace of hidden tests?"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_output

from customs_course.grading.feedback import StudentFeedback, split_hidden, status_page
from customs_course.grading.status import Status

SOURCE = (
    '"""Check squares."""\n'
    'assert squares(3) == [1, 4, 9], "squares(3) should be [1, 4, 9]"\n'
    "### BEGIN HIDDEN TESTS\n"
    "assert squares(10)[-1] == 100, 'SECRET'\n"
    "### END HIDDEN TESTS"
)


def ipython_traceback(line: int) -> list[str]:
    """A traceback as IPython writes it: colours and context lines around the failing one."""
    context = "\n".join(
        f"\x1b[32m{'---> ' if n == line else '     '}{n}\x1b[39m {text}"
        for n, text in enumerate(SOURCE.split("\n"), start=1)
    )
    return [
        "\x1b[31mAssertionError\x1b[39m      Traceback (most recent call last)",
        f"\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[2]\x1b[39m\x1b[32m, line {line}\x1b[39m\n"
        + context,
        "\x1b[31mAssertionError\x1b[39m: ",
    ]


def graded_cell(line: int, evalue: str = "", extra_outputs=()):
    cell = nbformat.v4.new_code_cell(
        SOURCE,
        metadata={
            "nbgrader": {
                "grade": True,
                "grade_id": "t",
                "points": 2,
                "locked": True,
                "solution": False,
                "schema_version": 3,
            }
        },
    )
    cell.outputs = [
        *extra_outputs,
        new_output(
            "error", ename="AssertionError", evalue=evalue, traceback=ipython_traceback(line)
        ),
    ]
    return cell


def run(cell, notes=None):
    notebook = nbformat.v4.new_notebook(cells=[cell])
    pre = StudentFeedback(notes=notes or {})
    notebook, _ = pre.preprocess(notebook, {"nbgrader": {"student": "s1"}})
    return notebook, nbformat.writes(notebook)


def test_does_a_hidden_test_failure_show_no_hidden_code():
    notebook, text = run(graded_cell(line=4))
    assert "squares(10)" not in text and "SECRET" not in text and "HIDDEN" not in text
    [output] = notebook.cells[0].outputs
    assert "hidden test failed (AssertionError)" in output.traceback[0]


def test_does_a_visible_failure_keep_its_message_but_not_the_context_lines():
    notebook, text = run(graded_cell(line=2, evalue="squares(3) should be [1, 4, 9]"))
    assert "squares(10)" not in text and "SECRET" not in text
    [output] = notebook.cells[0].outputs
    assert output.evalue == "squares(3) should be [1, 4, 9]"
    assert output.traceback[0].startswith("Test failed at line 2: assert squares(3)")


def test_does_a_hidden_test_cell_show_only_the_failure_and_not_what_it_printed():
    leak = new_output("stream", name="stdout", text="assert squares(10)[-1] == 100, 'SECRET'\n")
    other = new_output("stream", name="stdout", text="checking squares\n")
    notebook, text = run(graded_cell(line=2, extra_outputs=[leak, other]))
    assert "SECRET" not in text and "checking squares" not in text
    assert "output not shown (produced after hidden tests ran)" in text


def test_is_the_grading_note_shown_on_top():
    notebook, _ = run(graded_cell(line=2), notes={"s1": "test cell t edited"})
    assert notebook.cells[0].cell_type == "markdown"
    assert "test cell t edited" in notebook.cells[0].source


def test_does_split_hidden_number_the_hidden_lines():
    visible, numbers, hidden = split_hidden(SOURCE)
    assert numbers == {3, 4, 5}
    assert hidden == ["assert squares(10)[-1] == 100, 'SECRET'"]
    assert "HIDDEN" not in visible


def test_does_an_ungradable_submission_get_a_page_saying_why_and_what_to_do():
    page = status_page("s1", "ps1", Status.CORRUPT, "not JSON <b>", 7)
    assert "Score: 0 / 7" in page and "not JSON &lt;b&gt;" in page and "File &gt; Download" in page
