"""HTML feedback for each student: scores per question and visible test messages, no hidden test.

For a submission that nbgrader graded, :func:`generate_feedback` runs nbgrader's own feedback
converter (its template shows the score of every question and the total) with one more
preprocessor, :class:`StudentFeedback`, first in line, and nbconvert's HTML sanitising on.
nbgrader 0.9.6 puts the hidden tests back into the autograded notebook and its feedback shows
them, in the test cell and in the context lines of any traceback from that cell. Student code
runs in the same kernel as the hidden tests: while one runs, the student's functions it calls
can read its source (the kernel's input history, the caller's frame) and print it, encoded as
they like, then or in any later cell. :class:`StudentFeedback` therefore, notebook by notebook:

- sanitises the notebook again (:mod:`customs_course.grading.sanitize`): nothing a student
  wrote may run in the browser that opens the page;
- removes the hidden test region from each test cell (the delimiters are nbgrader's,
  ``ClearHiddenTests.begin_test_delimeter`` and ``end_test_delimeter`` of the course's
  configuration);
- before the first test cell with hidden tests, keeps every output, less any that quotes a
  hidden line verbatim;
- from that cell on, shows nothing student code could have produced: a test cell shows only
  whether it failed, the class of the error when it is one of Python's own, the message when it
  is a string written in the visible test source, and the failing line when that line is
  visible; every other cell shows "output not shown (produced after hidden tests ran)";
- adds a note at the top when the status is not plain ``graded`` (timeout, edited test, ...).

A submission without scores (missing, corrupt, wrong assignment, kernel crash, grading error)
gets a short page that gives its status, the reason and what to do. Pages are written to
``grading/feedback/<student>/<assignment>/<notebook>.html``.
"""

from __future__ import annotations

import ast
import builtins
import html
import logging
import re
from pathlib import Path

from nbformat.v4 import new_markdown_cell, new_output
from traitlets import Dict, Unicode

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import cell_role, load_layout
from customs_course.grading.results import load_outcome
from customs_course.grading.roster import roster_of
from customs_course.grading.sanitize import sanitize_notebook
from customs_course.grading.status import Status

try:  # nbgrader's base class gives the preprocessor its configuration
    from nbgrader.preprocessors import NbGraderPreprocessor
except ImportError:  # pragma: no cover - nbgrader is a dependency
    NbGraderPreprocessor = object

ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a hidden line this long found in the output of another cell is a quote, not a coincidence
MIN_QUOTED = 12
QUOTED_NOTE = "[output removed by the grader: it quoted a hidden test]\n"
AFTER_HIDDEN_NOTE = "output not shown (produced after hidden tests ran)\n"
#: errors the grader itself records, besides Python's own exception classes
GRADER_ERRORS = frozenset({"CellTimeoutError"})
FRAME = re.compile(r"(?:Cell In\s*\[\d*\]|Input In\s*\[\d*\]), line (\d+)")


def hidden_test_delimiters(config=None) -> tuple[str, str]:
    """Return nbgrader's hidden-test delimiters as ``config`` (a course's) sets them."""
    from nbgrader.preprocessors import ClearHiddenTests

    clear = ClearHiddenTests(config=config) if config is not None else ClearHiddenTests()
    return clear.begin_test_delimeter, clear.end_test_delimeter


