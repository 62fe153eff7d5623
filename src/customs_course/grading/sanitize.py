"""Make a graded notebook safe to show in a browser: nothing a student wrote may run there.

A submission's outputs come from student code, and its markdown answers are the student's own
text; nbgrader's formgrader and feedback pages render both as HTML in the instructor's (or the
student's) Jupyter page. A ``<script>``, an ``onerror=`` or a ``javascript:`` link there runs
as the instructor, with the Jupyter server's API. :func:`sanitize_notebook` therefore, in place:

- code cell outputs: keeps the inert mime types (plain text, PNG, JPEG, GIF, JSON) as they are;
  cleans ``text/html`` with the `nh3` sanitiser (Ammonia: no script, style, iframe, SVG, image,
  event handler or form, links only to http, https and mailto); renders ``text/markdown``
  through :func:`clean_markdown`; drops every other type (``application/javascript``, widgets,
  ``image/svg+xml``, ``text/latex``...), leaving a plain-text note when nothing readable is left;
- markdown cells the student could have written: :func:`clean_markdown`;
- raw cells: cleaned as HTML (nbconvert writes a raw HTML cell into the page as it is);
- the notebook's widget state, which nbconvert would load into the page, is removed.

Stream and error outputs, code and text/plain are written into the page escaped, so they stay.
Cells whose source is the instructor's (their nbgrader checksum, which nbgrader's
``OverwriteCells`` puts back from the gradebook before grading, matches) are left alone, and so
are the error and stream outputs nbgrader scores: sanitising never changes a score.

It runs twice: where the notebook leaves the sandbox
(:class:`~customs_course.grading.sandboxed_execute.SandboxedExecute`, so the autograded notebook
on disk that formgrader renders is clean) and again in :mod:`customs_course.grading.feedback`.
"""

from __future__ import annotations

import nh3

#: output types written into the page escaped or as an image: nothing in them can run
INERT_TYPES = frozenset({"text/plain", "image/png", "image/jpeg", "image/gif", "application/json"})
#: tags a student's HTML keeps: Ammonia's default list, less those that load a URL by themselves
#: (an image can call the Jupyter API with the instructor's cookie)
TAGS = frozenset(nh3.ALLOWED_TAGS - {"img", "area", "map"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
REMOVED_NOTE = "[output of type {types} removed by the grader: it could run in a browser]"
MARKDOWN_NOTE = (
    "<p><em>[Shown by the grader with its HTML, links and images limited to safe ones; "
    "the file handed in is unchanged.]</em></p>"
)
#: what must be in a markdown text for it to render to anything but plain formatting: raw HTML
#: or an autolink (``<``), a link or image (``](``) or a link reference definition (``]:``)
MARKDOWN_ACTIVE = ("<", "](", "]:")


def clean_html(html: str) -> str:
    """Return ``html`` without anything that could run or load a URL by itself."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",  # a relative link would point into the Jupyter server
        strip_comments=True,
    )


def clean_markdown(source: str) -> str:
    """Return markdown that renders to nothing active, ``source`` itself when it already does.

    Markdown with raw HTML, links, images or link references is rendered to HTML with
    nbconvert's own renderer (the one formgrader and feedback use), cleaned by
    :func:`clean_html`, and returned as one raw HTML block (no blank line, so that rendering it
    again parses no markdown inside it).
    """
    if not any(mark in source for mark in MARKDOWN_ACTIVE):
        return source
    from nbconvert.filters.markdown import markdown2html

    cleaned = clean_html(markdown2html(source))
    lines = [line for line in cleaned.split("\n") if line.strip()]
    return "\n".join(["<div>", MARKDOWN_NOTE, *lines, "</div>"])


def sanitize_outputs(outputs: list) -> list:
    """Clean the rich outputs of one code cell in place (see the module's docstring)."""
    for output in outputs:
        data = output.get("data")
        if output.get("output_type") not in ("display_data", "execute_result") or not data:
            continue
        removed = []
        for key in list(data):
            if key in INERT_TYPES:
                continue
            if key == "text/html":
                data[key] = clean_html(_text(data[key]))
            elif key == "text/markdown":
                data[key] = clean_markdown(_text(data[key]))
            else:
                removed.append(key)
                del data[key]
        if removed:
            output.setdefault("metadata", {})
            for key in removed:
                output["metadata"].pop(key, None)
            if "text/plain" not in data and output["output_type"] == "display_data":
                data["text/plain"] = REMOVED_NOTE.format(types=", ".join(sorted(removed)))
    return outputs


def sanitize_notebook(notebook, *, trusted=None):
    """Make ``notebook`` safe to render, in place, and return it.

    ``trusted(cell)`` says whether a markdown or raw cell holds the instructor's own text
    (default: :func:`instructor_cell`); those are kept as they are.
    """
    trusted = trusted or instructor_cell
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            sanitize_outputs(cell.get("outputs", []))
        elif trusted(cell):
            continue
        elif cell.cell_type == "markdown":
            cell.source = clean_markdown(cell.source)
            cell.pop("attachments", None)  # reachable only through links, which are cleaned
        elif cell.cell_type == "raw":
            cell.source = clean_html(cell.source)
    return notebook


def instructor_cell(cell) -> bool:
    """True for a cell whose source is exactly the one nbgrader recorded for it.

    nbgrader's ``OverwriteCells`` puts the gradebook's checksum into every tracked cell before
    grading; a source that still matches it is the instructor's (a locked cell, an unanswered
    written answer). A cell the student added has no checksum.
    """
    from nbgrader.utils import compute_checksum

    meta = cell.get("metadata", {}).get("nbgrader", {})
    checksum = meta.get("checksum") if isinstance(meta, dict) else None
    if not checksum or not meta.get("grade_id"):
        return False
    try:
        return checksum == compute_checksum(cell)
    except Exception:  # metadata a student damaged: not the instructor's
        return False


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
