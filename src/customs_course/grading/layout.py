"""What the student version of an assignment looks like, and its registration in the gradebook.

nbgrader grades a submission against the assignment recorded in its gradebook. Before grading,
:func:`prepare_assignment` records the assignment (nbgrader's ``generate_assignment``, written to
a temporary release folder so that the committed ``exercises/`` is never touched while grading)
and keeps the cells of the generated student version in ``grading/results/<id>/layout.json``:
the checks of :mod:`customs_course.grading.checks` compare each submission with it. Both are
redone only when a source notebook or another file of ``solutions/<id>/`` (data, a helper
module) changes (its sha256 fingerprint); the students graded against the old files are then
regraded. An assignment may have several notebooks; the cells with points are autograded tests,
answers graded by hand and task cells (``task: true``, graded by hand), as nbgrader counts them
in the maximum score.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from customs_course.grading.course import GradingCourse, GradingError, write_json_atomic

LAYOUT_VERSION = 1
#: roles of the cells that carry points (nbgrader's grade cells and task cells)
GRADED_ROLES = ("test", "manual", "task")
#: roles graded by hand in formgrader: empty in the export until a grader scores them
BY_HAND = ("manual", "task")


@dataclass(frozen=True)
class CellSpec:
    """A cell that nbgrader tracks (it has a ``grade_id``), as the student version has it.

    ``role`` is ``"answer"`` (the student writes code or text, not graded by itself), ``"test"``
    (autograded test cell), ``"manual"`` (an answer graded by hand), ``"locked"`` (read-only
    instructions or set-up code) or ``"task"``.
    """

    grade_id: str
    cell_type: str
    role: str
    points: float
    source: str


@dataclass(frozen=True)
class NotebookLayout:
    """The tracked cells of one notebook of the assignment, in order."""

    name: str
    cells: tuple[CellSpec, ...]

    def graded(self) -> list[CellSpec]:
        """The cells with points: tests, answers graded by hand and tasks (graded by hand)."""
        return [cell for cell in self.cells if cell.role in GRADED_ROLES]


@dataclass(frozen=True)
class AssignmentLayout:
    """The notebooks of an assignment and the fingerprint of their sources."""

    assignment: str
    fingerprint: str
    notebooks: tuple[NotebookLayout, ...]

    def notebook(self, name: str) -> NotebookLayout:
        return next(nb for nb in self.notebooks if nb.name == name)

    def questions(self) -> list[tuple[str, str, CellSpec]]:
        """Return ``(column, notebook, cell)`` for each graded cell, in notebook order.

        The column is the ``grade_id`` (prefixed by ``<notebook>:`` when the assignment has
        several notebooks).
        """
        several = len(self.notebooks) > 1
        return [
            (f"{nb.name}:{cell.grade_id}" if several else cell.grade_id, nb.name, cell)
            for nb in self.notebooks
            for cell in nb.graded()
        ]

    @property
    def max_score(self) -> float:
        return sum(cell.points for _, _, cell in self.questions())

    def to_json(self) -> dict:
        return {"version": LAYOUT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict) -> AssignmentLayout:
        notebooks = tuple(
            NotebookLayout(nb["name"], tuple(CellSpec(**cell) for cell in nb["cells"]))
            for nb in data["notebooks"]
        )
        return cls(data["assignment"], data["fingerprint"], notebooks)


def cell_role(cell) -> str | None:
    """Return the role of a notebook cell for nbgrader, or None when nbgrader ignores it."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not isinstance(meta, dict) or not meta.get("grade_id"):
        return None
    if meta.get("task"):
        return "task"
    if meta.get("grade"):
        return "manual" if meta.get("solution") else "test"
    if meta.get("solution"):
        return "answer"
    return "locked" if meta.get("locked") else None


def layout_of(notebook, name: str) -> NotebookLayout:
    """Return the layout of an (in-memory) student version."""
    cells = []
    for cell in notebook.cells:
        role = cell_role(cell)
        if role is None:
            continue
        meta = cell.metadata["nbgrader"]
        points = float(meta.get("points", 0) or 0) if role in ("test", "manual", "task") else 0.0
        cells.append(CellSpec(meta["grade_id"], cell.cell_type, role, points, cell.source))
    return NotebookLayout(name, tuple(cells))


def source_notebooks(course: GradingCourse, assignment: str) -> list[Path]:
    """Return the source notebooks of ``assignment``, or raise a GradingError naming the known."""
    folder = course.root / "solutions" / assignment
    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not notebooks:
        known = sorted(p.parent.name for p in (course.root / "solutions").glob("*/*.ipynb"))
        raise GradingError(
            f"No assignment {assignment!r} in {course.root / 'solutions'}; known assignments: "
            f"{', '.join(sorted(set(known))) or 'none'}."
        )
    return notebooks


def fingerprint(paths: list[Path], others: dict[str, Path] | None = None) -> str:
    """One sha256 of the source notebooks and of the assignment's other files (data...)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name, path in sorted((others or {}).items()):
        digest.update(b"file\0" + name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _registered(course: GradingCourse, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    with course.gradebook() as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def generate_release(
    course: GradingCourse, assignment: str, folder: Path, *, record: bool
) -> list[Path]:
    """Generate the student version of ``assignment`` into ``folder``/<assignment>/.

    ``record=True`` also records the assignment in the gradebook (nbgrader's
    ``generate_assignment``); ``record=False`` leaves the gradebook alone.
    """
    config = course.nbgrader_config(
        CourseDirectory={"release_directory": str(folder)},
        GenerateAssignment={"no_database": not record},
        SaveCells={"enabled": record},
    )
    result = course.api(config).generate_assignment(assignment, force=True, create=record)
    if not result["success"]:
        raise GradingError(
            f"nbgrader could not generate {assignment}; fix the source notebook in "
            f"solutions/{assignment}/:\n{result.get('log', '')}{result.get('error', '')}"
        )
    return sorted(Path(folder, assignment).glob("*.ipynb"))


def prepare_assignment(course: GradingCourse, assignment: str) -> AssignmentLayout:
    """Record ``assignment`` in the gradebook if needed and return its layout.

    Raises
    ------
    GradingError
        If the assignment does not exist or nbgrader cannot generate it.
    """
    from customs_course.grading.assignment_files import instructor_files

    sources = source_notebooks(course, assignment)
    stamp = fingerprint(sources, instructor_files(course, assignment))
    cached = course.results(assignment) / "layout.json"
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
        if data.get("version") == LAYOUT_VERSION and data.get("fingerprint") == stamp:
            if _registered(course, assignment):
                return AssignmentLayout.from_json(data)
    with tempfile.TemporaryDirectory(prefix="customs-release-") as release:
        notebooks = tuple(
            layout_of(nbformat.read(path, as_version=4), path.stem)
            for path in generate_release(course, assignment, Path(release), record=True)
        )
    layout = AssignmentLayout(assignment, stamp, notebooks)
    write_json_atomic(cached, layout.to_json())
    return layout


def load_layout(course: GradingCourse, assignment: str) -> AssignmentLayout:
    """Return the layout recorded by the last :func:`prepare_assignment` of ``assignment``."""
    cached = course.results(assignment) / "layout.json"
    if not cached.exists():
        return prepare_assignment(course, assignment)
    return AssignmentLayout.from_json(json.loads(cached.read_text(encoding="utf-8")))
