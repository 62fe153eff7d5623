"""Export grades for an LMS gradebook, with a summary table and plot.

:func:`export_grades` writes into ``grading/exports/<assignment>/`` (or ``out_dir``):

``grades.csv``
    one row per student on the roster, sorted by id: ``student_id``, ``first_name``,
    ``last_name``, ``email``, one column per question (its ``grade_id``; ``<notebook>:<grade_id>``
    when the assignment has several notebooks), ``total``, ``max_score``, ``status``, ``reason``
    and ``manual_pending`` (answers and tasks still to grade by hand, whose cell is empty until
    a grader scores them in formgrader).
``summary.txt`` and ``questions.csv``
    students per status, the score distribution and, per question, the pass rate (full points)
    and mean score among the submissions nbgrader graded.
``summary.png``
    the distribution of totals and the pass rate of each question (matplotlib, Agg).

Scores come from the gradebook (a manual score overrides the automatic one); a status without
scores (see :mod:`customs_course.grading.status`) scores 0 everywhere. A student whose
submission changed since it was graded, or who was never graded, stops the export with a
message: grades are never exported stale.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import BY_HAND, load_layout
from customs_course.grading.results import files_sha256, load_outcome, submitted_files
from customs_course.grading.roster import roster_of
from customs_course.grading.status import SEVERITY, Status

BANDS = 10


@dataclass(frozen=True)
class Export:
    """The files written by :func:`export_grades` and the summary as text."""

    grades: Path
    questions: Path
    summary: Path
    plot: Path
    text: str


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def grade_rows(course: GradingCourse, assignment: str) -> tuple[list[str], list[dict]]:
    """Return the question columns and one row (a dict) per student on the roster."""
    from nbgrader.api import MissingEntry

    layout = load_layout(course, assignment)
    questions = layout.questions()
    rows, stale = [], []
    with course.gradebook() as gradebook:
        for student in roster_of(course):
            outcome = load_outcome(course, assignment, student.id)
            files = submitted_files(course, assignment, student.id, layout)
            if outcome is None or outcome.sha256 != files_sha256(files):
                stale.append(student.id)
                continue
            row = {
                "student_id": student.id,
                "first_name": student.first_name,
                "last_name": student.last_name,
                "email": student.email,
            }
            pending = []
            for column, notebook, cell in questions:
                score = 0.0
                if outcome.status.has_scores:
                    try:
                        grade = gradebook.find_grade(
                            cell.grade_id, notebook, assignment, student.id
                        )
                        # Grade.score reads 0 when nobody scored it yet: look at both parts
                        score = (
                            grade.auto_score if grade.manual_score is None else grade.manual_score
                        )
                    except MissingEntry:
                        score = None
                    if score is None and cell.role in BY_HAND:
                        pending.append(column)
                    elif score is None:
                        score = 0.0  # a deleted test cell was never run
                row[column] = score
            row["total"] = sum(row[c] or 0.0 for c, _, _ in questions)
            row["max_score"] = layout.max_score
            row.update(status=outcome.status.value, reason=outcome.reason)
            row["manual_pending"] = " ".join(pending)
            rows.append(row)
    if stale:
        raise GradingError(
            f"{len(stale)} student(s) not graded since their last submission: "
            f"{', '.join(stale)}. Run autograde for {assignment} first."
        )
    return [column for column, _, _ in questions], rows


def summarise(rows: list[dict], points: dict[str, float], assignment: str) -> tuple[str, list]:
    """Return the summary as text and the per-question table (one dict per question).

    ``points`` maps each question column to its points. The pass rate of a question is the share
    of the submissions nbgrader graded (and, for a manual question, a grader scored) that got
    its full points.
    """
    max_score = sum(points.values())
    graded = [r for r in rows if Status(r["status"]).has_scores]
    lines = [
        f"{assignment}: {len(rows)} students, {len(graded)} graded by nbgrader, "
        f"maximum {max_score:g} points",
        "",
        f"{'status':<18}{'students':>9}",
    ]
    for status in reversed(SEVERITY):
        count = sum(r["status"] == status.value for r in rows)
        if count:
            lines.append(f"{status.value:<18}{count:>9}")
    totals = [r["total"] for r in rows]
    lines += ["", f"{'total score':<18}{'students':>9}"]
    for band in range(BANDS):
        low, high = max_score * band / BANDS, max_score * (band + 1) / BANDS
        count = sum(low <= t < high or (band == BANDS - 1 and t == high) for t in totals)
        lines.append(f"{f'{low:g} to {high:g}':<18}{count:>9}")
    if totals:
        lines.append(
            f"mean {statistics.mean(totals):.2f}, median {statistics.median(totals):g}, "
            f"min {min(totals):g}, max {max(totals):g}"
        )
    lines += ["", f"{'question':<28}{'points':>7}{'passed':>10}{'rate':>7}{'mean':>7}"]
    table = []
    for column, full in points.items():
        scored = [r[column] for r in graded if r[column] is not None]
        passed = sum(score >= full for score in scored)
        rate = passed / len(scored) if scored else 0.0
        mean = statistics.mean(scored) if scored else 0.0
        table.append(
            {
                "question": column,
                "points": full,
                "graded": len(scored),
                "passed": passed,
                "pass_rate": round(rate, 4),
                "mean": round(mean, 4),
            }
        )
        lines.append(
            f"{column:<28}{full:>7g}{f'{passed}/{len(scored)}':>10}{rate:>7.0%}{mean:>7.2f}"
        )
    return "\n".join(lines) + "\n", table


def plot_summary(path: Path, totals: list[float], table: list[dict], max_score: float, title: str):
    """Draw the distribution of totals and the pass rate per question into ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    left.hist(totals, bins=BANDS, range=(0, max_score or 1), color="#31688e", edgecolor="white")
    left.set(title="Total score", xlabel=f"points (of {max_score:g})", ylabel="students")
    names = [row["question"] for row in table]
    right.barh(names, [row["pass_rate"] * 100 for row in table], color="#35b779")
    right.set(title="Pass rate (full points)", xlabel="% of graded submissions", xlim=(0, 100))
    right.invert_yaxis()
    figure.suptitle(title)
    figure.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(figure)


def export_grades(
    assignment: str, *, course_root: Path | None = None, out_dir: Path | None = None
) -> Export:
    """Write the grades CSV, the summary table and the plot of ``assignment``.

    Returns
    -------
    Export
        Paths of the files written and the summary text.

    Raises
    ------
    GradingError
        If a student was not graded since their last submission.
    """
    course = GradingCourse.open(course_root)
    layout = load_layout(course, assignment)
    columns, rows = grade_rows(course, assignment)
    points = {column: cell.points for column, _, cell in layout.questions()}
    text, table = summarise(rows, points, assignment)
    out = Path(out_dir) if out_dir else course.exports(assignment)
    out.mkdir(parents=True, exist_ok=True)
    fields = [
        "student_id",
        "first_name",
        "last_name",
        "email",
        *columns,
        "total",
        "max_score",
        "status",
        "reason",
        "manual_pending",
    ]
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _number(v) if isinstance(v, float) else v for k, v in row.items()})
    with (out / "questions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]) if table else ["question"])
        writer.writeheader()
        writer.writerows(table)
    (out / "summary.txt").write_text(text, encoding="utf-8")
    totals = [row["total"] for row in rows]
    plot_summary(out / "summary.png", totals, table, layout.max_score, f"{assignment}")
    return Export(
        out / "grades.csv", out / "questions.csv", out / "summary.txt", out / "summary.png", text
    )
