"""Do the generated tables, the data cards and the generators' parameters agree?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course import datasets
from customs_course.datasets import (
    DATASET_NAMES,
    DEFAULT_SEED,
    EDITIONS,
    GENERATOR_VERSION,
    clearance,
    declarations,
    descriptions,
    load_card,
    make_edition,
    mirror,
    validate_frame,
)
from customs_course.datasets.cards import card_dtypes


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


def _as_card(value):
    """Lists in YAML are lists; tuples in code become lists too."""
    if isinstance(value, dict):
        return {k: _as_card(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_as_card(v) for v in value]
    return value


def test_does_the_declarations_card_state_the_generators_parameters():
    assert load_card("declarations")["parameters"] == _as_card(declarations.PARAMS)


def test_do_the_other_cards_state_their_generators_parameters():
    assert load_card("mirror_flows")["parameters"] == _as_card(mirror.PARAMS)
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
