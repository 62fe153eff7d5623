"""Do the generated tables, the data cards and the generators' parameters agree?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from customs_course import datasets
from customs_course.datasets import (
    DATASET_NAMES,
    DEFAULT_SEED,
    EDITIONS,
    GENERATOR_VERSION,
    clearance,
    descriptions,
    load_card,
    make_edition,
    mirror,
    validate_frame,
)
from customs_course.datasets.cards import _plain, card_dtypes, cards_dir, render_card


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_does_every_small_table_match_its_card(name, small_declarations):
    decl = small_declarations if name == "clearance_events" else None
    frame = make_edition(name, "small", declarations=decl)
    assert validate_frame(frame, load_card(name)) == []


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_does_every_card_give_version_seed_editions_and_documented_columns(name):
    card = load_card(name)
    assert card["generator_version"] == GENERATOR_VERSION
    module, function = card["generator"].rsplit(".", 1)
    assert module == "customs_course.datasets" and callable(getattr(datasets, function))
    if name != "hs_nomenclature":
        assert card["default_seed"] == DEFAULT_SEED
    assert set(card["editions"]) == set(EDITIONS)
    for edition, spec in card["editions"].items():
        size = EDITIONS[edition][name]
        if size is not None:
            assert spec["n_rows"] == size, f"{name} {edition}: card and EDITIONS disagree"
    for column in card["columns"]:
        assert column.get("description"), f"{name}.{column['name']} has no description"
        assert "nullable" in column or "missing_when" in column, column["name"]
    card_dtypes(card)  # every dtype can be built


def test_does_the_declarations_card_show_the_generators_parameters_without_a_copy():
    from customs_course.datasets._declaration_params import PARAMS

    with (cards_dir() / "declarations" / "card.yml").open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    assert "parameters" not in raw, "the card must not keep its own copy of the parameters"
    card = load_card("declarations")
    assert card["parameters"] == PARAMS
    assert "{p[" not in yaml.safe_dump(card), "a field of the card text was not rendered"


def test_does_the_card_text_follow_a_change_of_the_parameters(monkeypatch):
    from customs_course.datasets import _declaration_params

    monkeypatch.setitem(_declaration_params.PARAMS["selectivity"], "random_audit_share", 0.123)
    load_card.cache_clear()
    try:
        card = load_card("declarations")
        assert "12% of declarations" in card["planted"]["selectivity"]
        assert card["parameters"]["selectivity"]["random_audit_share"] == 0.123
    finally:
        load_card.cache_clear()


def test_is_a_card_with_both_a_copy_and_a_reference_refused():
    card = {"name": "x", "columns": [], "parameters": {},
            "parameters_from": "customs_course.datasets._declaration_params:PARAMS"}
    with pytest.raises(ValueError, match="both parameters and parameters_from"):
        render_card(card)


def test_do_the_other_cards_state_their_generators_parameters():
    assert load_card("mirror_flows")["parameters"] == _plain(mirror.PARAMS)
    assert load_card("goods_descriptions")["parameters"]["noise"] == descriptions.NOISE
    card = load_card("clearance_events")["parameters"]
    assert card["pre_arrival_share"] == clearance.PRE_ARRIVAL
    assert card["median_hours"] == clearance.HOURS
    assert card["aeo_speedup"] == clearance.AEO_SPEEDUP


def test_does_the_validator_catch_broken_tables(small_declarations):
    card = load_card("declarations")
    good = small_declarations.copy()
    assert validate_frame(good, card) == []

    broken = good.copy()
    broken["net_mass_kg"] = broken["net_mass_kg"].astype("float32")
    assert any("net_mass_kg" in p for p in validate_frame(broken, card))

    broken = good.copy()
    broken.loc[broken.index[0], "customs_value"] = np.nan
    assert any("customs_value" in p and "missing" in p for p in validate_frame(broken, card))

    broken = good.copy()
    uninspected = broken.index[~broken["inspected"]][0]
    broken.loc[uninspected, "inspection_outcome"] = "no_irregularity"
    assert any("inspection_outcome" in p for p in validate_frame(broken, card))

    broken = good.copy()
    broken["risk_channel"] = broken["risk_channel"].cat.reorder_categories(
        ["red", "yellow", "green"])
    assert any("risk_channel" in p for p in validate_frame(broken, card))

    broken = good.copy()
    broken.loc[broken.index[0], "tariff_rate"] = -1.0
    assert any("tariff_rate" in p for p in validate_frame(broken, card))

    broken = pd.concat([good, good.iloc[:1]])
    assert any("primary key" in p for p in validate_frame(broken, card))

    assert validate_frame(good.drop(columns="hs6"), card)
