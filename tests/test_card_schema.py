"""Does every data card match the card schema, and does a stray key fail the check?"""

from __future__ import annotations

import pytest
import yaml

from customs_course.card_schema import CardError, card_problems, validate_all_cards
from customs_course.datasets import DATASET_NAMES
from customs_course.datasets.cards import cards_dir


def test_does_every_committed_card_match_the_schema():
    checked = validate_all_cards()
    assert sorted(path.parent.name for path in checked) == sorted(DATASET_NAMES)


def raw_card(name: str) -> dict:
    return yaml.safe_load((cards_dir() / name / "card.yml").read_text())


def test_does_an_unquoted_comma_in_a_flow_mapping_fail_with_the_stray_key_named():
    # The bug the portal showed: "(about 5,500)" unquoted in a flow mapping splits at the comma.
    text = "{n_rows: one per declaration (about 5,500), formats: [parquet, csv]}"
    card = raw_card("clearance_events") | {"editions": {"small": yaml.safe_load(text)}}
    problems = card_problems(card)
    assert any("editions/small" in p and "500)" in p for p in problems), problems


@pytest.mark.parametrize("where", ["top", "column", "edition", "recoverable"])
def test_does_a_stray_key_anywhere_fail(where, tmp_path):
    card = raw_card("declarations")
    target = {"top": card, "column": card["columns"][0], "edition": card["editions"]["large"],
              "recoverable": card["recoverable"]["gradient_boosting"]}[where]
    target["stray key"] = "x" if where != "recoverable" else None
    assert card_problems(card)
    (tmp_path / "declarations").mkdir()
    (tmp_path / "declarations" / "card.yml").write_text(yaml.safe_dump(card))
    with pytest.raises(CardError, match="stray key"):
        validate_all_cards(tmp_path)


def test_is_a_generator_version_in_a_card_refused_as_a_second_copy():
    card = raw_card("seizures") | {"generator_version": "2.0.0"}
    assert any("generator_version" in problem for problem in card_problems(card))


def test_do_the_editions_of_clearance_events_keep_their_whole_sentence():
    editions = raw_card("clearance_events")["editions"]
    assert "(about 5,500)" in editions["small"]["n_rows"]
    assert "(about 109,000)" in editions["medium"]["n_rows"]
    assert set(editions["small"]) == {"n_rows", "formats"}


def test_is_a_folder_without_cards_an_error(tmp_path):
    with pytest.raises(CardError, match="no data card"):
        validate_all_cards(tmp_path)


def test_does_a_stray_key_stop_the_book_build(tmp_path, monkeypatch):
    """The book's extension (book/_ext/reader_site.py) checks the cards when the build starts."""
    import importlib.util

    from sphinx.errors import ExtensionError

    from customs_course.datasets import cards

    spec = importlib.util.spec_from_file_location(
        "reader_site", cards_dir().parent / "book" / "_ext" / "reader_site.py")
    reader_site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader_site)
    reader_site.check_data_cards(None)  # the committed cards pass
    card = raw_card("seizures") | {"stray key": 1}
    (tmp_path / "seizures").mkdir()
    (tmp_path / "seizures" / "card.yml").write_text(yaml.safe_dump(card))
    monkeypatch.setattr(cards, "cards_dir", lambda: tmp_path)
    with pytest.raises(ExtensionError, match="stray key"):
        reader_site.check_data_cards(None)
