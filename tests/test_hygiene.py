"""Is the repository clean: no notebook outputs, ruff passes, the pre-commit config holds both?"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

from customs_course.notebook_hygiene import check, dirty_cells

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_FOLDERS = ("modules", "solutions", "exercises", "book")


def course_notebooks() -> list[Path]:
    return sorted(p for folder in NOTEBOOK_FOLDERS for p in (ROOT / folder).rglob("*.ipynb")
                  if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts)


def test_are_there_notebooks_to_check():
    assert course_notebooks(), "expected the graded assignments' .ipynb files"


def test_does_no_committed_notebook_carry_outputs_or_execution_counts():
    dirty = check(course_notebooks())
    assert not dirty, (
        "strip outputs with `python -m customs_course.notebook_hygiene --fix`: "
        f"{[str(p.relative_to(ROOT)) for p in dirty]}"
    )


def test_does_the_output_check_catch_an_executed_cell(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    notebook.cells[0].execution_count = 1
    notebook.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    assert check([path]) == [path]
    assert check([path], fix=True) == [path]
    assert dirty_cells(nbformat.read(path, as_version=4)) == []


def test_does_ruff_pass():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    # No cache: ruff's cache trusts a file's modification time, which an edit can keep.
    result = subprocess.run([ruff, "check", "--no-cache", str(ROOT)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_does_pre_commit_run_ruff_and_the_output_check():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["ruff"]["entry"].startswith("ruff check")
    assert hooks["notebook-outputs"]["entry"] == "python -m customs_course.notebook_hygiene"
