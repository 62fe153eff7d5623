"""Keep committed notebooks free of outputs and execution counts.

``python -m customs_course.notebook_hygiene FILE...`` lists the notebooks that carry outputs and
exits 1 (a pre-commit hook); with ``--fix`` it strips them in place.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat


def dirty_cells(notebook: nbformat.NotebookNode) -> list[int]:
    """Return the indices of code cells that carry outputs or an execution count."""
    return [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def strip_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs and execution counts from every code cell, in place."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def check(paths: Iterable[Path], *, fix: bool = False) -> list[Path]:
    """Return the notebooks that carried outputs (stripped in place when ``fix``)."""
    dirty = []
    for path in paths:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if dirty_cells(notebook):
            dirty.append(path)
            if fix:
                nbformat.write(strip_outputs(notebook), path)
    return dirty


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--fix", action="store_true", help="strip outputs in place")
    args = parser.parse_args(argv)
    dirty = check(args.paths, fix=args.fix)
    for path in dirty:
        action = "stripped" if args.fix else "carries outputs (run with --fix)"
        print(f"{path}: {action}")
    return 1 if dirty and not args.fix else 0


if __name__ == "__main__":
    sys.exit(main())
