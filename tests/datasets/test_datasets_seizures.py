"""Do the seizures look like Illicit Trade Report data with their trends and routes?"""

from __future__ import annotations

import pytest

from customs_course.datasets._world import get_world
from customs_course.datasets.seizures import CONVEYANCE_OFFICES, _commodities


@pytest.fixture(scope="module")
def s(medium_seizures):
    return medium_seizures


def test_does_each_commodity_keep_its_category_and_unit(s):
    com = _commodities().set_index("commodity")
    assert (s["category"].astype(str) == s["commodity"].astype(str).map(com["category"])).all()
    assert (s["quantity_unit"].astype(str) == s["commodity"].astype(str).map(com["unit"])).all()


def test_are_all_eight_areas_present_and_drugs_tobacco_ipr_the_largest(s):
    counts = s["category"].value_counts()
    assert (counts > 0).all()
    assert set(counts.index[:3]) == {"drugs", "tobacco", "ipr"}


def test_do_tobacco_fall_and_ipr_rise_over_the_years(s):
    per_year = s.groupby([s["seizure_date"].dt.year, "category"], observed=True).size().unstack()
    first, last = per_year.index.min(), per_year.index.max()
    assert per_year.loc[last, "tobacco"] < 0.8 * per_year.loc[first, "tobacco"]
    assert per_year.loc[last, "ipr"] > 1.3 * per_year.loc[first, "ipr"]


def test_does_the_route_spell_out_the_country_columns(s):
    transit = s["transit_country"].astype(str).where(s["transit_country"].notna(), "")
    rebuilt = (s["departure_country"].astype(str) + " > " + transit + " > "
               + s["destination_country"].astype(str)).str.replace(" >  > ", " > ")
    assert (rebuilt == s["route"]).all()
    imports = s["direction"] == "import"
    assert (s.loc[imports, "destination_country"] == "XA").all()
    assert (s.loc[s["direction"] == "transit", "transit_country"] == "XA").all()


def test_does_the_office_fit_the_conveyance(s):
    office_type = get_world().offices.set_index("code")["type"]
    kinds = s["office"].astype(str).map(office_type)
    for conveyance, types in CONVEYANCE_OFFICES.items():
        rows = s["conveyance"] == conveyance
        assert kinds[rows].isin(types).all(), conveyance


def test_are_quantities_heavy_tailed(s):
    cocaine = s.loc[s["commodity"] == "cocaine", "quantity"]
    assert cocaine.max() > 50 * cocaine.median()
