"""Which files go beside a student's notebooks in the sandbox, and how they get there (fast)."""

from __future__ import annotations

import base64
import csv
from pathlib import Path

import pytest
from byo import ASSIGNMENT, write_assignment

from customs_course.grading.assignment_files import instructor_files, sandbox_files
from customs_course.grading.checks import check_submission
from customs_course.grading.course import GradingCourse
from customs_course.grading.intake import collect_submissions
from customs_course.grading.layout import fingerprint, prepare_assignment, source_notebooks
from customs_course.grading.results import submitted_files
from customs_course.grading.roster import import_roster
from customs_course.grading.runner import write_files
from customs_course.grading.sandbox import SandboxError, SandboxLimits, encode_files
from customs_course.grading.simulate import LAST_QUESTION, simulate_class
from customs_course.grading.status import most_severe


@pytest.fixture
def byo(tmp_path) -> GradingCourse:
    folder = write_assignment(tmp_path / "course")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "arrivals-checkpoint.ipynb").write_text("{}")
    (folder / "helpers.pyc").write_bytes(b"\0")
    return GradingCourse.open(tmp_path / "course")


def own_files(course: GradingCourse, student: str, files: dict[str, str]) -> Path:
    folder = course.submission_dir(student, ASSIGNMENT)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_are_the_instructors_files_taken_as_nbgrader_takes_them(byo):
    """Notebooks and CourseDirectory.ignore (checkpoints, *.pyc) are left out."""
    assert sorted(instructor_files(byo, ASSIGNMENT)) == ["data/arrivals.csv", "helpers.py"]


def test_does_the_instructors_file_win_over_the_students(byo):
    own_files(byo, "s1", {"data/arrivals.csv": "forged\n", "ipykernel_launcher.py": "x = 1\n"})
    files = sandbox_files(byo, ASSIGNMENT, "s1")
    assert sorted(files) == ["data/arrivals.csv", "helpers.py"]  # no student-only file
    source = byo.root / "solutions" / ASSIGNMENT
    assert files["data/arrivals.csv"] == (source / "data" / "arrivals.csv").read_bytes()


def test_is_the_students_file_used_where_exclude_overwriting_allows_it(tmp_path):
    write_assignment(tmp_path / "course")
    (tmp_path / "course" / "grading" / "nbgrader_config.py").write_text(
        f'c.Autograde.exclude_overwriting = {{"{ASSIGNMENT}": ["helpers.py"]}}\n'
    )
    course = GradingCourse.open(tmp_path / "course")
    assert "helpers.py" not in sandbox_files(course, ASSIGNMENT, "s1")  # none handed in
    own_files(course, "s1", {"helpers.py": "mine\n", "data/arrivals.csv": "forged\n"})
    files = sandbox_files(course, ASSIGNMENT, "s1")
    assert files["helpers.py"] == b"mine\n"
    assert files["data/arrivals.csv"] != b"forged\n"


def test_is_a_symbolic_link_in_a_submission_never_followed(tmp_path):
    write_assignment(tmp_path / "course")
    (tmp_path / "course" / "grading" / "nbgrader_config.py").write_text(
        f'c.Autograde.exclude_overwriting = {{"{ASSIGNMENT}": ["helpers.py"]}}\n'
    )
    course = GradingCourse.open(tmp_path / "course")
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's secret")
    folder = own_files(course, "s1", {})
    (folder / "helpers.py").symlink_to(secret)
    assert "helpers.py" not in sandbox_files(course, ASSIGNMENT, "s1")


def test_does_a_changed_data_file_change_the_assignments_fingerprint(byo):
    sources = source_notebooks(byo, ASSIGNMENT)
    before = fingerprint(sources, instructor_files(byo, ASSIGNMENT))
    assert fingerprint(sources) == fingerprint(sources, {})  # notebooks only: as before
    (byo.root / "solutions" / ASSIGNMENT / "data" / "arrivals.csv").write_text("changed\n")
    assert fingerprint(sources, instructor_files(byo, ASSIGNMENT)) != before


def test_does_the_runner_write_the_files_inside_its_working_folder_only(tmp_path):
    encoded = {"data/a.csv": base64.b64encode(b"x,y\n").decode()}
    write_files(encoded, tmp_path)
    assert (tmp_path / "data" / "a.csv").read_bytes() == b"x,y\n"
    for name in ("../escape.txt", "/tmp/escape.txt", "data/../../escape.txt"):
        with pytest.raises(ValueError, match="not inside the working folder"):
            write_files({name: encoded["data/a.csv"]}, tmp_path / "work")
    assert not (tmp_path / "escape.txt").exists()


def test_are_files_past_the_disk_limit_refused_with_what_to_do():
    limits = SandboxLimits(disk_mb=1)
    assert encode_files({"a": b"x" * (1 << 20)}, limits)  # exactly the limit: accepted
    with pytest.raises(SandboxError, match="c.Sandbox.disk_mb"):
        encode_files({"a": b"x" * (1 << 20), "b": b"x"}, limits)


def test_does_simulate_write_every_notebook_of_a_several_notebook_assignment(byo, tmp_path):
    """Each student hands in both notebooks; the checks find the status each scenario makes."""
    simulated = simulate_class(ASSIGNMENT, tmp_path / "class", course_root=byo.root)
    import_roster(simulated.roster, course_root=byo.root)
    report = collect_submissions(ASSIGNMENT, simulated.zip, course_root=byo.root)
    assert report.unmatched == [] and report.duplicates == [], report.lines()
    layout = prepare_assignment(byo, ASSIGNMENT)
    before_grading = {
        "deleted_cells": "cells_changed",
        "reordered": "cells_changed",
        "edited_test": "test_cell_edited",
        "not_json": "corrupt",
        "nbformat3": "corrupt",
        "other_assignment": "wrong_assignment",
        "missing": "missing",
    }
    for student, scenario in simulated.scenarios.items():
        files = submitted_files(byo, ASSIGNMENT, student, layout)
        handed = sorted(name for name, data in files.items() if data is not None)
        assert handed == ([] if scenario == "missing" else ["arrivals", "report"]), student
        findings = check_submission(files, list(layout.notebooks))
        status = most_severe([f.status for f in findings]).value
        assert status == before_grading.get(scenario, "graded"), (student, scenario, findings)
        if scenario in LAST_QUESTION:  # only the last notebook with a code answer is changed
            assert not check_submission({"arrivals": files["arrivals"]}, [layout.notebooks[0]])
    with (tmp_path / "class" / "scenarios.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(simulated.scenarios)


def test_does_a_data_file_past_the_disk_limit_give_each_student_a_reason(tmp_path):
    """No kernel starts: the grader refuses before the sandbox, and says what to raise."""
    from customs_course.grading.autograde import autograde

    folder = write_assignment(tmp_path / "course")
    (folder / "data" / "big.bin").write_bytes(b"\0" * (3 << 19))  # 1.5 MiB
    (tmp_path / "course" / "grading" / "nbgrader_config.py").write_text("c.Sandbox.disk_mb = 1\n")
    course = GradingCourse.open(tmp_path / "course")
    simulated = simulate_class(
        ASSIGNMENT, tmp_path / "class", course_root=course.root, scenarios=("untouched",)
    )
    import_roster(simulated.roster, course_root=course.root)
    collect_submissions(ASSIGNMENT, simulated.zip, course_root=course.root)
    report = autograde(ASSIGNMENT, course_root=course.root, workers=1, progress=False,
                       sandbox="off")
    [outcome] = report.outcomes
    assert outcome.status.value == "grading_error"
    assert "c.Sandbox.disk_mb" in outcome.reason, outcome.reason
