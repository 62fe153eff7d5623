"""Check the data cards (``datasets/<name>/card.yml``) against their JSON schema.

A card is YAML written by hand, where an unquoted comma in a flow mapping silently makes a new
key ("about 5,500" becomes ``about 5`` and a key ``500)``). The schema (card_schema.json, beside
this module) names every key a card may have, so a stray key fails the book build and the tests
instead of reaching the Data Portal.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator


class CardError(ValueError):
    """A data card does not match the schema."""


@cache
def card_validator() -> Draft202012Validator:
    schema = json.loads(resources.files("customs_course").joinpath("card_schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def card_problems(card: object) -> list[str]:
    """Each way ``card`` (a parsed card.yml) breaks the schema, as 'where: what' lines."""
    problems = []
    for error in sorted(card_validator().iter_errors(card), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


def validate_card_file(path: Path) -> None:
    """Raise CardError naming the file and each problem if the card breaks the schema."""
    card = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    problems = card_problems(card)
    if problems:
        raise CardError(
            f"{path} does not match the data card schema (customs_course/card_schema.json); "
            "quote values that contain a comma or a colon:\n  " + "\n  ".join(problems)
        )


def validate_all_cards(cards_dir: Path | None = None) -> list[Path]:
    """Validate every datasets/*/card.yml; return the files checked."""
    if cards_dir is None:
        from customs_course.datasets.cards import cards_dir as default_cards_dir

        cards_dir = default_cards_dir()
    paths = sorted(Path(cards_dir).glob("*/card.yml"))
    if not paths:
        raise CardError(f"no data card (*/card.yml) found in {cards_dir}")
    for path in paths:
        validate_card_file(path)
    return paths
