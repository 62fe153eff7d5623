"""Is an instructor's own assignment graded as plain ``nbgrader autograde`` grades it?

The assignment (``byo.py``) has two notebooks, autograded tests (one hidden), a written answer
and a task cell graded by hand, a CSV file that a notebook reads by a relative path and a
helper module. Three students hand it in: ``full`` (every answer right; they also hand in their
own ``data/arrivals.csv``, which must not replace the instructor's), ``partial`` (the first
notebook right, the second as handed out) and ``blank`` (both as handed out). The same
submitted files are graded by ``customs-course grade autograde`` in the sandbox (bubblewrap;
explicitly ``off`` where this machine cannot run it) and by plain ``nbgrader autograde``; every
cell's score, the maximum score and the export rows must agree.
"""

from __future__ import annotations

import copy
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from byo import ASSIGNMENT, all_points, arrivals_source, report_source, write_assignment
from course_helpers import grade_cli

from customs_course.grading.course import GradingCourse
from customs_course.grading.layout import generate_release, load_layout
from customs_course.grading.sandbox import bwrap_problem
from customs_course.grading.simulate import strip_markers

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = {"arrivals": arrivals_source, "report": report_source}
#: which notebooks each student answered (right); the others are handed in as handed out
ANSWERED = {"full": ("arrivals", "report"), "partial": ("arrivals",), "blank": ()}
FORGED_DATA = "declaration,weight_kg\nX1,1\n"  # the full student's own data file


def sandbox_mode() -> str:
    """bubblewrap where it runs here; otherwise the sandbox off, asked for by name."""
    return "bwrap" if bwrap_problem(0 if os.geteuid() == 0 else None) is None else "off"


