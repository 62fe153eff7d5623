"""Classify a submission before grading, and read what happened in its autograded notebook.

Before grading, :func:`check_submission` compares the file with the student version recorded
by :func:`customs_course.grading.layout.prepare_assignment`:

- ``corrupt``: not UTF-8 text, not JSON, JSON without cells, an nbformat other than 4, or a
  notebook that fails nbformat's schema;
- ``wrong_assignment``: no tracked cell of this notebook (``grade_id``), or more cells of
  another assignment than of this one;
- ``cells_changed``: an answer, test or set-up code cell deleted, tracked cells in another
  order, a tracked cell turned into another type or role, or nbgrader metadata that nbgrader's
  validator refuses (nbgrader may then fail: the status becomes ``grading_error``);
- ``test_cell_edited``: the source or the points of a test cell differ from the student version
  (nbgrader 0.9.6 puts the original test back before running it, so the edit gains nothing:
  the edited test of the simulated class scores 0 in tests/grading/test_end_to_end.py).

Findings that change nothing to the grade (an edited instruction cell, which nbgrader restores)
are kept as notes with the status ``graded``. After grading, :func:`inspect_autograded` finds
cells interrupted by the per-cell timeout, and test cells that scored 0 only because they wrote
to stderr (nbgrader counts any stderr output, a warning for instance, as a failure).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat

from customs_course.grading.layout import NotebookLayout, cell_role
from customs_course.grading.results import Oversized
from customs_course.grading.status import Finding, Status

#: nbgrader's error name for a cell interrupted by the per-cell timeout.
TIMEOUT_ERROR = "CellTimeoutError"
STRUCTURAL_ROLES = ("answer", "test", "manual", "task")


def _corrupt(reason: str) -> list[Finding]:
    return [Finding(Status.CORRUPT, reason)]


NEW_DOWNLOAD = "ask the student for a new download (File > Download) of their notebook"


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _short(value) -> str:
    """``value`` for a message: short, and never the repr of a huge integer (which raises)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9:
        return str(value)
    return repr(value)[:20] if isinstance(value, str | float | bool | None) else "of another kind"


def read_notebook(data: bytes):
    """Parse a submission; return ``(notebook, [])`` or ``(None, [corrupt finding])``.

    Never raises: deep nesting (``RecursionError``), integers too long to convert, ``NaN``,
    a broken schema or any other surprise in the student's bytes is a ``corrupt`` finding.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, _corrupt("not a notebook: the file is not text (binary or damaged)")
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return None, _corrupt(
            f"not a notebook: the file is not JSON ({exc.msg}, line {exc.lineno}); it is "
            f"damaged or another kind of file: {NEW_DOWNLOAD}"
        )
    except RecursionError:
        return None, _corrupt(
            f"not a notebook: its JSON is nested too deeply to be read; {NEW_DOWNLOAD}"
        )
    except ValueError as exc:  # NaN or Infinity, an integer too long to convert
        return None, _corrupt(f"not a notebook: {_first_line(exc)}; {NEW_DOWNLOAD}")
    if not isinstance(raw, dict) or "nbformat" not in raw:
        return None, _corrupt("not a notebook: JSON without the nbformat field")
    if raw.get("nbformat") != 4 or isinstance(raw.get("nbformat"), bool):
        return None, _corrupt(
            f"wrong nbformat {_short(raw.get('nbformat'))}: only nbformat 4 notebooks "
            "(Jupyter 4 or newer) can be graded; ask the student to re-save it in JupyterLab"
        )
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises several types for a broken schema
        return None, _corrupt(f"invalid notebook (nbformat schema): {_first_line(exc)}")
    problem = _nbgrader_type_problem(notebook)
    if problem:
        return None, _corrupt(
            f"damaged nbgrader metadata: {problem}; ask the student to paste their answers "
            "into a fresh copy of the assignment's notebook"
        )
    return notebook, []


#: nbgrader metadata fields and the types nbgrader reads them as
NBGRADER_TYPES = {"grade_id": (str,), "grade": (bool,), "solution": (bool,), "locked": (bool,),
                  "task": (bool,), "points": (int, float, str)}


def _nbgrader_type_problem(notebook) -> str | None:
    """Why a cell's nbgrader metadata cannot be read, or None (types only; the values are
    checked by nbgrader's own validator, :func:`_metadata_problem`)."""
    for number, cell in enumerate(notebook.cells, start=1):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict):
            return f"cell number {number}: its nbgrader metadata is not a mapping"
        for key, types in NBGRADER_TYPES.items():
            value = meta.get(key)
            if value is not None and not isinstance(value, types):
                return f"cell number {number}: {key} is a {type(value).__name__}"
        if meta.get("points") is not None:
            try:
                points = float(meta["points"])
            except (TypeError, ValueError, OverflowError):
                points = float("nan")
            if not math.isfinite(points) or isinstance(meta["points"], bool):
                return f"cell number {number}: points {_short(meta['points'])} is not a number"
    return None


def _metadata_problem(notebook) -> str | None:
    """Return why nbgrader's metadata validator refuses the notebook, or None."""
    from nbgrader.nbgraderformat import MetadataValidator

    try:
        MetadataValidator().validate_nb(notebook)
    except Exception as exc:
        return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return None


def _tracked(notebook) -> list:
    return [cell for cell in notebook.cells if cell_role(cell) is not None]


