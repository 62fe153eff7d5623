"""Pins what :mod:`customs_course.grading.nbgrader_engine` relies on in nbgrader's internals."""

from __future__ import annotations

import sqlite3

import nbgrader.api
import pytest
from nbgrader.api import Gradebook

from customs_course.grading.course import create_gradebook
from customs_course.grading.nbgrader_engine import share_engines

COURSE = "customs-data-analytics"


@pytest.fixture
def shared(monkeypatch):
    """share_engines() for this test only: nbgrader.api gets its own create_engine back."""
    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)
    share_engines()


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
