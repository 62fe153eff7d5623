"""Does the grader refuse to start while a sandbox dataset is missing or out of date?

Inside the sandbox the data folder is read-only: a student's notebook that tried to regenerate
a stale file would fail, and every student would silently lose those cells' marks.
"""

from __future__ import annotations

import copy
import os

import nbformat
import pytest

from customs_course.datasets.cards import DATASET_NAMES, cards_dir
from customs_course.datasets.editions import EDITION_FORMATS, dataset_path
from customs_course.datasets.loader import _sources_mtime, stale_files
from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.intake import collect_submissions
from customs_course.grading.roster import import_roster
from customs_course.paths import DATA_ENV_VAR


def fake_data_folder(folder, built_at) -> list:
    """Empty standard files of the small and medium editions, each modified at ``built_at``."""
    paths = []
    for edition in ("small", "medium"):
        for name in DATASET_NAMES:
            for fmt in EDITION_FORMATS[edition]:
                path = dataset_path(folder, name, edition, fmt)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
                os.utime(path, (built_at, built_at))
                paths.append(path)
    return paths


def newest_source() -> float:
    cards = [(cards_dir() / name / "card.yml").stat().st_mtime for name in DATASET_NAMES]
    return max(_sources_mtime(), *cards)


def test_is_a_file_built_at_the_same_instant_as_the_code_current_and_a_second_older_stale(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    paths = fake_data_folder(tmp_path, newest_source())
    assert stale_files() == []
    os.utime(paths[3], (newest_source() - 1, newest_source() - 1))
    assert stale_files() == [paths[3]]
    paths[5].unlink()
    assert stale_files() == [paths[3], paths[5]]


def test_does_autograde_refuse_before_grading_anyone_when_data_are_stale(
    ps1_course, ps1_release, tmp_path, monkeypatch
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nbformat.write(copy.deepcopy(ps1_release), inbox / "s1_problem1.ipynb")
    (tmp_path / "roster.csv").write_text("student_id\ns1\n")
    import_roster(tmp_path / "roster.csv", course_root=ps1_course)
    collect_submissions("ps1", inbox, course_root=ps1_course)
    data = tmp_path / "data"
    fake_data_folder(data, newest_source())
    (data / "seizures" / "seizures_small.csv").unlink()
    monkeypatch.setenv(DATA_ENV_VAR, str(data))

    with pytest.raises(Exception, match="datasets build") as refused:
        autograde("ps1", course_root=ps1_course, workers=1, timeout=30, progress=False)
    assert "seizures_small.csv" in str(refused.value)
    students = GradingCourse.open(ps1_course).results("ps1") / "students"
    assert not list(students.glob("*.json")), "nobody may be graded on stale data"
