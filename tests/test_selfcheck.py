"""Does the learners' self-check accept right answers, hint at wrong ones and hide the answers?"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml

from customs_course import selfcheck
from customs_course.selfcheck import answer_entry, canonical, check, load_questions, load_recipes

ROOT = Path(__file__).resolve().parent.parent
RECIPES = load_recipes()


@functools.cache
def computed_answer(question_id: str):
    """Each recipe runs once per test session: some load and damage a dataset."""
    return RECIPES[question_id]()


@pytest.fixture
def one_question(monkeypatch):
    entry = answer_entry("demo-share", 0.1234, kind="number", decimals=3, hint="Use a share.")
    monkeypatch.setattr(selfcheck, "load_questions", lambda: {"demo-share": entry})


def test_does_every_question_have_a_recipe_and_every_recipe_a_question():
    assert load_questions(), "expected self-check questions in modules/*/selfcheck.yml"
    assert set(load_questions()) == set(RECIPES)


@pytest.mark.parametrize("question_id", sorted(RECIPES))
def test_is_each_stored_hash_the_answer_its_recipe_computes_from_the_data(question_id):
    result = check(question_id, computed_answer(question_id))
    assert result.correct, (
        f"{question_id} drifted from the data: run `customs-course selfcheck update`"
    )


def test_does_a_number_within_the_stated_precision_pass(one_question):
    assert check("demo-share", 0.1234)
    assert check("demo-share", 0.123)
    assert check("demo-share", 0.124)  # one unit at 3 decimals, for rounding at the boundary


def test_does_a_wrong_answer_get_the_hint(one_question):
    result = check("demo-share", 12.34)
    assert not result and "Use a share." in repr(result)
    assert "Not yet" in result._repr_markdown_()


def test_does_an_answer_of_the_wrong_type_get_a_message_instead_of_an_error(one_question):
    for wrong in ("twelve", None, True, [0.1234]):
        result = check("demo-share", wrong)
        assert not result and "expected" in result.message


def test_does_an_unknown_question_name_the_known_ones(one_question):
    with pytest.raises(KeyError, match="demo-share"):
        check("no-such-question", 1)


def test_do_sets_ignore_order_case_and_spacing():
    assert canonical(["VN", " cn"], kind="set") == canonical(["cn", "vn"], kind="set")
    assert canonical("  Red  channel", kind="text") == canonical("red channel", kind="text")


def question_folders() -> dict[str, Path]:
    """Each question id with the lesson folder whose selfcheck.yml defines it."""
    return {
        question_id: path.parent
        for path in ROOT.glob("modules/*/selfcheck.yml")
        for question_id in yaml.safe_load(path.read_text()) or {}
    }


QUESTION_FOLDERS = question_folders()


def written_alone(answer: str) -> re.Pattern:
    """The answer as a whole token: "49" inside a hash or "0.1234" is not the answer 49 or 0.123."""
    return re.compile(rf"(?<![\w.]){re.escape(answer)}(?![\w]|\.\d)")


@pytest.mark.parametrize("question_id", sorted(RECIPES))
def test_is_no_answer_published_in_plain_text(question_id):
    entry = load_questions()[question_id]
    answer = canonical(computed_answer(question_id), kind=entry["kind"],
                       decimals=int(entry.get("decimals", 0)))
    alone = written_alone(answer)
    folder = QUESTION_FOLDERS[question_id]
    for path in [folder / "selfcheck.yml", *folder.glob("*.md")]:
        assert not alone.search(path.read_text().casefold()), (
            f"{question_id}: its answer {answer!r} is written in {path.relative_to(ROOT)}"
        )


def test_does_the_leak_check_see_a_written_answer_but_not_a_hash():
    alone = written_alone("49")
    assert alone.search("the answer is 49.")
    assert not alone.search("sha256: 3fa49be0")
    assert not alone.search("0.49") and not alone.search("49.5")
