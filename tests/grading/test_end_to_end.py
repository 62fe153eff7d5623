"""Does a simulated class, with every kind of submission, get the right score and status?

The whole instructor workflow runs through the command line, on a copy of the course's real
assignment: simulate the class, import the roster, collect the zip, autograde, write feedback,
export. Expected scores come from the assignment's own cells and points, never typed in.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from course_helpers import grade_cli

from customs_course.grading.course import GradingCourse
from customs_course.grading.feedback import split_hidden
from customs_course.grading.layout import load_layout

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "level2_first_look"
TIMEOUT = "20"  # generous: the set-up cell loads data on a busy machine too
STATUS = {
    "correct": "graded",
    "partial": "graded",
    "wrong": "graded",
    "untouched": "graded",
    "not_json": "corrupt",
    "nbformat3": "corrupt",
    "other_assignment": "wrong_assignment",
    "deleted_cells": "cells_changed",
    "reordered": "cells_changed",
    "edited_test": "test_cell_edited",
    "endless_loop": "timeout",
    "kernel_crash": "kernel_crash",
    "missing": "missing",
}


def expected_passes(layout, scenario: str) -> set[str]:
    """The test cells a scenario passes, read from the order of the assignment's cells."""
    cells = layout.notebooks[0].cells
    answers = [i for i, c in enumerate(cells) if c.role == "answer" and c.cell_type == "code"]
    tests = {i: c.grade_id for i, c in enumerate(cells) if c.role == "test"}
    if scenario == "correct":
        return set(tests.values())
    if scenario == "partial":  # the first half of the code answers are right
        first_blank = answers[max(1, len(answers) // 2)]
        return {g for i, g in tests.items() if i < first_blank}
    if scenario in ("deleted_cells", "reordered", "edited_test", "endless_loop"):
        return {g for i, g in tests.items() if i < answers[-1]}  # all but the last question
    return set()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    out = root.parent / f"{root.name}-class"
    grade_cli("simulate", ASSIGNMENT, str(out), root=root)
    grade_cli("import-roster", str(out / "roster.csv"), root=root)
    collected = grade_cli("collect", ASSIGNMENT, str(out / "submissions.zip"), root=root)
    course = GradingCourse.open(root)
    submitted = {p: sha(p) for p in course.folder("submitted").rglob("*.ipynb")}
    graded = grade_cli("autograde", ASSIGNMENT, "--timeout", TIMEOUT, root=root)
    feedback = grade_cli("feedback", ASSIGNMENT, root=root)
    grade_cli("export", ASSIGNMENT, root=root)
    with open(out / "scenarios.csv", newline="") as handle:
        scenarios = {row["student_id"]: row["scenario"] for row in csv.DictReader(handle)}
    return root, out, scenarios, collected, graded, feedback, submitted


def export_rows(root: Path) -> dict[str, dict]:
    path = GradingCourse.open(root).exports(ASSIGNMENT) / "grades.csv"
    with path.open(newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_does_the_simulated_class_cover_every_case(graded_class):
    _, _, scenarios, *_ = graded_class
    assert sorted(scenarios.values()) == sorted(STATUS)


def test_does_every_student_get_the_expected_status_and_a_reason(graded_class):
    root, _, scenarios, *_ = graded_class
    rows = export_rows(root)
    assert sorted(rows) == sorted(scenarios)
    for student, scenario in scenarios.items():
        row = rows[student]
        assert row["status"] == STATUS[scenario], (student, scenario, row["reason"])
        assert (row["reason"] == "") == (scenario in ("correct", "partial", "wrong", "untouched"))


def test_does_every_student_get_the_expected_score_per_question(graded_class):
    root, _, scenarios, *_ = graded_class
    layout = load_layout(GradingCourse.open(root), ASSIGNMENT)
    rows = export_rows(root)
    for student, scenario in scenarios.items():
        passes = expected_passes(layout, scenario)
        row = rows[student]
        total = 0.0
        for column, _, cell in layout.questions():
            if cell.role == "test":
                expected = cell.points if cell.grade_id in passes else 0.0
                assert float(row[column]) == expected, (student, scenario, column)
            total += float(row[column] or 0)
        assert float(row["total"]) == total
        assert float(row["max_score"]) == layout.max_score


def test_is_an_answered_written_question_left_to_the_grader(graded_class):
    root, _, scenarios, *_ = graded_class
    layout = load_layout(GradingCourse.open(root), ASSIGNMENT)
    manual = [column for column, _, cell in layout.questions() if cell.role == "manual"]
    rows = export_rows(root)
    for student, scenario in scenarios.items():
        answered = STATUS[scenario] not in (
            "corrupt",
            "wrong_assignment",
            "kernel_crash",
            "missing",
        )
        answered = answered and scenario not in ("wrong", "untouched")
        for column in manual:
            assert (rows[student][column] == "") == answered, (student, column)
            assert (column in rows[student]["manual_pending"]) == answered


def test_is_no_submitted_file_lost_or_changed(graded_class):
    root, out, _, collected, _, _, submitted = graded_class
    assert "12 new, 0 changed, 0 unchanged" in collected
    course = GradingCourse.open(root)
    archived = {sha(p) for p in (course.intake(ASSIGNMENT) / "originals").rglob("*") if p.is_file()}
    for path in (out / "submissions").rglob("*.ipynb"):
        assert sha(path) in archived, f"{path.name} is not in the archive"
    assert {p: sha(p) for p in submitted} == submitted  # grading never touched a submission
    again = grade_cli("collect", ASSIGNMENT, str(out / "submissions.zip"), root=root)
    assert "0 new, 0 changed, 12 unchanged" in again


def test_does_every_student_get_feedback_without_hidden_tests(graded_class):
    root, _, scenarios, *_ = graded_class
    course = GradingCourse.open(root)
    source = json.loads((root / "solutions" / ASSIGNMENT / "first_look.ipynb").read_text())
    hidden = [
        line
        for cell in source["cells"]
        for line in split_hidden("".join(cell["source"]))[2]
        if "HIDDEN TESTS" in "".join(cell["source"])
    ]
    assert hidden
    for student in scenarios:
        [page] = (course.folder("feedback") / student / ASSIGNMENT).glob("*.html")
        text = page.read_text()
        for line in hidden:
            assert line not in text, f"hidden test line in the feedback of {student}"


def test_are_the_summary_table_and_plot_written(graded_class):
    root, *_ = graded_class
    exports = GradingCourse.open(root).exports(ASSIGNMENT)
    summary = (exports / "summary.txt").read_text()
    assert "rate" in summary and "total score" in summary
    assert (exports / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (exports / "questions.csv").open(newline="") as handle:
        assert {row["question"] for row in csv.DictReader(handle)} == {
            c for c, _, _ in load_layout(GradingCourse.open(root), ASSIGNMENT).questions()
        }


def test_is_a_regrade_idempotent_and_an_interrupted_run_finished_by_a_rerun(graded_class):
    root, _, scenarios, *_ = graded_class
    course = GradingCourse.open(root)
    grades = course.exports(ASSIGNMENT) / "grades.csv"
    before = grades.read_bytes()
    by_scenario = {scenario: student for student, scenario in scenarios.items()}
    regrade = [by_scenario[s] for s in ("correct", "edited_test", "kernel_crash")]
    grade_cli("autograde", ASSIGNMENT, "--force", *[f"--student={s}" for s in regrade], root=root)
    grade_cli("export", ASSIGNMENT, root=root)
    assert grades.read_bytes() == before
    # as if a run had stopped before these two students were saved
    lost = [by_scenario["partial"], by_scenario["wrong"]]
    for student in lost:
        (course.results(ASSIGNMENT) / "students" / f"{student}.json").unlink()
    rerun = grade_cli("autograde", ASSIGNMENT, "--timeout", TIMEOUT, root=root)
    assert f"2 graded now (2 graded), {len(scenarios) - 2} unchanged" in rerun
    grade_cli("export", ASSIGNMENT, root=root)
    assert grades.read_bytes() == before
