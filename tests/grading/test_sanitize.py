"""Does the sanitiser leave nothing that runs in a browser, and the scores as they were?

Fast: notebooks built in memory; the rendering is nbconvert's markdown renderer, the one that
formgrader and the feedback pages use. The browser tests are in test_browser_grading.py.
"""

from __future__ import annotations

import copy

import pytest
from nbconvert.filters.markdown import markdown2html
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from nbgrader.utils import compute_checksum, determine_grade

from customs_course.grading.sanitize import (
    REMOVED_NOTE,
    clean_html,
    clean_markdown,
    sanitize_notebook,
)

#: what a student writes in a markdown answer or an HTML output, and a marker of each payload
PAYLOADS = {
    "script": "<script>document.title = 'pwned-script'</script>",
    "img onerror": "<img src=x onerror=\"document.title = 'pwned-img'\">",
    "svg onload": "<svg onload=\"document.title = 'pwned-svg'\"><circle r='5'/></svg>",
    "svg script": "<svg><script>document.title = 'pwned-svgscript'</script></svg>",
    "foreignObject": "<svg><foreignObject><iframe srcdoc='pwned-fo'/></foreignObject></svg>",
    "javascript link": "<a href=\"javascript:document.title='pwned-link'\">click</a>",
    "markdown link": "[click](javascript:document.title='pwned-mdlink')",
    "markdown reference": "[click]\n\n[click]: javascript:document.title='pwned-ref'",
    "iframe srcdoc": "<iframe srcdoc=\"<script>parent.document.title='pwned-iframe'</script>\">",
    "comment trick": "<!--><img src=x onerror=\"document.title='pwned-comment'\">-->",
    "style": "<style>body { background: url(/api/contents?pwned-style) }</style>",
    "image of the API": "![x](/api/contents?pwned-image)",
    "form": "<form action='/api/kernels' method=post><button>pwned-form</button></form>",
}
ACTIVE = ("<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "srcdoc",
          "<style", "/api/", "<form", "<img", "foreignobject")


def assert_inert(html: str) -> None:
    lowered = html.lower()
    assert not [marker for marker in ACTIVE if marker in lowered], html


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=list(PAYLOADS))
def test_does_a_markdown_answer_render_to_nothing_active(payload):
    assert_inert(markdown2html(clean_markdown(f"My answer.\n\n{payload}\n\nThe end.")))


HTML_PAYLOADS = {k: v for k, v in PAYLOADS.items() if v.startswith("<")}  # not markdown syntax


@pytest.mark.parametrize("payload", HTML_PAYLOADS.values(), ids=list(HTML_PAYLOADS))
def test_does_an_html_output_keep_nothing_active(payload):
    assert_inert(clean_html(payload))


def test_does_plain_markdown_stay_as_the_student_wrote_it():
    answer = "**Median** clearance time: *4.2 h*; 3 > 2 & $x^2$.\n\n- one\n- two"
    assert clean_markdown(answer) == answer


def test_does_markdown_with_a_safe_link_keep_its_link_and_text():
    cleaned = markdown2html(clean_markdown("See [the WCO](https://example.org/wco) **now**."))
    assert 'href="https://example.org/wco"' in cleaned and "<strong>now</strong>" in cleaned


def test_does_a_dataframe_table_keep_its_cells():
    html = clean_html('<table class="dataframe"><tr><th>a</th></tr><tr><td>1</td></tr></table>')
    assert "<td>1</td>" in html and "<th>a</th>" in html


def answer_meta(grade_id: str, checksum: str | None = None) -> dict:
    meta = {"grade": True, "solution": True, "grade_id": grade_id, "points": 2,
            "locked": False, "schema_version": 3}
    return {"nbgrader": meta | ({"checksum": checksum} if checksum else {})}


def hostile_notebook():
    code = new_code_cell("display(Javascript(...))")
    code.outputs = [
        new_output("display_data", data={"application/javascript": "document.title='pwned'"}),
        new_output("display_data", data={
            "text/html": PAYLOADS["img onerror"], "text/plain": "<HTML object>",
            "image/svg+xml": PAYLOADS["svg onload"],
            "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
        }),
        new_output("execute_result", execution_count=1,
                   data={"text/markdown": PAYLOADS["markdown link"], "text/plain": "'x'"}),
        new_output("stream", name="stderr", text="<script>kept as text</script>\n"),
        new_output("error", ename="ValueError", evalue="<b>", traceback=["<script>"]),
    ]
    return new_notebook(
        cells=[code, new_markdown_cell(PAYLOADS["script"], metadata=answer_meta("note")),
               new_raw_cell(PAYLOADS["iframe srcdoc"])],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
    )


def test_does_the_notebook_lose_every_active_output_and_keep_the_scored_ones():
    notebook = sanitize_notebook(hostile_notebook())
    javascript, html, markdown, stderr, error = notebook.cells[0].outputs
    assert javascript.data == {"text/plain": REMOVED_NOTE.format(types="application/javascript")}
    assert set(html.data) == {"text/html", "text/plain"}
    assert_inert(html.data["text/html"])
    assert_inert(markdown2html(markdown.data["text/markdown"]))
    assert stderr.text == "<script>kept as text</script>\n"  # escaped in the page; nbgrader
    assert error.traceback == ["<script>"]  # scores both, so they must stay
    assert_inert(markdown2html(notebook.cells[1].source))
    assert_inert(notebook.cells[2].source)
    assert "widgets" not in notebook.metadata


def test_does_sanitising_change_no_score():
    """nbgrader scores from error and stderr outputs, text/plain and answer checksums."""
    test = new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 3, "locked": True}})
    test.outputs = [new_output("execute_result", execution_count=1, data={
        "text/plain": "1.5", "text/html": "<b>1.5</b>", "application/javascript": "x"})]
    failing = copy.deepcopy(test)
    failing.id = "failing"
    failing.outputs = [new_output("stream", name="stderr", text="warning <script>\n")]
    blank = new_markdown_cell("YOUR ANSWER <b>HERE</b> [link](javascript:x)")
    blank.metadata = answer_meta("blank")
    blank.metadata["nbgrader"]["checksum"] = compute_checksum(blank)  # the instructor's
    cells = [test, failing, blank]
    before = [determine_grade(copy.deepcopy(cell)) for cell in cells]
    notebook = sanitize_notebook(new_notebook(cells=copy.deepcopy(cells)))
    assert [determine_grade(cell) for cell in notebook.cells] == before == [
        (1.5, 3.0), (0, 3.0), (0, 2.0)]
    assert notebook.cells[2].source == blank.source  # the instructor's own text is kept


def test_is_an_answer_with_a_forged_checksum_still_cleaned():
    """A checksum the student wrote does not make the cell the instructor's."""
    cell = new_markdown_cell(PAYLOADS["script"], metadata=answer_meta("note", "forged"))
    notebook = sanitize_notebook(new_notebook(cells=[cell]))
    assert_inert(markdown2html(notebook.cells[0].source))
