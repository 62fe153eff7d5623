"""Pins what :mod:`customs_course.grading.nbgrader_engine` relies on in nbgrader's internals."""

from __future__ import annotations

import sqlite3

import jsonschema
import nbgrader.api
import nbgrader.nbgraderformat.common
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator
from sqlalchemy import text

from customs_course.grading.course import create_gradebook
from customs_course.grading.nbgrader_engine import check_metadata_schema_once, share_engines

COURSE = "customs-data-analytics"


@pytest.fixture
def shared(monkeypatch, tmp_path):
    """share_engines() for this test only: nbgrader.api gets its own create_engine back.

    ``scratch.db`` under ``tmp_path`` is named a scratch copy.
    """
    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)
    share_engines(scratch_urls=(f"sqlite:///{tmp_path / 'scratch.db'}",))


def test_gradebooks_of_one_database_share_one_engine(tmp_path, shared):
    create_gradebook(tmp_path / "a.db")
    create_gradebook(tmp_path / "b.db")
    with Gradebook(f"sqlite:///{tmp_path / 'a.db'}", COURSE) as first:
        engine = first.engine
    with Gradebook(f"sqlite:///{tmp_path / 'a.db'}", COURSE) as again:
        assert again.engine is engine  # nbgrader makes its engine with nbgrader.api.create_engine
    with Gradebook(f"sqlite:///{tmp_path / 'b.db'}", COURSE) as other:
        assert other.engine is not engine


def test_a_shared_engine_sees_every_write_after_close(tmp_path, shared):
    path = tmp_path / "gradebook.db"
    create_gradebook(path)
    url = f"sqlite:///{path}"
    with Gradebook(url, COURSE) as gradebook:
        gradebook.add_student("s01")
    with Gradebook(url, COURSE) as gradebook:  # the engine closed, then reused
        assert [s.id for s in gradebook.students] == ["s01"]
    connection = sqlite3.connect(path)  # a write by someone else between two openings
    with connection:
        connection.execute("DELETE FROM student")
    connection.close()
    with Gradebook(url, COURSE) as gradebook:
        assert gradebook.students == []
        gradebook.add_student("s02")
    with Gradebook(url, COURSE) as gradebook:
        assert [s.id for s in gradebook.students] == ["s02"]


def test_sharing_twice_wraps_once(shared):
    wrapped = nbgrader.api.create_engine
    share_engines()
    assert nbgrader.api.create_engine is wrapped


def synchronous(gradebook: Gradebook) -> int:
    return gradebook.db.execute(text("PRAGMA synchronous")).scalar()


def test_only_the_scratch_copy_is_written_without_waiting_for_the_disk(tmp_path, shared):
    for name in ("scratch.db", "course.db"):
        create_gradebook(tmp_path / name)
    for _ in range(2):  # every connection of the engine, not only its first
        with Gradebook(f"sqlite:///{tmp_path / 'scratch.db'}", COURSE) as scratch:
            assert synchronous(scratch) == 0  # OFF
            scratch.add_student(f"s{_}")
    with Gradebook(f"sqlite:///{tmp_path / 'course.db'}", COURSE) as course:
        assert synchronous(course) == 2  # FULL, SQLite's default: the course's own gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'scratch.db'}", COURSE) as scratch:
        assert [s.id for s in scratch.students] == ["s0", "s1"]


@pytest.fixture
def checked_once(monkeypatch):
    """check_metadata_schema_once() for this test only, counting the schema checks."""
    monkeypatch.setattr(nbgrader.nbgraderformat.common, "jsonschema", jsonschema)
    checks = []
    real = jsonschema.validators.Draft4Validator.check_schema.__func__
    monkeypatch.setattr(jsonschema.validators.Draft4Validator, "check_schema",
                        classmethod(lambda cls, schema, **kw: (checks.append(1),
                                                               real(cls, schema, **kw))[1]))
    check_metadata_schema_once()
    return checks


def graded_cell(points) -> object:
    cell = new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"schema_version": 3, "grade": True, "solution": False,
                                 "locked": True, "task": False, "grade_id": "t1",
                                 "points": points}
    return cell


def test_is_nbgraders_schema_checked_once_and_every_cell_still_validated(checked_once):
    for _ in range(5):
        MetadataValidator().validate_cell(graded_cell(2))  # nbgrader's own validator
    assert len(checked_once) == 1
    with pytest.raises(jsonschema.ValidationError) as caught:
        MetadataValidator().validate_cell(graded_cell(-1))  # below the schema's minimum
    with pytest.raises(jsonschema.ValidationError) as plain:
        jsonschema.validate(graded_cell(-1).metadata["nbgrader"], MetadataValidator().schema)
    assert caught.value.message == plain.value.message
