"""HTML feedback for each student: scores per question and visible test messages, no hidden test.

For a submission that nbgrader graded, :func:`generate_feedback` runs nbgrader's own feedback
converter (its template shows the score of every question and the total) with one more
preprocessor, :class:`StudentFeedback`, first in line. nbgrader 0.9.6 puts the hidden tests back
into the autograded notebook and its feedback shows them, in the test cell and in the context
lines of any traceback from that cell. :class:`StudentFeedback` therefore:

- removes the hidden test region from each test cell;
- rewrites the error of a test cell that has hidden tests to the exception and its message plus
  the failing visible line, or to "a hidden test failed (AssertionError)" when the failing line
  is hidden or cannot be located;
- drops any output text that quotes a hidden line, in any cell (student code runs next to the
  hidden tests and could print them: see :mod:`customs_course.grading.integrity`);
- adds a note at the top when the status is not plain ``graded`` (timeout, edited test, ...).

A submission without scores (missing, corrupt, wrong assignment, kernel crash, grading error)
gets a short page that gives its status, the reason and what to do. Pages are written to
``grading/feedback/<student>/<assignment>/<notebook>.html``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nbformat.v4 import new_markdown_cell, new_output
from traitlets import Dict, Unicode

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import load_layout
from customs_course.grading.results import load_outcome
from customs_course.grading.roster import roster_of
from customs_course.grading.status import Status

try:  # nbgrader's base class gives the preprocessor its configuration
    from nbgrader.preprocessors import NbGraderPreprocessor
except ImportError:  # pragma: no cover - nbgrader is a dependency
    NbGraderPreprocessor = object

ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a hidden line this long found in the output of another cell is a quote, not a coincidence
MIN_QUOTED = 12
QUOTED_NOTE = "[output removed by the grader: it quoted a hidden test]\n"
FRAME = re.compile(r"(?:Cell In\s*\[\d*\]|Input In\s*\[\d*\]), line (\d+)")


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
    """Hide hidden tests and their tracebacks; add the grading note of the student."""

    notes = Dict({}, help="student id -> note shown at the top of their feedback").tag(config=True)
    hidden_message = Unicode(
        "A hidden test failed ({ename}). Hidden tests are not shown: read the question again "
        "and check your answer on other inputs."
    ).tag(config=True)

    def preprocess(self, nb, resources):
        self.secret_lines = set()
        for cell in nb.cells:
            if cell.cell_type == "code" and "HIDDEN TESTS" in cell.source:
                visible, _, hidden_text = split_hidden(cell.source)
                self.secret_lines |= {line for line in hidden_text if line not in visible}
        nb, resources = super().preprocess(nb, resources)
        note = self.notes.get(resources.get("nbgrader", {}).get("student"))
        if note:
            nb.cells.insert(0, new_markdown_cell(f"**Note from grading:** {note}"))
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            return cell, resources
        if not meta.get("grade") or "HIDDEN TESTS" not in cell.source:
            quoted = [line for line in self.secret_lines if len(line) >= MIN_QUOTED]
            kept = [o for o in cell.get("outputs", []) if not any(q in str(o) for q in quoted)]
            if len(kept) < len(cell.get("outputs", [])):
                kept.append(new_output("stream", name="stdout", text=QUOTED_NOTE))
            cell.outputs = kept
            return cell, resources
        source_lines = cell.source.split("\n")
        visible, hidden_numbers, hidden_text = split_hidden(cell.source)
        secret = [line for line in hidden_text if line not in visible]
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                outputs.append(self._rewrite_error(output, source_lines, hidden_numbers))
            elif not any(line in str(output) for line in secret):
                outputs.append(output)
        cell.source, cell.outputs = visible, outputs
        return cell, resources

    def _rewrite_error(self, output, source_lines, hidden_numbers):
        ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
        text = ANSI.sub("", "\n".join(output.get("traceback", [])))
        match = FRAME.search(text)
        line = int(match.group(1)) if match else None
        if line is None or line in hidden_numbers or line > len(source_lines):
            trace = [self.hidden_message.format(ename=ename)]
            evalue = ""
        else:
            trace = [
                f"Test failed at line {line}: {source_lines[line - 1].strip()}",
                f"{ename}: {evalue}",
            ]
        return new_output("error", ename=ename, evalue=evalue, traceback=trace)


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
        )
        api = course.api(config)
        for outcome in scored:
            result = api.generate_feedback(assignment, outcome.student, force=True)
            if not result["success"]:
                failed.append(outcome.student)
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
