"""Does every assignment grade its solution full marks, its blank version zero, and cheaters zero?

The cheaters are built for any assignment from its cells, and graded in the same autograde run
as the solved and blank versions (one sandboxed run per assignment):

- ``cheat_<kind>``: every answer name the test cells read is bound to an object whose
  comparisons all succeed (``__eq__``, ``__lt__``... and ``__bool__`` true, plausible
  ``__float__``/``__int__``): a plain object with a lying metaclass, or a subclass of int,
  float, str, Series or DataFrame;
- ``cheat_patched``: the same objects, with pandas', numpy's and math's comparison helpers
  replaced by functions that always agree;
- ``cheat_rebound``: every frame the instructor's cells bind (``declarations``...) is rebound
  in the first answer cell to its first rows, and the solutions run on them. Its score on each
  test may not exceed that of ``rebound_control``, whose answers are computed the same way but
  which puts the real data back before the tests run.

Each cheater scores 0 on every autograded test, or is flagged ``tampered`` with a total of 0.
"""

from __future__ import annotations

import ast
import copy
import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from customs_course.assignments import assignment_ids
from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.export import export_grades
from customs_course.grading.intake import collect_submissions
from customs_course.grading.layout import (
    cell_role,
    generate_release,
    load_layout,
    source_notebooks,
)
from customs_course.grading.roster import import_roster
from customs_course.grading.simulate import build_submission, strip_markers

ROOT = Path(__file__).resolve().parents[2]
TINY = 200  # rows kept of each rebound frame

CHEAT_CLASSES = '''
import math as _math
import numpy as _np
import pandas as _pd


def _yes(*args, **kwargs):
    return True


_AGREE = {k: _yes for k in ("__eq__", "__ne__", "__lt__", "__gt__", "__le__", "__ge__",
                            "__bool__", "__contains__")}
_AGREE["__hash__"] = lambda self: 0


class _Lying(type):
    __eq__ = __ne__ = _yes
    __hash__ = type.__hash__


class _Anything(metaclass=_Lying):
    locals().update(_AGREE)
    __float__ = lambda self: 0.5  # noqa: E731
    __int__ = __index__ = __len__ = lambda self: 1  # noqa: E731
    __format__ = lambda self, spec: "0"  # noqa: E731
    __abs__ = __neg__ = lambda self: self  # noqa: E731
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = (
        __rtruediv__) = __and__ = __or__ = __invert__ = lambda self, *other: self  # noqa: E731
    __getattr__ = __getitem__ = __call__ = lambda self, *args, **kwargs: self  # noqa: E731
    __iter__ = lambda self: iter(())  # noqa: E731


_Int = type("_Int", (int,), dict(_AGREE))
_Float = type("_Float", (float,), dict(_AGREE))
_Str = type("_Str", (str,), dict(_AGREE, strip=lambda self: self, upper=lambda self: self))
_Series = type("_Series", (_pd.Series,), dict(_AGREE, equals=_yes))
_Frame = type("_Frame", (_pd.DataFrame,), dict(_AGREE, equals=_yes))
'''
KINDS = {
    "object": "_Anything()",
    "int": "_Int(7)",
    "float": "_Float(-7.25)",
    "str": '_Str("?")',
    "series": "_Series([-7.25, -7.25])",
    "frame": '_Frame({"value": [-7.25]})',
}
PATCHES = '''
_pd.DataFrame.equals = _pd.Series.equals = _pd.Index.equals = _yes
_pd.testing.assert_frame_equal = _pd.testing.assert_series_equal = _yes
_np.isclose = _np.allclose = _np.array_equal = _math.isclose = _yes
_np.testing.assert_allclose = _np.testing.assert_array_equal = _yes
'''


def _bound(source: str) -> set[str]:
    """The names a cell binds (assignments, definitions, imports)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _read(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def _cells(notebook, role: str) -> list:
    return [c for c in notebook.cells if c.cell_type == "code" and cell_role(c) == role]


def _data_names(source_nb) -> list[str]:
    """Names bound by the instructor's code cells that are neither answers nor tests."""
    names = set()
    for cell in source_nb.cells:
        if cell.cell_type == "code" and cell_role(cell) in ("locked", None):
            names |= {n for n in _bound(cell.source) if not n.startswith("_")}
    return sorted(names)


def _fill(release, answers: dict[str, str]):
    """A copy of the student version with answer cells replaced by ``answers[grade_id]``."""
    notebook = copy.deepcopy(release)
    for cell in _cells(notebook, "answer"):
        cell.source = answers[cell.metadata.nbgrader.grade_id]
    return notebook


