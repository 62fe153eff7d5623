"""Once a hidden test has run, does the feedback show nothing that student code produced?

Fast: the notebooks are built in memory as the autograded notebook would hold them (outputs
included), and only :class:`StudentFeedback` runs. The notebook: an answer cell, a test cell
with a hidden test, a later answer cell and a later visible test cell.
"""

from __future__ import annotations

import base64
import codecs

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from customs_course.grading.course import GradingCourse
from customs_course.grading.feedback import (
    AFTER_HIDDEN_NOTE,
    StudentFeedback,
    hidden_test_delimiters,
)

HIDDEN_LINE = 'assert squares(10)[-1] == 100, "SECRET-7f3a"'
HIDDEN_TEST = (
    '"""Check squares."""\n'
    'assert squares(3) == [1, 4, 9], "squares(3) should be [1, 4, 9]"\n'
    "### BEGIN HIDDEN TESTS\n"
    f"{HIDDEN_LINE}\n"
    "### END HIDDEN TESTS"
)
VISIBLE_TEST = (
    '"""Check total."""\n'
    'assert total([1, 2]) == 3, "total([1, 2]) should be 3"'
)
ENCODINGS = {
    "base64": base64.b64encode(HIDDEN_LINE.encode()).decode(),
    "rot13": codecs.encode(HIDDEN_LINE, "rot13"),
}


def meta(grade_id, *, test=False, points=1):
    nbgrader = {"grade": test, "grade_id": grade_id, "locked": test, "solution": not test,
                "schema_version": 3}
    return {"nbgrader": nbgrader | ({"points": points} if test else {})}


def stdout(text: str):
    return new_output("stream", name="stdout", text=text)


def error(ename: str, evalue: str, line: int):
    trace = [f"{ename}  Traceback (most recent call last)", f"Cell In[4], line {line}\n", ename]
    return new_output("error", ename=ename, evalue=evalue, traceback=trace)


def graded_notebook(*, before=(), hidden=(), after=(), visible=()):
    """answer, test with hidden tests, answer, visible test: each with the outputs given."""
    cells = [
        new_code_cell("def squares(n): ...", metadata=meta("squares")),
        new_code_cell(HIDDEN_TEST, metadata=meta("test_squares", test=True)),
        new_code_cell("def total(xs): ...", metadata=meta("total")),
        new_code_cell(VISIBLE_TEST, metadata=meta("test_total", test=True)),
    ]
    for cell, outputs in zip(cells, (before, hidden, after, visible), strict=True):
        cell.outputs = list(outputs)
    return new_notebook(cells=cells)


def feedback(notebook, config=None):
    """The notebook after StudentFeedback, and its JSON text."""
    pre = StudentFeedback(config=config) if config else StudentFeedback()
    notebook, _ = pre.preprocess(notebook, {"nbgrader": {"student": "s1"}})
    return notebook, nbformat.writes(notebook)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_is_an_encoded_hidden_test_printed_after_it_ran_not_shown(encoding):
    leaked = ENCODINGS[encoding]
    notebook, text = feedback(graded_notebook(after=[stdout(f"seen: {leaked}\n")]))
    assert leaked not in text and "SECRET" not in text
    assert notebook.cells[2].outputs == [stdout(AFTER_HIDDEN_NOTE)]


def test_is_what_a_visible_test_made_student_code_print_not_shown():
    """The later visible test calls total(), the student's, which prints what it saw earlier."""
    leaked = ENCODINGS["base64"]
    notebook, text = feedback(graded_notebook(visible=[stdout(leaked + "\n")]))
    assert leaked not in text
    assert notebook.cells[3].outputs == [stdout(AFTER_HIDDEN_NOTE)]


def test_does_a_student_cell_before_any_hidden_test_keep_its_output():
    shown = stdout("squares of 1..3: [1, 4, 9]\n")
    notebook, _ = feedback(graded_notebook(before=[shown], after=[stdout("later\n")]))
    assert notebook.cells[0].outputs == [shown]
    assert notebook.cells[2].outputs == [stdout(AFTER_HIDDEN_NOTE)]


