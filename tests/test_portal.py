"""Does the Data Portal show every dataset as its data card describes it?"""

from __future__ import annotations

from pathlib import Path

import pytest

from customs_course.datasets import DATASET_NAMES, load_card
from customs_course.framework import toc_files
from customs_course.portal import columns_table, overview_table, planted_markdown, show_card

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_has_every_dataset_a_portal_page_in_the_book(name):
    page = ROOT / "book" / "portal" / f"{name}.md"
    assert page.exists() and f"book/portal/{name}" in toc_files()
    text = page.read_text()
    assert f'show_card("{name}")' in text
    assert f"{name}_small.csv" in text and f'load_dataset("{name}"' in text


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_does_the_columns_table_follow_the_card(name):
    card = load_card(name)
    table = columns_table(name)
    assert list(table["column"]) == [c["name"] for c in card["columns"]]
    for column, row in zip(card["columns"], table.to_dict("records"), strict=True):
        assert row["type"] == column["dtype"]
        if "categories" in column:
            assert str(column["categories"][0]) in row["allowed values"]
        if not column.get("nullable"):
            assert row["missing"] == "never"


def test_does_a_planted_mechanism_of_the_card_reach_the_page():
    card = load_card("declarations")
    text = planted_markdown("declarations")
    assert card["ground_truth"].split()[0] in text
    for mechanism in card["planted"]:
        assert mechanism.replace("_", " ").capitalize() in text


def test_does_the_overview_list_every_dataset_once():
    assert sorted(overview_table()["dataset"]) == sorted(DATASET_NAMES)


def test_is_an_unknown_dataset_refused_with_the_known_names():
    with pytest.raises(ValueError, match="declarations"):
        show_card("declaration_lines")
