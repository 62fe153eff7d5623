"""Fixtures of the grading tests: course roots in tmp_path and notebooks built in memory.

The problem set is shaped like nbgrader's documented example ("ps1"): two functions, each with
visible and hidden tests, and a written answer graded by hand. It is written here from scratch.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from course_helpers import nbgrader_meta
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
KERNELSPEC = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}


def answer_cell(grade_id: str, source: str):
    """An nbgrader solution cell (the student writes code here)."""
    return new_code_cell(source, metadata=nbgrader_meta(grade_id, solution=True))


def graded_test_cell(grade_id: str, source: str, points: float):
    """An nbgrader autograded test cell (locked)."""
    return new_code_cell(
        source, metadata=nbgrader_meta(grade_id, grade=True, locked=True, points=points)
    )


def written_answer_cell(grade_id: str, source: str, points: float):
    """A markdown answer graded by hand."""
    return new_markdown_cell(
        source, metadata=nbgrader_meta(grade_id, grade=True, solution=True, points=points)
    )


PS1_POINTS = {
    "correct_squares": 2.0,
    "squares_invalid_input": 1.0,
    "correct_sum_of_squares": 2.0,
    "sum_of_squares_equation": 2.0,
}
SECRET = "SECRET-HIDDEN-CHECK"


def ps1_source() -> nbformat.NotebookNode:
    """The instructor source of a problem set shaped like nbgrader's "ps1" example."""
    cells = [
        new_markdown_cell("# Problem set 1", metadata=nbgrader_meta("intro", locked=True)),
        new_markdown_cell("Write `squares(n)`: the list of the squares of 1 to n."),
        answer_cell(
            "squares",
            'def squares(n):\n    """Return the squares of 1..n."""\n    ### BEGIN SOLUTION\n'
            '    if n < 1:\n        raise ValueError("n must be at least 1")\n'
            "    return [i ** 2 for i in range(1, n + 1)]\n    ### END SOLUTION",
        ),
        graded_test_cell(
            "correct_squares",
            '"""Check that squares returns the right values."""\n'
            'assert squares(1) == [1], "squares(1) should be [1]"\n'
            'assert squares(3) == [1, 4, 9], "squares(3) should be [1, 4, 9]"\n'
            "### BEGIN HIDDEN TESTS\n"
            f'assert squares(10) == [i * i for i in range(1, 11)], "{SECRET}"\n'
            "### END HIDDEN TESTS",
            2,
        ),
        graded_test_cell(
            "squares_invalid_input",
            '"""Check that squares rejects n < 1."""\ntry:\n    squares(0)\nexcept ValueError:\n'
            '    pass\nelse:\n    raise AssertionError("squares(0) should raise ValueError")',
            1,
        ),
        new_markdown_cell("Write `sum_of_squares(n)` with `squares`."),
        answer_cell(
            "sum_of_squares",
            "def sum_of_squares(n):\n    ### BEGIN SOLUTION\n    return sum(squares(n))\n"
            "    ### END SOLUTION",
        ),
        graded_test_cell(
            "correct_sum_of_squares",
            '"""Check sum_of_squares."""\n'
            'assert sum_of_squares(2) == 5, "sum_of_squares(2) should be 5"\n'
            "### BEGIN HIDDEN TESTS\nassert sum_of_squares(10) == 385\n### END HIDDEN TESTS",
            2,
        ),
        new_markdown_cell("Why is the sum of the first n squares a cubic polynomial of n?"),
        written_answer_cell(
            "sum_of_squares_equation",
            "### BEGIN SOLUTION\nIt sums n terms of order n squared.\n### END SOLUTION",
            2,
        ),
    ]
    return new_notebook(cells=cells, metadata=KERNELSPEC)


def make_course(root: Path, notebooks: dict[str, dict[str, nbformat.NotebookNode]]) -> Path:
    """Write a course root holding ``solutions/<assignment>/<notebook>.ipynb``."""
    for assignment, members in notebooks.items():
        folder = root / "solutions" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, notebook in members.items():
            nbformat.write(notebook, folder / f"{name}.ipynb")
    (root / "grading").mkdir(exist_ok=True)
    return root


@pytest.fixture
def nb():
    """Notebook builders: ``nb.answer``, ``nb.test``, ``nb.written``, ``nb.ps1()``..."""
    return SimpleNamespace(
        meta=nbgrader_meta,
        answer=answer_cell,
        test=graded_test_cell,
        written=written_answer_cell,
        ps1=ps1_source,
        points=PS1_POINTS,
        secret=SECRET,
        notebook=lambda cells: new_notebook(cells=cells, metadata=KERNELSPEC),
    )


@pytest.fixture
def ps1_course(tmp_path) -> Path:
    """A course root in tmp_path with the ps1 problem set as assignment ``ps1``."""
    return make_course(tmp_path / "course", {"ps1": {"problem1": ps1_source()}})


@pytest.fixture
def real_course(tmp_path) -> Path:
    """A course root in tmp_path with a copy of the course's solutions/."""
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", root / "solutions")
    (root / "grading").mkdir()
    return root


def write_roster(path: Path, ids: list[str]) -> Path:
    rows = ["student_id,first_name,last_name,email"]
    rows += [f"{i},First {i},Last {i},{i}@example.org" for i in ids]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def roster():
    """``roster(path, ids)`` writes a roster CSV."""
    return write_roster


@pytest.fixture
def rostered_ps1(ps1_course, tmp_path, request) -> Path:
    """The ps1 course with the requesting test module's ``IDS`` imported as its roster."""
    from customs_course.grading.roster import import_roster

    ids = request.module.IDS
    import_roster(write_roster(tmp_path / "roster.csv", ids), course_root=ps1_course)
    return ps1_course


@pytest.fixture(scope="module")
def ps1_release(tmp_path_factory) -> nbformat.NotebookNode:
    """The student version of ps1 as nbgrader generates it (no gradebook involved)."""
    from customs_course.grading.course import GradingCourse
    from customs_course.grading.layout import generate_release

    root = make_course(tmp_path_factory.mktemp("release"), {"ps1": {"problem1": ps1_source()}})
    [path] = generate_release(GradingCourse.open(root), "ps1", root / "release", record=False)
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def new_ps1_course(tmp_path_factory):
    """``new_ps1_course()`` writes a fresh ps1 course root (for module-scoped fixtures)."""
    return lambda: make_course(
        tmp_path_factory.mktemp("course"), {"ps1": {"problem1": ps1_source()}}
    )
