"""Helpers shared by the grading tests: nbgrader cell metadata, the grade command, a one-cell
submission (fixtures live in conftest.py; this module holds plain functions)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat

from customs_course.cli import main


def nbgrader_meta(grade_id: str, *, grade=False, solution=False, locked=False, task=False,
                  points=None):
    """The ``nbgrader`` metadata of a cell, as nbgrader 0.9 writes it (schema 3)."""
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": task,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def grade_cli(*args: str, root: Path) -> str:
    """Run ``customs-course grade ...`` in this process and return what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["grade", *args, "--course-root", str(root)])
    assert code == 0, f"grade {' '.join(args)} failed:\n{err.getvalue()[-3000:]}"
    return out.getvalue()


def answered_ps1(nb, text: str = "x") -> bytes:
    """A ps1 submission whose only cell answers ``squares`` with ``text``, as file bytes."""
    cell = nb.answer("squares", text)
    cell.id = "answer"
    return nbformat.writes(nb.notebook([cell])).encode()
