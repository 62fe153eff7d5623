"""A simulated class: one student for each kind of submission a real class produces.

:func:`simulate_class` writes a roster and a folder (and a zip) of submissions for an assignment,
built from its source and student version, so that every command of the workflow can be tried
and tested without real students. Each scenario is one student (``s01``, ``s02``, ...; more
students cycle through the scenarios):

- ``correct``: every answer right (graded);
- ``partial``: the first half of the code answers right, the rest blank (graded);
- ``wrong``: every code answer runs but gives a wrong result, None (graded);
- ``untouched``: the student version as downloaded (graded);
- ``not_json``: a damaged file (corrupt);
- ``nbformat3``: a notebook in the old nbformat 3 (corrupt);
- ``other_assignment``: a notebook of another assignment (wrong_assignment);
- ``deleted_cells``: right answers; the last code answer and its tests deleted (cells_changed);
- ``reordered``: right answers; the last question's first test above its answer
  (cells_changed);
- ``edited_test``: the last code answer blank, its first test replaced by ``pass``
  (test_cell_edited);
- ``endless_loop``: right answers; the last code answer loops forever (timeout);
- ``kernel_crash``: right answers; the last code answer kills the kernel (kernel_crash);
- ``missing``: nothing, on the roster only (missing).

The "last question" is the test cells after the last code answer. File names mix the shapes an
LMS or an inbox produces (``s01_<notebook>.ipynb``, ``<notebook>-s02.ipynb``, LMS style names, a
folder per student, a zip per student).

An assignment with several notebooks gets one file per notebook and student: the scenarios
that concern a whole file (``not_json``, ``nbformat3``, ``other_assignment``) and the answers
(``correct``, ``partial``, ``wrong``, ``untouched``) apply to every notebook; those that change
the last question apply to the last notebook that has a code answer, the others being right.
"""

from __future__ import annotations

import ast
import copy
import csv
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import cell_role, generate_release, source_notebooks

