"""Does collect keep nbgrader's timestamp.txt, so that nbgrader finds late submissions?"""

from __future__ import annotations

import os
import zipfile
from datetime import datetime

import nbformat
import pytest
from course_helpers import answered_ps1

from customs_course.grading.course import GradingCourse
from customs_course.grading.intake import collect_submissions

IDS = ["s01", "s02", "s03", "s04", "s05"]
EARLY = "2026-03-01 16:00:00.000000 UTC"  # nbgrader's exchange writes this format
LATER = "2026-03-02 09:00:00.000000 UTC"


@pytest.fixture
def course(rostered_ps1):
    return rostered_ps1


@pytest.fixture
def grading(course):
    return GradingCourse.open(course)


def exchange_folder(root, student, stamp, content: bytes, *, age: float = 0):
    """A submission as nbgrader's exchange keeps it: student+assignment+time+random/."""
    folder = root / f"{student}+ps1+{stamp}+{abs(hash(content)) % 10_000}"
    folder.mkdir(parents=True)
    (folder / "problem1.ipynb").write_bytes(content)
    (folder / "timestamp.txt").write_text(stamp)
    then = os.path.getmtime(folder / "problem1.ipynb") - age
    os.utime(folder / "problem1.ipynb", (then, then))
    return folder


def test_is_the_timestamp_of_the_newest_submission_kept_beside_it(course, grading, tmp_path, nb):
    upload = tmp_path / "exchange"
    # the later submission's file is older on disk: nbgrader's time decides, not the file's
    exchange_folder(upload, "s01", EARLY, answered_ps1(nb, "first"))
    exchange_folder(upload, "s01", LATER, answered_ps1(nb, "second"), age=7200)

    report = collect_submissions("ps1", upload, course_root=course)

    current = grading.submission_dir("s01", "ps1")
    assert (current / "problem1.ipynb").read_bytes() == answered_ps1(nb, "second")
    assert (current / "timestamp.txt").read_text() == LATER
    assert report.timestamps == {"s01": datetime(2026, 3, 2, 9)}
    assert "nbgrader's timestamp.txt kept for 1 student(s)" in "\n".join(report.lines())
    kept = (grading.intake("ps1") / "originals" / "s01").iterdir()
    assert sum(p.name.endswith("timestamp.txt") for p in kept) == 2  # both archived


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"yesterday afternoon", "not a time nbgrader can read ('yesterday afternoon')"),
        (b"2026-13-45 25:00:00 UTC", "not a time nbgrader can read"),
        (b"  \n", "empty"),
        ("2026-03-01\u202e".encode(), "not plain ASCII text"),
        (b"2026-03-01 " + b"0" * 2000, "too long for a timestamp"),
    ],
)
def test_is_an_unreadable_timestamp_refused_with_a_reason_and_the_notebook_still_collected(
    course, grading, tmp_path, nb, content, reason
):
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as z:
        z.writestr("s01/problem1.ipynb", answered_ps1(nb, "a"))
        z.writestr("s01/timestamp.txt", content)
        z.writestr("s02/problem1.ipynb", answered_ps1(nb, "b"))
        z.writestr("s02/timestamp.txt", EARLY)

    report = collect_submissions("ps1", upload, course_root=course)

    assert sorted(s for s, _ in report.new) == ["s01", "s02"]
    [(label, why)] = report.refused
    assert label == "s01/timestamp.txt"
    assert reason in why and "s01's submission has no submission time" in why
    assert not (grading.submission_dir("s01", "ps1") / "timestamp.txt").exists()
    assert (grading.submission_dir("s02", "ps1") / "timestamp.txt").read_text() == EARLY


def test_is_a_timestamp_removed_when_a_new_file_comes_without_one(course, grading, tmp_path, nb):
    stamped = exchange_folder(tmp_path / "first", "s01", EARLY, answered_ps1(nb, "v1"))
    collect_submissions("ps1", stamped.parent, course_root=course)
    target = grading.submission_dir("s01", "ps1") / "timestamp.txt"
    assert target.read_text() == EARLY
    same = tmp_path / "same"
    same.mkdir()
    (same / "s01_problem1.ipynb").write_bytes(answered_ps1(nb, "v1"))
    collect_submissions("ps1", same, course_root=course)
    assert target.read_text() == EARLY  # the same notebook: its time still holds
    (same / "s01_problem1.ipynb").write_bytes(answered_ps1(nb, "v2"))
    report = collect_submissions("ps1", same, course_root=course)
    assert not target.exists()
    assert "  timestamp.txt of s01 removed: the new file came without one" in report.lines()


def lateness(grading) -> dict:
    """Submission time, seconds late and late penalty of s01 and s02, from the gradebook."""
    with grading.gradebook() as gradebook:
        found = {}
        for student in ("s01", "s02"):
            submission = gradebook.find_submission("ps1", student)
            [notebook] = submission.notebooks
            assert notebook.score > 0  # the solutions were handed in
            penalty = notebook.late_submission_penalty
            found[student] = (submission.timestamp, submission.total_seconds_late, penalty)
            found[f"{student} penalty is its score"] = penalty == notebook.score
    return found


@pytest.mark.slow
def test_does_autograde_find_the_late_submission_from_the_collected_timestamp(
    course, grading, tmp_path, nb
):
    """As nbgrader computes it: due date in the gradebook, LateSubmissionPlugin, its autograde."""
    from customs_course.grading.autograde import autograde

    answer = nbformat.writes(nb.ps1()).encode()  # the solutions: every test passes
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as z:  # nbgrader zip_collect's layout: student/files
        z.writestr("s01/problem1.ipynb", answer)
        z.writestr("s01/timestamp.txt", "2026-03-02 07:00:00.000000 UTC")  # 1 h early
        z.writestr("s02/problem1.ipynb", answer)
        z.writestr("s02/timestamp.txt", "2026-03-03 10:03:04.000000 UTC")  # 1 day 2:03:04 late
    collect_submissions("ps1", upload, course_root=course)
    with grading.gradebook() as gradebook:
        gradebook.update_or_create_assignment("ps1", duedate=datetime(2026, 3, 2, 8))
    config = course / "grading" / "nbgrader_config.py"
    config.write_text('c.LateSubmissionPlugin.penalty_method = "zero"\n')
    expected = {
        "s01": (datetime(2026, 3, 2, 7), 0, None),
        "s01 penalty is its score": False,
        "s02": (datetime(2026, 3, 3, 10, 3, 4), 26 * 3600 + 3 * 60 + 4, pytest.approx(5.0)),
        "s02 penalty is its score": True,  # penalty_method "zero"
    }

    # the course's autograde (workers on private gradebooks, merged back)
    autograde("ps1", course_root=course, students=["s01", "s02"], sandbox="off", progress=False)
    assert lateness(grading) == expected
    # nbgrader's own autograde on the same files
    grading = GradingCourse.open(course)
    for student in ("s01", "s02"):
        assert grading.api().autograde("ps1", student, force=True, create=True)["success"]
    assert lateness(grading) == expected
