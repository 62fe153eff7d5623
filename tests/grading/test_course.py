"""Is a gradebook created by the grading package the same as one nbgrader creates?"""

from __future__ import annotations

import sqlite3

import pytest

from customs_course.assignments import put_scripts_on_path
from customs_course.grading.course import create_gradebook


def schema(path) -> tuple[list, list]:
    connection = sqlite3.connect(path)
    try:
        tables = sorted(connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
        stamp = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        connection.close()
    return tables, stamp


@pytest.mark.slow
def test_is_the_fast_gradebook_identical_to_nbgraders_own(tmp_path):
    from nbgrader.api import Gradebook

    put_scripts_on_path()  # nbgrader runs the alembic command to stamp a new gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'nbgrader.db'}"):
        pass
    create_gradebook(tmp_path / "fast.db")
    assert schema(tmp_path / "fast.db") == schema(tmp_path / "nbgrader.db")
