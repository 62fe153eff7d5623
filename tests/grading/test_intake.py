"""Are submissions collected from LMS-style folders and zips without ever losing a file?"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import time
import zipfile

import nbformat
import pytest

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.intake import collect_submissions, match_student
from customs_course.grading.roster import import_roster

IDS = ["s1", "s10", "s1-a", "jane.doe@example.org", "B7"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("s10_problem1.ipynb", "s10"),
        ("problem1-s1.ipynb", "s1"),
        ("Doe, Jane_jane.doe@example.org_attempt_2025-03-01.ipynb", "jane.doe@example.org"),
        ("s1-a/problem1.ipynb", "s1-a"),  # the longest id wins over s1
        ("batch.zip/b7.zip/problem1.ipynb", "B7"),  # case does not matter
        ("s100_problem1.ipynb", None),  # s10 glued to a digit is not s10
        ("xs1_problem1.ipynb", None),
        ("s1_s10_problem1.ipynb", None),  # two students: refused
        ("problem1.ipynb", None),
    ],
)
def test_is_each_file_name_shape_mapped_to_the_right_student(label, expected):
    student, why = match_student(label, IDS)
    assert student == expected
    assert bool(why) == (expected is None)


@pytest.fixture
def course(ps1_course, roster, tmp_path):
    import_roster(roster(tmp_path / "roster.csv", ["s01", "s02", "s03"]), course_root=ps1_course)
    return ps1_course


def notebook_bytes(nb, text: str) -> bytes:
    cell = nb.answer("squares", text)
    cell.id = "answer"  # a fixed cell id: the same text gives the same bytes
    return nbformat.writes(nb.notebook([cell])).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_does_a_zip_from_an_lms_become_nbgrader_submissions(course, tmp_path, nb):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("problem1.ipynb", notebook_bytes(nb, "c"))
    upload = tmp_path / "lms.zip"
    with zipfile.ZipFile(upload, "w") as z:
        z.writestr("Lima, Ana_s01_attempt_1.ipynb", notebook_bytes(nb, "a"))
        z.writestr("s02/problem1.ipynb", notebook_bytes(nb, "b"))
        z.writestr("s03.zip", inner.getvalue())
        z.writestr("__MACOSX/._s01_attempt_1.ipynb", b"junk")
        z.writestr("s09_problem1.ipynb", notebook_bytes(nb, "stranger"))
        z.writestr("notes.txt", b"hello")
    report = collect_submissions("ps1", upload, course_root=course)
    assert sorted(s for s, _ in report.new) == ["s01", "s02", "s03"]
    assert report.unmatched == [("s09_problem1.ipynb", "no student id of the roster in its name")]
    assert report.ignored == ["notes.txt"]
    courses = GradingCourse.open(course)
    for student, text in [("s01", "a"), ("s02", "b"), ("s03", "c")]:
        current = courses.submission_dir(student, "ps1") / "problem1.ipynb"
        assert current.read_bytes() == notebook_bytes(nb, text)
        assert not current.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_is_a_changed_resubmission_kept_beside_the_first_one(course, tmp_path, nb):
    folder = tmp_path / "inbox"
    folder.mkdir()
    first, second = notebook_bytes(nb, "v1"), notebook_bytes(nb, "v2")
    (folder / "s01_problem1.ipynb").write_bytes(first)
    collect_submissions("ps1", folder, course_root=course)
    again = collect_submissions("ps1", folder, course_root=course)
    assert again.unchanged == [("s01", "s01_problem1.ipynb")] and not again.new
    (folder / "s01_problem1.ipynb").write_bytes(second)
    report = collect_submissions("ps1", folder, course_root=course)
    assert report.changed == [("s01", "s01_problem1.ipynb")]
    assert any("previous file is kept" in line for line in report.lines())
    intake = GradingCourse.open(course).intake("ps1")
    kept = sorted((intake / "originals" / "s01").iterdir())
    assert sorted(sha(p.read_bytes()) for p in kept) == sorted([sha(first), sha(second)])
    assert all(sha(p.read_bytes())[:12] in p.name for p in kept)
    current = GradingCourse.open(course).submission_dir("s01", "ps1") / "problem1.ipynb"
    assert current.read_bytes() == second
    log = [json.loads(line) for line in (intake / "manifest.jsonl").read_text().splitlines()]
    assert [entry["sha256"] for entry in log] == [sha(first), sha(first), sha(second)]


def test_does_the_newest_of_two_files_of_one_student_win(course, tmp_path, nb):
    folder = tmp_path / "inbox"
    folder.mkdir()
    old, new = folder / "s02_problem1.ipynb", folder / "problem1_s02_late.ipynb"
    old.write_bytes(notebook_bytes(nb, "old"))
    new.write_bytes(notebook_bytes(nb, "new"))
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    report = collect_submissions("ps1", folder, course_root=course)
    assert report.duplicates == [("s02", "problem1_s02_late.ipynb", ["s02_problem1.ipynb"])]
    current = GradingCourse.open(course).submission_dir("s02", "ps1") / "problem1.ipynb"
    assert current.read_bytes() == notebook_bytes(nb, "new")
    assert (
        len(list((GradingCourse.open(course).intake("ps1") / "originals" / "s02").iterdir())) == 2
    )


def test_are_students_without_a_file_listed(course, tmp_path, nb):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "s01_problem1.ipynb").write_bytes(notebook_bytes(nb, "a"))
    report = collect_submissions("ps1", folder, course_root=course)
    assert report.without_submission == ["s02", "s03"]


def test_does_collecting_need_a_roster_first(ps1_course, tmp_path):
    with pytest.raises(GradingError, match="import the roster first"):
        collect_submissions("ps1", tmp_path, course_root=ps1_course)


def test_does_an_unknown_assignment_name_the_known_ones(course, tmp_path):
    with pytest.raises(GradingError, match="known assignments: ps1"):
        collect_submissions("ps2", tmp_path, course_root=course)


def test_is_a_broken_zip_reported_clearly(course, tmp_path):
    broken = tmp_path / "upload.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(GradingError, match="not a valid zip file"):
        collect_submissions("ps1", broken, course_root=course)


def test_are_intake_and_results_folders_kept_out_of_git(course):
    grading = GradingCourse.open(course)
    for folder in (grading.intake("ps1").parent, grading.results("ps1").parent):
        assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"


def test_does_a_full_disk_leave_the_manifest_without_a_half_line(tmp_path):
    """The write runs out of room midway (a file size limit stands in for a full disk)."""
    import subprocess
    import sys

    manifest = tmp_path / "manifest.jsonl"
    manifest.write_bytes(b'{"a": 1}\n')
    script = f"""
import resource, signal
from pathlib import Path
from customs_course.grading.intake import _append_whole
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (14, 14))  # room for 5 of the 18 new bytes
_append_whole(Path({str(manifest)!r}), b'{{"b": 2}}\\n{{"c": 3}}\\n')
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode != 0 and "File too large" in result.stderr, result.stderr
    assert manifest.read_bytes() == b'{"a": 1}\n'
    from customs_course.grading.intake import _append_whole

    _append_whole(manifest, b'{"b": 2}\n')
    assert manifest.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