def check_notebook(data: bytes, expected: NotebookLayout) -> list[Finding]:
    """Return the findings about one submitted notebook (empty: nothing unusual)."""
    notebook, findings = read_notebook(data)
    if notebook is None:
        return findings
    cells = {}
    order = []
    for cell in _tracked(notebook):
        grade_id = cell.metadata.nbgrader["grade_id"]
        if grade_id not in cells:
            cells[grade_id] = cell
            order.append(grade_id)
    expected_ids = [spec.grade_id for spec in expected.cells]
    present = [i for i in order if i in expected_ids]
    foreign = [i for i in order if i not in expected_ids]
    if not present or len(foreign) > len(present):
        if order:
            detail = f"it has the cells {', '.join(order[:4])}{' ...' if len(order) > 4 else ''}"
        else:
            detail = "it has no graded cell at all (a new notebook instead of the handed-out one?)"
        return [
            Finding(
                Status.WRONG_ASSIGNMENT,
                f"{expected.name}.ipynb is not this assignment's notebook: {detail}",
            )
        ]
    specs = {spec.grade_id: spec for spec in expected.cells}
    deleted = [
        spec.grade_id
        for spec in expected.cells
        if spec.grade_id not in cells
        and (spec.role in STRUCTURAL_ROLES or spec.cell_type == "code")
    ]
    if deleted:
        findings.append(Finding(Status.CELLS_CHANGED, f"deleted cells: {', '.join(deleted)}"))
    wanted = [i for i in expected_ids if i in cells]
    if present != wanted:
        first = next(k for k, (a, b) in enumerate(zip(present, wanted, strict=True)) if a != b)
        findings.append(
            Finding(
                Status.CELLS_CHANGED,
                f"cells reordered: {present[first]} comes before {wanted[first]}",
            )
        )
    for grade_id in present:
        cell, spec = cells[grade_id], specs[grade_id]
        role = cell_role(cell)
        if cell.cell_type != spec.cell_type or role != spec.role:
            findings.append(
                Finding(
                    Status.CELLS_CHANGED,
                    f"cell {grade_id} changed from a {spec.cell_type} {spec.role} cell to a "
                    f"{cell.cell_type} {role} cell",
                )
            )
            continue
        points = float(cell.metadata.nbgrader.get("points", 0) or 0)
        if spec.role == "test" and (cell.source != spec.source or points != spec.points):
            findings.append(
                Finding(
                    Status.TEST_CELL_EDITED,
                    f"test cell {grade_id} edited; nbgrader graded the original test instead",
                )
            )
        elif spec.role == "locked" and cell.source != spec.source:
            findings.append(
                Finding(Status.GRADED, f"read-only cell {grade_id} edited; nbgrader restored it")
            )
    changed = any(f.status is Status.CELLS_CHANGED for f in findings)
    problem = None if changed else _metadata_problem(notebook)
    if problem:
        findings.append(
            Finding(Status.CELLS_CHANGED, f"damaged nbgrader metadata ({problem}); check by hand")
        )
    return findings


def check_submission(
    files: dict[str, bytes | Oversized | None], layouts: list[NotebookLayout]
) -> list[Finding]:
    """Return the findings for a student's files (notebook name -> bytes, None when absent).

    A file past the size limit (:class:`~customs_course.grading.results.Oversized`) is
    ``corrupt`` and never parsed.
    """
    if all(files.get(nb.name) is None for nb in layouts):
        return [Finding(Status.MISSING, "no submission collected")]
    findings: list[Finding] = []
    for layout in layouts:
        data = files.get(layout.name)
        if data is None:
            findings.append(
                Finding(Status.CELLS_CHANGED, f"{layout.name}.ipynb not handed in: it scores 0")
            )
            continue
        if isinstance(data, Oversized):
            findings += _corrupt(f"{layout.name}.ipynb is too large to grade: {data.describe()}")
            continue
        findings += check_notebook(data, layout)
    return findings


def _error_names(cell) -> list[str]:
    return [o.get("ename", "") for o in cell.get("outputs", []) if o.get("output_type") == "error"]


#: (error name, part of its message) -> the sandbox limit that a cell's error shows it hit
LIMIT_ERRORS = {
    ("MemoryError", ""): "the memory limit",
    ("OSError", "No space left"): "the disk limit",
    ("OSError", "File too large"): "the file size limit",
    ("BlockingIOError", "Resource temporarily unavailable"): "the process limit",
    ("OSError", "Too many open files"): "the open files limit",
}


def _limit_hit(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            for (name, part), limit in LIMIT_ERRORS.items():
                if output.get("ename") == name and part in output.get("evalue", ""):
                    return limit
        text = output.get("data", {}).get("text/plain", "")
        if "".join(text).startswith("[output truncated"):
            return "the output limit (the rest of its output was cut)"
    return None


def inspect_autograded(
    path: Path, layout: NotebookLayout, *, timeout: float | None
) -> list[Finding]:
    """Return the findings read from an autograded notebook.

    Timeouts, test cells that failed only by writing to stderr, and cells that hit a limit of
    the sandbox (memory, disk, processes, output size: noted, the status stays ``graded``).
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))  # written by nbgrader: valid
    roles = {spec.grade_id: spec.role for spec in layout.cells}
    findings = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        name = grade_id or f"number {index + 1}"
        errors = _error_names(cell)
        hit = _limit_hit(cell)
        if hit:
            findings.append(Finding(Status.GRADED, f"cell {name} hit {hit} of the sandbox"))
        if TIMEOUT_ERROR in errors:
            limit = f" of {timeout:g} s" if timeout else ""
            findings.append(
                Finding(
                    Status.TIMEOUT,
                    f"cell {name} did not finish within the per-cell timeout{limit} and was "
                    "interrupted (an endless loop?)",
                )
            )
        elif roles.get(grade_id) == "test" and not errors:
            if any(o.get("name") == "stderr" for o in cell.get("outputs", [])):
                findings.append(
                    Finding(
                        Status.GRADED,
                        f"test cell {grade_id} passed but wrote to stderr (a warning?), which "
                        "nbgrader scores as a failure: check it by hand",
                    )
                )
    return findings