SCENARIOS = (
    "correct",
    "partial",
    "wrong",
    "untouched",
    "not_json",
    "nbformat3",
    "other_assignment",
    "deleted_cells",
    "reordered",
    "edited_test",
    "endless_loop",
    "kernel_crash",
    "missing",
)
FIRST = ("Amina", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jia")
LAST = ("Ali", "Berg", "Costa", "Diallo", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jones")


@dataclass(frozen=True)
class SimulatedClass:
    """Where :func:`simulate_class` wrote the class, and each student's scenario."""

    roster: Path
    folder: Path
    zip: Path
    scenarios: dict[str, str]


def strip_markers(source: str) -> str:
    """Return a source cell's solution without the BEGIN/END SOLUTION lines."""
    return "\n".join(
        line
        for line in source.split("\n")
        if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    )


def wrong_answer(solution: str) -> str:
    """Return code that defines the same names as ``solution`` but with wrong values."""
    lines = ["# a wrong answer"]
    try:
        tree = ast.parse(solution)
    except SyntaxError:
        return "\n".join([*lines, "pass"])
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines.append(f"def {node.name}(*args, **kwargs):\n    return None")
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        lines.append(f"{name.id} = None")
    return "\n".join(lines)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _index(notebook, role: str) -> list[int]:
    return [
        i for i, c in enumerate(notebook.cells) if cell_role(c) == role and c.cell_type == "code"
    ]


def _last_question(notebook) -> tuple[int, list[int]]:
    """Return the index of the last code answer and of the test cells after it."""
    last = _index(notebook, "answer")[-1]
    return last, [i for i in _index(notebook, "test") if i > last]


def other_assignment_notebook() -> nbformat.NotebookNode:
    """Return a small student version of an unrelated assignment."""

    def meta(grade_id: str, **flags) -> dict:
        base = {"grade": False, "locked": False, "solution": False, "task": False}
        return {"nbgrader": {**base, **flags, "grade_id": grade_id, "schema_version": 3}}

    return new_notebook(
        cells=[
            new_markdown_cell("# Another assignment", metadata=meta("other_intro", locked=True)),
            new_code_cell("answer = 42", metadata=meta("other_answer", solution=True)),
            new_code_cell(
                "assert answer == 42",
                metadata=meta("other_test", grade=True, locked=True, points=1),
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


#: scenarios that change the last question of one notebook (the others are answered right)
LAST_QUESTION = ("deleted_cells", "reordered", "edited_test", "endless_loop", "kernel_crash")


def build_submission(scenario: str, source, release, *, last: bool = True) -> bytes | None:
    """Return the bytes that a student of ``scenario`` hands in (None for ``missing``).

    ``last=False``: a notebook of a several-notebook assignment whose last question this
    scenario leaves alone (it is answered right).
    """
    if scenario in LAST_QUESTION and not last:
        scenario = "correct"
    if scenario == "missing":
        return None
    if scenario == "not_json":
        return b'{"cells": [{"cell_type": "code", "source": "n_lines = len(decl'
    if scenario == "nbformat3":
        old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""}, "worksheets": []}
        return json.dumps(old).encode()
    if scenario == "other_assignment":
        return nbformat.writes(other_assignment_notebook()).encode()
    solutions = {
        _grade_id(c): c.source for c in source.cells if cell_role(c) in ("answer", "manual")
    }
    notebook = copy.deepcopy(release)
    answers = _index(notebook, "answer")
    right = {
        "correct": answers,
        "partial": answers[: max(1, len(answers) // 2)],
        "wrong": [],
        "untouched": [],
    }.get(scenario, answers)
    for i, cell in enumerate(notebook.cells):
        role = cell_role(cell)
        if role == "answer" and cell.cell_type == "code":
            if i in right:
                cell.source = strip_markers(solutions[_grade_id(cell)])
            elif scenario == "wrong":
                cell.source = wrong_answer(strip_markers(solutions[_grade_id(cell)]))
        elif role in ("answer", "manual") and scenario not in ("untouched", "wrong"):
            cell.source = strip_markers(solutions[_grade_id(cell)])
    if scenario not in LAST_QUESTION:
        return nbformat.writes(notebook).encode()
    last, tests = _last_question(notebook)
    if scenario == "deleted_cells":
        notebook.cells = [c for i, c in enumerate(notebook.cells) if i != last and i not in tests]
    elif scenario == "reordered":
        notebook.cells.insert(last, notebook.cells.pop(tests[0]))
    elif scenario == "edited_test":
        notebook.cells[last].source = release.cells[last].source
        notebook.cells[tests[0]].source = "pass  # the test was in my way"
    elif scenario == "endless_loop":
        notebook.cells[last].source = "while True:\n    pass"
    elif scenario == "kernel_crash":
        notebook.cells[last].source = "import os\nos._exit(1)"
    return nbformat.writes(notebook).encode()


def _file_names(student: str, notebook: str, k: int, several: bool = False) -> str:
    """The name a student's file gets; with several notebooks every name holds the notebook's."""
    lms = f"{LAST[k % 10]}, {FIRST[k % 10]}_{student}_attempt_2025-03-0{k % 9 + 1}"
    shapes = (
        f"{student}_{notebook}.ipynb",
        f"{notebook}-{student}.ipynb",
        f"{lms}_{notebook}.ipynb" if several else f"{lms}.ipynb",
        f"{student}/{notebook}.ipynb",
        f"{student}.zip",
    )
    return shapes[k % len(shapes)]


def _takes_last_question(releases: dict) -> str:
    """The notebook whose last question the last-question scenarios change."""
    with_code = [name for name, nb in releases.items() if _index(nb, "answer")]
    if not with_code:
        raise GradingError(
            "simulate_class needs at least one code answer cell (nbgrader solution cell) in the "
            "assignment; choose scenarios without one, or add a code answer."
        )
    return with_code[-1]


def simulate_class(
    assignment: str,
    out_dir: Path | str,
    *,
    course_root: Path | None = None,
    scenarios: tuple[str, ...] = SCENARIOS,
    n_students: int | None = None,
) -> SimulatedClass:
    """Write ``roster.csv``, ``submissions/``, ``submissions.zip`` and ``scenarios.csv``.

    Parameters
    ----------
    assignment : str
        Assignment id (a folder of ``solutions/``), with one notebook or several.
    out_dir : Path or str
        Folder to write into (created; existing files of the same names are replaced).
    course_root : Path, optional
        Course root (default: this checkout).
    scenarios : tuple of str, default SCENARIOS
        Scenarios to simulate, one student each, in order.
    n_students : int, optional
        Number of students (default: one per scenario); more cycle through the scenarios.

    Returns
    -------
    SimulatedClass
    """
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown:
        raise GradingError(f"Unknown scenarios {unknown}; choose from {', '.join(SCENARIOS)}.")
    course = GradingCourse.open(course_root)
    sources = {p.stem: nbformat.read(p, as_version=4) for p in source_notebooks(course, assignment)}
    with tempfile.TemporaryDirectory(prefix="customs-simulate-") as release_dir:
        releases = {
            path.stem: nbformat.read(path, as_version=4)
            for path in generate_release(course, assignment, Path(release_dir), record=False)
        }
    last_one = _takes_last_question(releases) if set(scenarios) & set(LAST_QUESTION) else None
    several = len(sources) > 1
    out = Path(out_dir)
    folder = out / "submissions"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    chosen: dict[str, str] = {}
    n = n_students or len(scenarios)
    width = max(2, len(str(n)))
    with (out / "roster.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "first_name", "last_name", "email"])
        for k in range(n):
            student = f"s{k + 1:0{width}d}"
            chosen[student] = scenarios[k % len(scenarios)]
            first, last = FIRST[k % 10], LAST[(k // 10 + k) % 10]
            writer.writerow([student, first, last, f"{student}@example.org"])
            for notebook, source in sources.items():
                data = build_submission(
                    chosen[student], source, releases[notebook], last=notebook == last_one
                )
                if data is None:
                    continue
                name = _file_names(student, notebook, k, several)
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if name.endswith(".zip"):
                    with zipfile.ZipFile(target, "a" if target.exists() else "w") as inner:
                        inner.writestr(f"{notebook}.ipynb", data)
                else:
                    target.write_bytes(data)
    with (out / "scenarios.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "scenario"])
        writer.writerows(sorted(chosen.items()))
    archive = out / "submissions.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as outer:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                outer.write(path, path.relative_to(folder).as_posix())
    return SimulatedClass(out / "roster.csv", folder, archive, chosen)
