"""Does every assignment grade its own solution full marks and its blank student version zero?"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from customs_course.assignments import assignment_ids
from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.export import export_grades
from customs_course.grading.intake import collect_submissions
from customs_course.grading.layout import generate_release, load_layout, source_notebooks
from customs_course.grading.roster import import_roster
from customs_course.grading.simulate import build_submission

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("assignment", assignment_ids(ROOT))
def test_does_the_assignment_grade_its_solution_full_and_its_blank_version_zero(
    assignment, tmp_path
):
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
    course = GradingCourse.open(root)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    released = {
        p.stem: p for p in generate_release(course, assignment, tmp_path / "rel", record=False)
    }
    for path in source_notebooks(course, assignment):
        source = nbformat.read(path, as_version=4)
        release = nbformat.read(released[path.stem], as_version=4)
        # the instructor's source as is (with its hidden tests) ...
        shutil.copy(path, inbox / f"source_{path.stem}.ipynb")
        # ... the student version with the solutions filled in, and the blank student version
        (inbox / f"solved_{path.stem}.ipynb").write_bytes(
            build_submission("correct", source, release)
        )
        shutil.copy(released[path.stem], inbox / f"blank_{path.stem}.ipynb")
    (inbox / "roster.csv").write_text("student_id\nsource\nsolved\nblank\n")
    import_roster(inbox / "roster.csv", course_root=root)
    collect_submissions(assignment, inbox, course_root=root)
    autograde(assignment, course_root=root, timeout=120, progress=False)
    with export_grades(assignment, course_root=root).grades.open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    tests = [
        (c, cell.points)
        for c, _, cell in load_layout(course, assignment).questions()
        if cell.role == "test"
    ]
    assert tests, f"{assignment} has no autograded test cell"
    # the source's test cells hold the hidden tests, so they differ from the student version
    assert rows["source"]["status"] in ("graded", "test_cell_edited"), rows["source"]["reason"]
    assert rows["solved"]["status"] == "graded", rows["solved"]["reason"]
    assert rows["blank"]["status"] == "graded", rows["blank"]["reason"]
    for column, points in tests:
        assert float(rows["source"][column]) == points, f"source loses points on {column}"
        assert float(rows["solved"][column]) == points, f"solved version loses points on {column}"
        assert float(rows["blank"][column]) == 0, f"blank version scores on {column}"
