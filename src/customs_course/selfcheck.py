"""Self-check for learners: ``check("l2-1-declarations", answer)`` answers at once.

It works offline, with no server and no nbgrader. The expected answers are never stored in
plain text: each question in a ``modules/<level>/selfcheck.yml`` file holds the sha256 of the
normalised answer, salted with the question id, and a hint for a wrong answer. Numbers are
rounded to the question's ``decimals`` before hashing, and a number one unit of that precision
away also counts as right, so rounding at the boundary does not fail a good answer.

Maintainers keep, in ``grading/selfcheck/<level>.py``, a ``RECIPES`` mapping from each question
id to a function that computes its answer from the sandbox data; ``customs-course selfcheck
update`` writes the hashes from them, and a test notices when the data and a stored hash drift
apart.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from numbers import Real
from pathlib import Path

import yaml

from customs_course.content import content_root
from customs_course.paths import repo_root

KINDS = ("number", "text", "choice", "set")


def _canonical_number(value, decimals: int) -> str:
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got {value}")
    if not isinstance(value, Real):
        try:
            value = float(value)  # numpy scalars, Decimal, a one-element Series' .item()
        except (TypeError, ValueError):
            raise TypeError(f"expected a number, got {type(value).__name__}") from None
    if not math.isfinite(float(value)):
        raise TypeError(f"expected a finite number, got {value}")
    # + 0.0 turns a negative zero into zero: -0.0004 to three decimals is "0.000", not "-0.000".
    return f"{round(float(value), decimals) + 0.0:.{decimals}f}"


def canonical(value, *, kind: str, decimals: int = 0) -> str:
    """Return the text that is hashed for ``value``: the same for every equal answer."""
    if kind == "number":
        return _canonical_number(value, decimals)
    if kind in ("text", "choice"):
        return " ".join(str(value).split()).casefold()
    if kind == "set":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise TypeError("expected a list of values, such as ['CN', 'VN']")
        return "|".join(sorted({" ".join(str(v).split()).casefold() for v in value}))
    raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")


def answer_hash(question_id: str, text: str) -> str:
    return hashlib.sha256(f"{question_id}\n{text}".encode()).hexdigest()


def answer_entry(question_id: str, value, *, kind: str, decimals: int = 0, hint: str) -> dict:
    """Return the selfcheck.yml entry for a question whose right answer is ``value``."""
    entry = {"kind": kind, "sha256": answer_hash(question_id, canonical(value, kind=kind,
                                                                         decimals=decimals))}
    if kind == "number":
        entry["decimals"] = decimals
    entry["hint"] = hint
    return entry


@cache
def load_questions(root: Path | None = None) -> dict[str, dict]:
    """Read every ``modules/*/selfcheck.yml`` into one mapping of question id to entry (from the
    installed package, or the checkout: :func:`customs_course.content.content_root`)."""
    questions: dict[str, dict] = {}
    for path in sorted(Path(root or content_root()).glob("modules/*/selfcheck.yml")):
        for question_id, entry in (yaml.safe_load(path.read_text()) or {}).items():
            if question_id in questions:
                raise ValueError(f"question id {question_id!r} is defined twice ({path})")
            questions[question_id] = entry
    return questions


@dataclass(frozen=True)
class CheckResult:
    question_id: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        mark = "Correct" if self.correct else "Not yet"
        return f"{mark} ({self.question_id}): {self.message}"

    def _repr_markdown_(self) -> str:
        mark = "✅ **Correct**" if self.correct else "❌ **Not yet**"
        return f"{mark} ({self.question_id}): {self.message}"


def _candidates(entry: dict, answer) -> list[str]:
    kind, decimals = entry["kind"], int(entry.get("decimals", 0))
    if kind != "number":
        return [canonical(answer, kind=kind)]
    exact = _canonical_number(answer, decimals)
    step = 10.0**-decimals
    return [exact] + [_canonical_number(float(exact) + k * step, decimals) for k in (-1, 1)]


def check(question_id: str, answer) -> CheckResult:
    """Check a self-check answer and say at once whether it is right, with a hint if not.

    Examples
    --------
    >>> check("l2-1-declarations", 12)  # doctest: +SKIP
    Not yet (l2-1-declarations): Count distinct declaration ids with .nunique(), not rows.
    """
    questions = load_questions()
    if question_id not in questions:
        known = ", ".join(sorted(questions)) or "none"
        raise KeyError(f"no self-check question {question_id!r}; the questions are: {known}")
    entry = questions[question_id]
    try:
        candidates = _candidates(entry, answer)
    except TypeError as problem:
        return CheckResult(question_id, False, f"{problem}. {entry['hint']}")
    if any(answer_hash(question_id, text) == entry["sha256"] for text in candidates):
        return CheckResult(question_id, True, entry.get("success", "well done."))
    return CheckResult(question_id, False, entry["hint"])


def quiz(letters: dict[str, str]):
    """Forms for lettered questions, answered by ticking boxes: no code to type (level 1).

    ``quiz({"l1-1-data-driven": "ABCDE"})`` shows, for each question, a checkbox per letter and
    a Check button that calls ``check``. In JupyterLab the learner runs the cell; on the book's
    pages the same questions have their own forms (book/_ext/selfcheck_page.py).
    """
    import ipywidgets as widgets

    forms = []
    for number, (question_id, options) in enumerate(letters.items(), start=1):
        boxes = [widgets.Checkbox(description=letter, indent=False,
                                  layout=widgets.Layout(width="auto")) for letter in options]
        result = widgets.HTML()
        button = widgets.Button(description="Check", tooltip=f"Check question {number}")

        def on_click(_, question_id=question_id, boxes=boxes, result=result):
            ticked = [box.description for box in boxes if box.value]
            answer = check(question_id, ticked)
            result.value = html.escape(("✅ " if answer else "❌ ") + repr(answer))

        button.on_click(on_click)
        forms.append(widgets.VBox([
            widgets.HTML(f"<b>Question {number}</b>: tick every letter that applies"),
            widgets.HBox([*boxes, button]), result]))
    return widgets.VBox(forms)


def load_recipes(root: Path | None = None) -> dict:
    """Load the maintainers' recipes (``grading/selfcheck/*.py``): question id -> function."""
    import runpy

    recipes: dict = {}
    for path in sorted((Path(root or repo_root()) / "grading" / "selfcheck").glob("*.py")):
        for question_id, recipe in runpy.run_path(str(path))["RECIPES"].items():
            if question_id in recipes:
                raise ValueError(f"recipe {question_id!r} is defined twice ({path})")
            recipes[question_id] = recipe
    return recipes


def update_hashes(root: Path | None = None) -> list[str]:
    """Recompute every stored hash from its recipe; return the ids whose hash changed."""
    root = Path(root or repo_root())
    recipes, changed = load_recipes(root), []
    for path in sorted(root.glob("modules/*/selfcheck.yml")):
        questions = yaml.safe_load(path.read_text()) or {}
        for question_id, entry in questions.items():
            if question_id not in recipes:
                raise ValueError(f"{question_id} ({path}) has no recipe in grading/selfcheck/")
            fresh = answer_entry(question_id, recipes[question_id](), kind=entry["kind"],
                                 decimals=int(entry.get("decimals", 0)), hint=entry["hint"])
            if fresh["sha256"] != entry["sha256"]:
                entry["sha256"] = fresh["sha256"]
                changed.append(question_id)
        path.write_text(yaml.safe_dump(questions, sort_keys=False, allow_unicode=True, width=100))
    load_questions.cache_clear()
    return changed
