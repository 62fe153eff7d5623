"""Do the sandbox datasets tell one story: sums, references and counts that agree?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.datasets import load_dataset, make_edition, make_mirror_flows

EDITIONS = ["small", "medium"]
HOME = "XA"


def declared_by_partner(declarations: pd.DataFrame, year: int) -> pd.Series:
    lines = declarations[declarations["lodgement_date"].dt.year == year]
    lines = lines[lines["origin_country"].astype(str) != HOME]
    return lines.groupby(lines["origin_country"].astype(str))["customs_value"].sum()


def mirror_by_partner(mirror: pd.DataFrame, year: int, column: str) -> pd.Series:
    rows = mirror[(mirror["reporter"].astype(str) == HOME) & (mirror["year"] == year)]
    return rows.groupby(rows["partner"].astype(str))[column].sum()


def assert_one_world(declarations: pd.DataFrame, mirror: pd.DataFrame) -> None:
    year = int(declarations["lodgement_date"].dt.year.max())
    declared = declared_by_partner(declarations, year)
    reported = mirror_by_partner(mirror, year, "import_value_cif").reindex(declared.index)
    # A's imports by partner: the same sums, up to rounding each HS6 flow to whole dollars
    flows = mirror_by_partner(mirror.assign(flow=1), year, "flow").reindex(declared.index)
    excess = (reported - declared).abs() - (0.5 * flows + 0.01)
    assert (excess <= 0).all(), f"partners whose imports differ: {excess[excess > 0].head()}"
    # the partner's side: FOB, below the CIF sums by the declarations' own CIF/FOB margin
    xa = mirror[(mirror["reporter"].astype(str) == HOME) & (mirror["year"] == year)
                & (mirror["misinvoicing"] == "none") & mirror["export_value_fob"].notna()]
    margin = (declarations["customs_value"].sum() / declarations["fob_value"].sum())
    observed = xa["import_value_cif"].sum() / xa["export_value_fob"].sum()
    assert observed == pytest.approx(margin, rel=0.03)
    assert observed >= 1.0, "imports CIF should not be below exports FOB"


def test_does_the_mirror_generator_take_its_home_imports_from_the_declarations():
    declarations = make_edition("declarations", "small")
    mirror = make_mirror_flows(2_000, random_state=2022, declarations=declarations)
    assert_one_world(declarations, mirror)


def test_would_a_mirror_made_without_the_declarations_disagree():
    # the check can fail: the independent generator gives other totals
    declarations = make_edition("declarations", "small")
    with pytest.raises(AssertionError):
        assert_one_world(declarations, make_mirror_flows(2_000, random_state=2022))


@pytest.mark.parametrize("edition", EDITIONS)
def test_do_the_editions_mirror_flows_match_their_declarations(edition):
    assert_one_world(load_dataset("declarations", edition),
                     load_dataset("mirror_flows", edition))


def home_imports_by_year(mirror: pd.DataFrame) -> pd.Series:
    rows = mirror[mirror["reporter"].astype(str) == HOME]
    return rows.groupby("year")["import_value_cif"].sum()


@pytest.mark.parametrize("edition", EDITIONS)
def test_do_the_home_imports_lead_into_the_declared_year_without_a_jump(edition):
    # before the declarations' year XA's rows are generated; unscaled they were 1/20 of it
    totals = home_imports_by_year(load_dataset("mirror_flows", edition))
    steps = totals / totals.shift(1)
    assert steps.dropna().between(0.75, 1.33).all(), f"year-on-year ratios: {steps.to_dict()}"


def test_does_rescaling_keep_each_flows_ratios():
    declarations = make_edition("declarations", "small")
    mirror = make_mirror_flows(2_000, random_state=2022, declarations=declarations)
    alone = make_mirror_flows(2_000, random_state=2022)
    keys = ["year", "reporter", "partner", "hs6"]
    both = mirror.merge(alone, on=keys, suffixes=("", "_alone"))
    early = both[(both["reporter"].astype(str) == HOME) & (both["year"] < 2022)]
    assert len(early) > 50
    ratio = early["import_value_cif"] / early["export_value_fob"]
    ratio_alone = early["import_value_cif_alone"] / early["export_value_fob_alone"]
    assert np.allclose(ratio, ratio_alone, rtol=0.01, equal_nan=True)
    assert not np.allclose(early["import_value_cif"], early["import_value_cif_alone"], rtol=0.5)


@pytest.mark.parametrize("edition", EDITIONS)
def test_does_every_clearance_record_refer_to_a_declaration_and_each_once(edition):
    declarations = load_dataset("declarations", edition)
    clearance = load_dataset("clearance_events", edition)
    known = np.isin(clearance["declaration_id"], declarations["declaration_id"])
    assert known.all(), f"{(~known).sum()} clearance records name no declaration"
    assert clearance["declaration_id"].is_unique
    assert len(clearance) == declarations["declaration_id"].nunique()