def test_does_a_later_visible_test_keep_only_a_message_written_in_its_source():
    honest = error("AssertionError", "total([1, 2]) should be 3", line=2)
    notebook, _ = feedback(graded_notebook(visible=[honest]))
    [shown] = notebook.cells[3].outputs
    assert (shown.ename, shown.evalue) == ("AssertionError", "total([1, 2]) should be 3")
    assert shown.traceback[0] == "Test failed at line 2: " + VISIBLE_TEST.split("\n")[1]


def test_does_an_error_raised_by_student_code_lose_its_message_and_its_own_class():
    """total() raises with the hidden test encoded in the message, or in the class's name."""
    leaked = ENCODINGS["rot13"]
    notebook, text = feedback(graded_notebook(
        visible=[error("ValueError", leaked, line=2)],
        hidden=[error(leaked.replace(" ", "_"), "boom", line=2)],
    ))
    assert leaked not in text and leaked.replace(" ", "_") not in text
    [later] = notebook.cells[3].outputs
    assert (later.ename, later.evalue) == ("ValueError", "")
    [hidden] = notebook.cells[1].outputs
    assert hidden.ename == "Error"


def test_does_a_failing_hidden_line_show_only_pass_fail_and_the_class():
    notebook, text = feedback(graded_notebook(hidden=[error("AssertionError", "SECRET-7f3a", 4)]))
    [shown] = notebook.cells[1].outputs
    assert shown.ename == "AssertionError" and shown.evalue == ""
    assert "hidden test failed (AssertionError)" in shown.traceback[0]
    assert "SECRET" not in text and "squares(10)" not in text


@pytest.mark.parametrize("line", [0, 6])
def test_does_a_line_number_outside_the_cell_show_no_line(line):
    """A traceback naming line 0 must not show the last line (-1), which may be hidden."""
    source = HIDDEN_TEST.removesuffix("\n### END HIDDEN TESTS")  # the hidden line is last
    notebook = graded_notebook(hidden=[error("AssertionError", "", line)])
    notebook.cells[1].source = source
    notebook, text = feedback(notebook)
    assert "SECRET" not in text
    assert "hidden test failed" in notebook.cells[1].outputs[0].traceback[0]


def test_does_a_notebook_without_hidden_tests_keep_its_outputs():
    notebook = graded_notebook(after=[stdout("kept\n")])
    notebook.cells[1].source = VISIBLE_TEST.replace("total", "squares")
    notebook, _ = feedback(notebook)
    assert notebook.cells[2].outputs == [stdout("kept\n")]


def test_is_a_students_script_removed_from_the_feedback_notebook():
    notebook = graded_notebook(before=[new_output(
        "display_data",
        data={"text/html": "<b>ok</b><script>document.title='pwned'</script>",
              "application/javascript": "document.title='pwned'"},
    )])
    notebook.cells.append(new_markdown_cell("<img src=x onerror=\"document.title='pwned'\">"))
    _, text = feedback(notebook)
    assert "pwned" not in text and "<b>ok</b>" in text


CUSTOM = Config({"ClearHiddenTests": {"begin_test_delimeter": "BEGIN SECRET CHECKS",
                                      "end_test_delimeter": "END SECRET CHECKS"}})


def test_are_the_hidden_test_delimiters_those_of_nbgraders_configuration():
    assert hidden_test_delimiters() == ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    assert hidden_test_delimiters(CUSTOM) == ("BEGIN SECRET CHECKS", "END SECRET CHECKS")
    notebook = graded_notebook(after=[stdout("printed later\n")])
    notebook.cells[1].source = HIDDEN_TEST.replace("HIDDEN TESTS", "SECRET CHECKS")
    scrubbed, text = feedback(nbformat.from_dict(notebook), CUSTOM)
    assert "SECRET-7f3a" not in text and "printed later" not in text
    _, default_text = feedback(notebook)  # the default delimiters do not see this region
    assert "SECRET-7f3a" in default_text


def test_does_a_course_config_file_set_the_delimiters(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "grading").mkdir()
    (tmp_path / "grading" / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        "c.ClearHiddenTests.begin_test_delimeter = 'BEGIN SECRET CHECKS'\n"
        "c.ClearHiddenTests.end_test_delimeter = 'END SECRET CHECKS'\n"
    )
    course = GradingCourse.open(tmp_path)
    assert hidden_test_delimiters(course.config) == ("BEGIN SECRET CHECKS", "END SECRET CHECKS")
