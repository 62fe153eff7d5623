"""Does every graded exercise ask only for what the lessons before it in the book teach?

A learner alone meets the exercises in the order of the table of contents. Each attribute or
method that an exercise's solution uses (``.groupby``, ``.str``, ``pd.to_datetime``...) and each
built-in function it calls (``len``, ``int``...) must appear in a lesson placed before the
exercise: in a code cell the page shows, or as inline code in the text (a hint such as
```.nunique()``` counts), in the lessons or in the exercise's own text. What the solution
defines itself (its class's methods and attributes) needs no lesson.
"""

from __future__ import annotations

import ast
import builtins
import re
from functools import cache
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILTINS = set(dir(builtins))
# Plain Python that every exercise may use without a lesson having shown it.
ALLOWED = {"print", "int", "float", "str", "len", "list"}
# Code a reader does not see teaches nothing (level 1 hides its code from leaders).
HIDDEN = {"remove-input", "remove-cell", "hide-input", "hide-cell"}
INLINE_CODE = re.compile(r"`([^`\n]+)`")
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)


def toc_files(toc: dict) -> list[str]:
    """Every file of the table of contents, in reading order."""
    files: list[str] = []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    return files


def names_in_code(code: str) -> set[str]:
    """The attributes a piece of code reads and the built-ins it calls."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a cell meant to fail, or IPython syntax
        return {match for match in re.findall(r"\.(\w+)", code)}
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in BUILTINS
    }
    return names


def names_in_text(text: str) -> set[str]:
    """Attributes and calls written as inline code in a lesson's text."""
    names: set[str] = set()
    for code in INLINE_CODE.findall(text):
        names |= set(re.findall(r"\.(\w+)", code))
        names |= {name for name in re.findall(r"(\w+)\(", code) if name in BUILTINS}
    return names


@cache
def taught_in(lesson: Path) -> frozenset[str]:
    notebook = jupytext.read(lesson)
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if not HIDDEN & set(cell.metadata.get("tags", [])):
                names |= names_in_code(cell.source)
        else:
            names |= names_in_text(cell.source)
    return frozenset(names)


def defined_in(code: str) -> set[str]:
    """The functions and attributes a piece of code defines itself (``self.pair_median_ = ``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return ({node.name for node in ast.walk(tree)
             if isinstance(node, ast.FunctionDef | ast.ClassDef)}
            | {node.attr for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)})


def used_in(assignment: str, root: Path = ROOT) -> set[str]:
    """What the model solution uses, less what it defines itself (a class's own methods)."""
    used: set[str] = set()
    defined: set[str] = set()
    for path in sorted((root / "solutions" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "code":
                for solution in SOLUTION.findall(cell.source):
                    used |= names_in_code(solution)
                    defined |= defined_in(solution)
    return used - defined


def taught_by_exercise(assignment: str, root: Path = ROOT) -> set[str]:
    """What the exercise's own text names as inline code: a hint the learner reads there."""
    names: set[str] = set()
    for path in sorted((root / "exercises" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "markdown":
                names |= names_in_text(cell.source)
    return names


def untaught(toc: dict, root: Path = ROOT) -> dict[str, set[str]]:
    """Each exercise of the book with what its solution uses that no earlier lesson teaches."""
    taught: set[str] = set()
    missing: dict[str, set[str]] = {}
    for file in toc_files(toc):
        if file.startswith("modules/"):
            taught |= taught_in(root / f"{file}.md")
        elif file.startswith("book/exercises/"):
            assignment = file.removeprefix("book/exercises/")
            missing[assignment] = (used_in(assignment, root) - taught - ALLOWED
                                   - taught_by_exercise(assignment, root))
    return missing


TOC = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
EXERCISES = sorted(untaught(TOC))


def test_does_the_book_place_every_exercise():
    assert set(EXERCISES) == {path.name for path in (ROOT / "exercises").iterdir()
                              if path.is_dir()}


@pytest.mark.parametrize("assignment", EXERCISES)
def test_does_the_exercise_use_only_what_earlier_lessons_teach(assignment):
    missing = untaught(TOC)[assignment]
    assert not missing, (
        f"{assignment} uses {sorted(missing)}, which no lesson before it in book/_toc.yml "
        "teaches: move the exercise after the lesson that does, or change its questions"
    )


def test_does_the_rule_catch_the_first_exercise_placed_before_its_lessons():
    """The first look placed before lesson 1, and a solution that needs lesson 3's nlargest."""
    chapters = next(p for p in TOC["parts"] if p["caption"] == "Data Culture for Secretariat")
    files = [c["file"] for c in chapters["chapters"]]
    early = {"parts": [{"chapters": [{"file": "book/exercises/level2_first_look"}]
                        + [{"file": f} for f in files if f != "book/exercises/level2_first_look"]}]}
    assert untaught(early)["level2_first_look"], "nothing is taught before the first lesson"
    assert "nlargest" not in untaught(TOC)["level2_first_look"]
    assert names_in_code('s.groupby(c).sum().nlargest(5)') - taught_in(
        ROOT / "modules" / "level2_secretariat" / "01_spreadsheet_to_notebook.md") == {"nlargest"}


def test_does_inline_code_in_a_hint_count_as_taught():
    assert names_in_text("use `.nunique()` and `len(x)`, not prose.mean") == {"nunique", "len"}


def test_does_a_solutions_own_class_not_count_as_untaught():
    code = ("class F:\n    def fit(self, X):\n        self.ref_ = X.median()\n"
            "        return self._pair(X)\n    def _pair(self, X):\n        return X.nlargest(2)")
    assert names_in_code(code) - defined_in(code) == {"median", "nlargest"}