def nbgrader(*args: str, course: Path) -> None:
    """Run plain nbgrader from the course's grading/ folder, as an instructor would."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    done = subprocess.run(command, cwd=course / "grading", capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]


def submission(release, source) -> nbformat.NotebookNode:
    """The student version with every answer replaced by the solution."""
    notebook = copy.deepcopy(release)
    solutions = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in source.cells}
    for cell in notebook.cells:
        data = cell.metadata.get("nbgrader", {})
        if data.get("solution"):
            cell.source = strip_markers(solutions[data["grade_id"]])
    return notebook


def gradebook_scores(root: Path) -> dict:
    """(student, notebook, grade_id) -> (automatic score, manual score), from the gradebook."""
    with GradingCourse.open(root).gradebook() as gradebook:
        return {
            (s.student.id, nb.name, grade.name): (grade.auto_score, grade.manual_score)
            for s in gradebook.find_assignment(ASSIGNMENT).submissions
            for nb in s.notebooks
            for grade in nb.grades
        }


def read_csv(path: Path) -> dict[str, dict]:
    with path.open(newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    ours, plain = tmp_path_factory.mktemp("ours"), tmp_path_factory.mktemp("plain")
    for root in (ours, plain):
        write_assignment(root)
    shutil.copy(ROOT / "grading" / "nbgrader_config.py", plain / "grading")
    inbox = tmp_path_factory.mktemp("inbox")
    course = GradingCourse.open(ours)
    releases = {
        path.stem: nbformat.read(path, as_version=4)
        for path in generate_release(course, ASSIGNMENT, inbox / "release", record=False)
    }
    for student, answered in ANSWERED.items():
        for name, release in releases.items():
            handed = submission(release, NOTEBOOKS[name]()) if name in answered else release
            nbformat.write(handed, inbox / f"{student}_{name}.ipynb")
    (inbox / "roster.csv").write_text("student_id\n" + "\n".join(ANSWERED) + "\n")
    grade_cli("import-roster", str(inbox / "roster.csv"), root=ours)
    grade_cli("collect", ASSIGNMENT, str(inbox), root=ours)
    # the full student's own data file, in their submission folder as nbgrader's collect puts it
    own = course.submission_dir("full", ASSIGNMENT) / "data"
    own.mkdir()
    (own / "arrivals.csv").write_text(FORGED_DATA, encoding="utf-8")
    shutil.copytree(course.folder("submitted"), plain / "grading" / "submitted")
    mode = sandbox_mode()
    report = grade_cli("autograde", ASSIGNMENT, "--sandbox", mode, "--timeout", "60", root=ours)
    grade_cli("feedback", ASSIGNMENT, root=ours)
    grade_cli("export", ASSIGNMENT, root=ours)
    nbgrader("generate_assignment", ASSIGNMENT, "--force", course=plain)
    nbgrader("autograde", ASSIGNMENT, "--force", course=plain)
    nbgrader("export", "--to", str(plain / "plain_grades.csv"), course=plain)
    return ours, plain, mode, report


def test_does_every_cell_score_as_plain_nbgrader_scores_it(graded):
    ours, plain, mode, report = graded
    assert f"sandbox {mode}" in report
    mine, theirs = gradebook_scores(ours), gradebook_scores(plain)
    assert len(mine) == len(ANSWERED) * len(all_points())  # task cells included
    assert mine == theirs


def test_are_the_right_answers_scored_with_the_instructors_data_file(graded):
    """Guards against both graders scoring 0 alike: the data file and helper were found."""
    ours, *_ = graded
    scores = gradebook_scores(ours)
    full_tests = {"count_test": 2.0, "mean_test": 3.0, "heaviest_test": 1.0}
    for (student, notebook, grade_id), (auto, _) in scores.items():
        if grade_id in full_tests:
            right = notebook in ANSWERED[student]
            assert auto == (full_tests[grade_id] if right else 0.0), (student, grade_id)
        elif grade_id in ("why_answer", "report_task"):
            # an unanswered written answer scores 0 by itself; a task waits for a grader
            unanswered = grade_id == "why_answer" and "arrivals" not in ANSWERED[student]
            assert auto == (0.0 if unanswered else None), (student, grade_id)


def test_is_the_maximum_score_the_same_with_task_cells_counted(graded):
    ours, plain, *_ = graded
    expected = sum(all_points().values())
    assert load_layout(GradingCourse.open(ours), ASSIGNMENT).max_score == expected
    with GradingCourse.open(plain).gradebook() as gradebook:
        assert gradebook.find_assignment(ASSIGNMENT).max_score == expected
    rows = read_csv(GradingCourse.open(ours).exports(ASSIGNMENT) / "grades.csv")
    assert {float(row["max_score"]) for row in rows.values()} == {expected}


def test_do_the_export_rows_agree_with_plain_nbgrader(graded):
    ours, plain, *_ = graded
    rows = read_csv(GradingCourse.open(ours).exports(ASSIGNMENT) / "grades.csv")
    theirs = read_csv(plain / "plain_grades.csv")
    assert sorted(rows) == sorted(theirs) == sorted(ANSWERED)
    columns = list(next(iter(rows.values())))
    assert set(all_points()) <= set(columns)  # one column per notebook:cell, the task too
    for student, row in rows.items():
        assert row["status"] == "graded" and row["reason"] == "", (student, row["reason"])
        assert float(row["total"]) == float(theirs[student]["raw_score"]), student
        assert float(row["max_score"]) == float(theirs[student]["max_score"]), student
        assert "report:report_task" in row["manual_pending"].split()
        assert row["report:report_task"] == ""


def test_do_hand_grades_of_the_task_reach_the_export(graded):
    """As formgrader does: a manual score on the task cell replaces the empty cell."""
    ours, *_ = graded
    course = GradingCourse.open(ours)
    with course.gradebook() as gradebook:
        grade = gradebook.find_grade("report_task", "report", ASSIGNMENT, "full")
        grade.manual_score = 3.0
        gradebook.db.commit()
    before = read_csv(course.exports(ASSIGNMENT) / "grades.csv")["full"]
    grade_cli("export", ASSIGNMENT, root=ours)
    after = read_csv(course.exports(ASSIGNMENT) / "grades.csv")["full"]
    assert after["report:report_task"] == "3"
    assert "report:report_task" not in after["manual_pending"].split()
    assert float(after["total"]) == float(before["total"]) + 3


def test_does_every_student_get_feedback_for_both_notebooks(graded):
    ours, *_ = graded
    feedback = GradingCourse.open(ours).folder("feedback")
    for student in ANSWERED:
        pages = sorted(p.name for p in (feedback / student / ASSIGNMENT).glob("*.html"))
        assert pages == ["arrivals.html", "report.html"], student