def split_hidden(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS"):
    """Return ``(visible source, hidden line numbers (1-based, markers included), hidden text)``."""
    visible, hidden_numbers, hidden_text, inside = [], set(), [], False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            inside = True
        if inside:
            hidden_numbers.add(number)
            if begin not in line and end not in line and line.strip():
                hidden_text.append(line.strip())
        else:
            visible.append(line)
        if end in line:
            inside = False
    return "\n".join(visible), hidden_numbers, hidden_text


class StudentFeedback(NbGraderPreprocessor):
    """Sanitise, hide hidden tests and whatever ran after them; add the grading note."""

    notes = Dict({}, help="student id -> note shown at the top of their feedback").tag(config=True)
    hidden_message = Unicode(
        "A hidden test failed ({ename}). Hidden tests are not shown: read the question again "
        "and check your answer on other inputs."
    ).tag(config=True)

    def preprocess(self, nb, resources):
        sanitize_notebook(nb)
        self.begin, self.end = hidden_test_delimiters(self.config)
        self.hidden_ran = False  # cells are visited in order
        self.secret_lines = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and self.begin in cell.source:
                visible, _, hidden_text = split_hidden(cell.source, self.begin, self.end)
                self.secret_lines |= {line for line in hidden_text if line not in visible}
        nb, resources = super().preprocess(nb, resources)
        note = self.notes.get(resources.get("nbgrader", {}).get("student"))
        if note:
            nb.cells.insert(0, new_markdown_cell(f"**Note from grading:** {note}"))
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        is_test = cell_role(cell) == "test"
        has_hidden = is_test and self.begin in cell.source
        if is_test and (has_hidden or self.hidden_ran):
            self._show_test_result_only(cell)
            self.hidden_ran = self.hidden_ran or has_hidden
        elif self.hidden_ran:
            cell.outputs = [_note(AFTER_HIDDEN_NOTE)] if cell.get("outputs") else []
        else:
            quoted = [line for line in self.secret_lines if len(line) >= MIN_QUOTED]
            kept = [o for o in cell.get("outputs", []) if not any(q in str(o) for q in quoted)]
            if len(kept) < len(cell.get("outputs", [])):
                kept.append(_note(QUOTED_NOTE))
            cell.outputs = kept
        return cell, resources

    def _show_test_result_only(self, cell) -> None:
        """Keep of a test cell its visible source and what its errors say in that source."""
        source_lines = cell.source.split("\n")
        visible, hidden_numbers, _ = split_hidden(cell.source, self.begin, self.end)
        messages = _string_constants(visible)
        outputs = [
            self._rewrite_error(output, source_lines, hidden_numbers, messages)
            for output in cell.get("outputs", [])
            if output.output_type == "error"
        ]
        if any(output.output_type != "error" for output in cell.get("outputs", [])):
            outputs.append(_note(AFTER_HIDDEN_NOTE))
        cell.source, cell.outputs = visible, outputs

    def _rewrite_error(self, output, source_lines, hidden_numbers, messages):
        ename = _known_error(output.get("ename", ""))
        evalue = output.get("evalue", "")
        evalue = evalue if evalue in messages else ""
        text = ANSI.sub("", "\n".join(output.get("traceback", [])))
        match = FRAME.search(text)
        line = int(match.group(1)) if match else None
        if line is None or line in hidden_numbers or not 1 <= line <= len(source_lines):
            return new_output(
                "error", ename=ename, evalue="",
                traceback=[self.hidden_message.format(ename=ename)],
            )
        trace = [
            f"Test failed at line {line}: {source_lines[line - 1].strip()}",
            f"{ename}: {evalue}" if evalue else ename,
        ]
        return new_output("error", ename=ename, evalue=evalue, traceback=trace)


def _note(text: str):
    return new_output("stream", name="stdout", text=text)


def _known_error(ename: str) -> str:
    """``ename`` when it names one of Python's exceptions (or the grader's), else "Error".

    A class the notebook defines can have any name, an encoded hidden test included.
    """
    known = getattr(builtins, ename, None)
    if ename in GRADER_ERRORS or (isinstance(known, type) and issubclass(known, BaseException)):
        return ename
    return "Error"


def _string_constants(source: str) -> set[str]:
    """The strings written in ``source`` (assertion messages...): an error may quote those."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value
    }


def status_page(student: str, assignment: str, status: Status, reason: str, max_score: float):
    """Return a short HTML page for a submission that could not be graded."""
    advice = {
        Status.MISSING: "No submission of yours was received. If you handed one in, tell your "
        "instructor when and how.",
        Status.CORRUPT: "The file you handed in cannot be opened as a notebook. Download your "
        "notebook again from Jupyter (File > Download) and hand it in again.",
        Status.WRONG_ASSIGNMENT: "The notebook you handed in is not the one of this assignment. "
        "Check that you uploaded the right file.",
    }.get(status, "Your instructor will look at your notebook by hand.")
    esc = html.escape
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(assignment)}: feedback for {esc(student)}</title></head><body>\n"
        f"<h1>{esc(assignment)}</h1>\n<p>Student: {esc(student)}</p>\n"
        f"<p><strong>Score: 0 / {max_score:g}</strong> (status: {esc(status.value)})</p>\n"
        f"<p>Why: {esc(reason)}.</p>\n<p>{esc(advice)}</p>\n</body></html>\n"
    )


def generate_feedback(
    assignment: str, *, course_root: Path | None = None, students: list[str] | None = None
) -> list[Path]:
    """Write the HTML feedback of every graded student (or ``students``); return the pages.

    Raises
    ------
    GradingError
        If nobody was graded yet, or, after writing every other page, if nbgrader could not
        write the feedback of some students (their autograded notebook is gone, say).
    """
    course = GradingCourse.open(course_root)
    layout = load_layout(course, assignment)
    wanted = students or [s.id for s in roster_of(course)]
    outcomes = [o for o in (load_outcome(course, assignment, s) for s in wanted) if o]
    if not outcomes:
        raise GradingError(f"Nobody was graded for {assignment} yet: run autograde first.")
    scored = [o for o in outcomes if o.status.has_scores]
    pages: list[Path] = []
    failed: list[str] = []
    if scored:
        notes = {o.student: o.reason for o in scored if o.reason}
        config = course.nbgrader_config(
            StudentFeedback={"notes": notes},
            GenerateFeedback={"preprocessors": [StudentFeedback, *_nbgrader_feedback_steps()]},
            HTMLExporter={"sanitize_html": True},  # nbconvert's own cleaning, a second layer
        )
        api = course.api(config)
        for outcome in scored:
            result = api.generate_feedback(assignment, outcome.student, force=True)
            if not result["success"]:
                failed.append(outcome.student)
                why = (result.get("error") or result.get("log") or "").strip().splitlines()
                logging.getLogger(__name__).warning(
                    "nbgrader's feedback of %s failed: %s", outcome.student, why[-1:])
                continue
            folder = course.folder("feedback") / outcome.student / assignment
            pages += sorted(folder.glob("*.html"))
    for outcome in outcomes:
        if outcome.status.has_scores:
            continue
        folder = course.folder("feedback") / outcome.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for notebook in layout.notebooks:
            page = folder / f"{notebook.name}.html"
            page.write_text(
                status_page(
                    outcome.student, assignment, outcome.status, outcome.reason, layout.max_score
                ),
                encoding="utf-8",
            )
            pages.append(page)
    if failed:
        raise GradingError(
            f"nbgrader could not write the feedback of {', '.join(failed)} (the other pages "
            f"are written): regrade them with autograde --force --student ID, then rerun."
        )
    return sorted(pages)


def _nbgrader_feedback_steps() -> list:
    from nbgrader.converters import GenerateFeedback

    return list(GenerateFeedback.class_traits()["preprocessors"].default())