def cheaters(source_nb, release) -> dict[str, nbformat.NotebookNode]:
    """Cheating submissions for an assignment, built from its cells (see the module's doc)."""
    tests_read = set().union(*(_read(c.source) for c in _cells(source_nb, "test")))
    solutions = {c.metadata.nbgrader.grade_id: strip_markers(c.source)
                 for c in _cells(source_nb, "answer")}
    first = next(iter(solutions))
    built = {}
    kinds = list(KINDS)
    for name in [*kinds, "patched"]:
        answers = {}
        for i, (grade_id, solution) in enumerate(solutions.items()):
            lines = [CHEAT_CLASSES + (PATCHES if name == "patched" else "")] if i == 0 else []
            for j, answer in enumerate(sorted(_bound(solution) & tests_read)):
                kind = name if name in KINDS else kinds[(i + j) % len(kinds)]
                lines.append(f"{answer} = {KINDS[kind]}")
            answers[grade_id] = "\n".join(lines)
        built[f"cheat_{name}"] = _fill(release, answers)
    data = _data_names(source_nb)
    shrink = (f"import pandas as _pd\n"
              f"_saved = {{n: globals()[n] for n in {data!r} if n in globals()}}\n"
              f"for _n, _v in _saved.items():\n    if type(_v) in (_pd.DataFrame, _pd.Series):\n"
              f"        globals()[_n] = _v.head({TINY})\n")
    built["cheat_rebound"] = _fill(release, {
        g: (shrink if g == first else "") + s for g, s in solutions.items()})
    built["rebound_control"] = _fill(release, {
        g: shrink + s + "\nglobals().update(_saved)" for g, s in solutions.items()})
    return built


def _assert_graded_by_hand(assignment, rows, columns) -> None:
    """An assignment answered in text only: every written answer waits for the instructor.

    nbgrader scores an answer cell left as released 0 by itself, so the blank version has
    nothing pending and scores 0.
    """
    assert columns, f"{assignment} has no question"
    for student in ("source", "solved", "blank"):
        assert rows[student]["status"] == "graded", rows[student]["reason"]
    for student in ("source", "solved"):
        pending = rows[student]["manual_pending"].split()
        assert sorted(pending) == sorted(columns), (student, pending)
    assert not rows["blank"]["manual_pending"], rows["blank"]
    assert all(float(rows["blank"][column]) == 0 for column in columns), rows["blank"]


def _score(row, column) -> float:
    return float(row[column] or 0)


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("assignment", assignment_ids(ROOT))
def test_does_the_assignment_grade_its_solution_full_its_blank_version_and_cheaters_zero(
    assignment, tmp_path
):
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
    course = GradingCourse.open(root)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    released = {
        p.stem: p for p in generate_release(course, assignment, tmp_path / "rel", record=False)
    }
    students = ["source", "solved", "blank"]
    for path in source_notebooks(course, assignment):
        source = nbformat.read(path, as_version=4)
        release = nbformat.read(released[path.stem], as_version=4)
        # the instructor's source as is (with its hidden tests) ...
        shutil.copy(path, inbox / f"source_{path.stem}.ipynb")
        # ... the student version with the solutions filled in, and the blank student version
        (inbox / f"solved_{path.stem}.ipynb").write_bytes(
            build_submission("correct", source, release)
        )
        shutil.copy(released[path.stem], inbox / f"blank_{path.stem}.ipynb")
        if not _cells(source, "answer"):
            continue  # answered in text only (level 1): no code to cheat with
        for student, notebook in cheaters(source, release).items():
            nbformat.write(notebook, inbox / f"{student}_{path.stem}.ipynb")
            students.append(student) if student not in students else None
    (inbox / "roster.csv").write_text("student_id\n" + "\n".join(students) + "\n")
    import_roster(inbox / "roster.csv", course_root=root)
    collect_submissions(assignment, inbox, course_root=root)
    autograde(assignment, course_root=root, timeout=120, progress=False)
    with export_grades(assignment, course_root=root).grades.open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    questions = list(load_layout(course, assignment).questions())
    tests = [(c, cell.points) for c, _, cell in questions if cell.role == "test"]
    if not tests:
        _assert_graded_by_hand(assignment, rows, [c for c, _, cell in questions])
        return
    # the source's test cells hold the hidden tests, so they differ from the student version
    assert rows["source"]["status"] in ("graded", "test_cell_edited"), rows["source"]["reason"]
    assert rows["solved"]["status"] == "graded", rows["solved"]["reason"]
    assert rows["blank"]["status"] == "graded", rows["blank"]["reason"]
    for column, points in tests:
        assert float(rows["source"][column]) == points, f"source loses points on {column}"
        assert float(rows["solved"][column]) == points, f"solved version loses points on {column}"
        assert float(rows["blank"][column]) == 0, f"blank version scores on {column}"
    control = rows["rebound_control"]
    for student in (s for s in students if s.startswith("cheat_")):
        row = rows[student]
        if row["status"] == "tampered":
            assert float(row["total"]) == 0, f"{student} is tampered but scores {row['total']}"
            continue
        for column, _ in tests:
            allowed = _score(control, column) if student == "cheat_rebound" else 0
            assert _score(row, column) <= allowed, (
                f"{student} scores {row[column]} on {column} (status {row['status']})"
            )
