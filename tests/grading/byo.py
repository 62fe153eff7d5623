"""A foreign assignment, as an instructor would bring it: written here for the tests.

``ps_byo`` has two notebooks. ``arrivals`` reads ``data/arrivals.csv`` (beside it, by a relative
path) and has two autograded questions (one with a hidden test) and a written answer graded by
hand; ``report`` imports a helper module of the assignment (``helpers.py``), reads the same file,
has one autograded question and a task cell with points (graded by hand).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from course_helpers import nbgrader_meta
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "ps_byo"
KERNELSPEC = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
ARRIVALS = "declaration,weight_kg\nD1,120\nD2,80\nD3,300\nD4,40\nD5,60\n"
HELPERS = 'def tonnes(kg):\n    """Kilograms to tonnes."""\n    return kg / 1000\n'
SETUP = (
    "import csv\n"
    'with open("data/arrivals.csv", newline="") as handle:\n'
    "    rows = list(csv.DictReader(handle))"
)


def answer(grade_id: str, solution: str):
    return new_code_cell(
        f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION",
        metadata=nbgrader_meta(grade_id, solution=True),
    )


def test(grade_id: str, source: str, points: float):
    metadata = nbgrader_meta(grade_id, grade=True, locked=True, points=points)
    return new_code_cell(source, metadata=metadata)


def arrivals_source() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# Arrivals", metadata=nbgrader_meta("arrivals_intro", locked=True)),
        new_code_cell(SETUP, metadata=nbgrader_meta("arrivals_setup", locked=True)),
        new_markdown_cell("How many declarations arrived? Store it in `n_rows`."),
        answer("count_answer", "n_rows = len(rows)"),
        test(
            "count_test",
            '"""n_rows counts the declarations."""\n'
            'assert n_rows == 5, "count the rows of data/arrivals.csv"\n'
            "### BEGIN HIDDEN TESTS\nassert n_rows == len(rows)\n### END HIDDEN TESTS",
            2,
        ),
        new_markdown_cell("Write `mean_weight(rows)`, the mean of `weight_kg`."),
        answer(
            "mean_answer",
            "def mean_weight(rows):\n"
            '    return sum(float(r["weight_kg"]) for r in rows) / len(rows)',
        ),
        test(
            "mean_test",
            '"""mean_weight averages the weights."""\n'
            "assert mean_weight(rows) == 120.0\n"
            "### BEGIN HIDDEN TESTS\n"
            'assert mean_weight([{"weight_kg": "1"}, {"weight_kg": "2"}]) == 1.5\n'
            "### END HIDDEN TESTS",
            3,
        ),
        new_markdown_cell(
            "### BEGIN SOLUTION\nOne heavy declaration pulls the mean up.\n### END SOLUTION",
            metadata=nbgrader_meta("why_answer", grade=True, solution=True, points=2),
        ),
    ]
    return new_notebook(cells=cells, metadata=KERNELSPEC)


def report_source() -> nbformat.NotebookNode:
    cells = [
        new_code_cell(
            f"from helpers import tonnes\n{SETUP}",
            metadata=nbgrader_meta("report_setup", locked=True),
        ),
        answer(
            "heaviest_answer", 'heaviest = tonnes(max(float(r["weight_kg"]) for r in rows))'
        ),
        test("heaviest_test", '"""heaviest in tonnes."""\nassert heaviest == 0.3', 1),
        new_markdown_cell(
            "Write a one-page note for the risk unit on what the arrivals show.",
            metadata=nbgrader_meta("report_task", locked=True, task=True, points=4),
        ),
    ]
    return new_notebook(cells=cells, metadata=KERNELSPEC)


def write_assignment(root: Path) -> Path:
    """Write ``solutions/ps_byo/`` (two notebooks, a data file, a helper) under ``root``."""
    folder = root / "solutions" / ASSIGNMENT
    (folder / "data").mkdir(parents=True)
    nbformat.write(arrivals_source(), folder / "arrivals.ipynb")
    nbformat.write(report_source(), folder / "report.ipynb")
    (folder / "data" / "arrivals.csv").write_text(ARRIVALS, encoding="utf-8")
    (folder / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (root / "grading").mkdir(exist_ok=True)
    return folder


def all_points() -> dict[str, float]:
    """Every cell with points (tasks included), from the sources: notebook:grade_id -> points."""
    points = {}
    for name, source in (("arrivals", arrivals_source()), ("report", report_source())):
        for cell in source.cells:
            data = cell.metadata.get("nbgrader", {})
            if "points" in data:
                points[f"{name}:{data['grade_id']}"] = float(data["points"])
    return points
