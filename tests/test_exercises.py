"""Are the student versions exactly what nbgrader generates, free of solutions, and runnable?"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from customs_course.assignments import assignment_ids, generate_student_versions

ROOT = Path(__file__).resolve().parent.parent
SOURCE_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def student_notebooks() -> list[Path]:
    return sorted((ROOT / "exercises").glob("*/*.ipynb"))


def nbgrader_role(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "other"


def comparable(notebook) -> list[tuple]:
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in notebook.cells]


def test_does_every_assignment_have_a_student_version():
    assert assignment_ids(), "solutions/ holds no assignment"
    for assignment in assignment_ids():
        sources = sorted(p.name for p in (ROOT / "solutions" / assignment).glob("*.ipynb"))
        released = sorted(p.name for p in (ROOT / "exercises" / assignment).glob("*.ipynb"))
        assert released == sources, f"run `make exercises` to generate exercises/{assignment}"


@pytest.mark.notebooks
def test_is_every_student_version_what_nbgrader_generates_now(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    generate_student_versions(course_root=tmp_path)
    for committed in student_notebooks():
        fresh = tmp_path / committed.relative_to(ROOT)
        assert fresh.exists(), f"{committed} has no source in solutions/"
        assert comparable(nbformat.read(fresh, 4)) == comparable(nbformat.read(committed, 4)), (
            f"{committed.relative_to(ROOT)} differs from its source: run `make exercises`"
        )


@pytest.mark.parametrize("student", student_notebooks(), ids=lambda p: p.parent.name)
def test_does_no_student_version_leak_a_solution_or_hidden_test(student):
    source = nbformat.read(ROOT / "solutions" / student.relative_to(ROOT / "exercises"), 4)
    text = student.read_text()
    for marker in SOURCE_MARKERS:
        assert marker not in text, f"{marker} left in {student}"
    for cell in source.cells:
        if nbgrader_role(cell) == "answer" and cell.cell_type == "code":
            lines = cell.source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0]
            # Lines short enough to occur anywhere (")", "else:") prove nothing.
            for line in (line.strip() for line in lines.splitlines()):
                if len(line) >= 15:
                    assert line not in text, f"solution line {line!r} left in {student}"


@pytest.mark.notebooks
@pytest.mark.parametrize("student", student_notebooks(), ids=lambda p: p.parent.name)
def test_do_only_the_unanswered_cells_fail_in_a_student_version(student):
    """Set-up cells run; each answer cell raises NotImplementedError; only tests may fail too
    (and self-study checks, with a NameError, for an answer not written yet)."""
    notebook = nbformat.read(student, 4)
    NotebookClient(
        notebook, timeout=120, allow_errors=True, resources={"metadata": {"path": student.parent}}
    ).execute()
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        role = nbgrader_role(cell)
        where = f"{student.name} cell {index} ({role})"
        if role == "answer":
            assert [e.ename for e in errors] == ["NotImplementedError"], where
        elif "self-study" in cell.metadata.get("tags", []):
            # a self-study check reads an answer that the blank version does not define yet
            assert [e.ename for e in errors] in ([], ["NameError"]), where
        elif role == "other":
            assert not errors, f"{where} failed: {errors[0].ename}: {errors[0].evalue}"
