"""Are the clearance events consistent with the declarations and shaped like a TRS?"""

from __future__ import annotations

import pytest

from customs_course.datasets import make_clearance_events, make_declarations


@pytest.fixture(scope="module")
def events(medium_clearance):
    return medium_clearance


@pytest.fixture(scope="module")
def hours(events):
    return (events["release_time"] - events["arrival_time"]).dt.total_seconds() / 3600


def test_is_there_one_row_per_declaration_with_matching_attributes(events, medium_declarations):
    head = medium_declarations.drop_duplicates("declaration_id").set_index("declaration_id")
    assert events["declaration_id"].is_unique
    assert set(events["declaration_id"]) == set(head.index)
    joined = events.merge(head.reset_index(), on="declaration_id", suffixes=("", "_decl"))
    assert (joined["lodgement_time"].dt.normalize() == joined["lodgement_date"]).all()
    for column in ("office", "mode_of_transport", "risk_channel"):
        assert (joined[column].astype(str) == joined[f"{column}_decl"].astype(str)).all()


def test_do_the_stages_come_in_a_possible_order(events):
    release = events["release_time"]
    for stage in ("arrival_time", "lodgement_time", "assessment_time"):
        assert (release >= events[stage]).all(), stage
    assert (events["assessment_time"] > events["lodgement_time"]).all()
    done = events["inspection_time"].notna()
    assert (release[done] >= events.loc[done, "inspection_time"]).all()
    assert (events.loc[done, "inspection_time"] >= events.loc[done, "arrival_time"]).all()
    paid = events["payment_time"].notna()
    assert (release[paid] >= events.loc[paid, "payment_time"]).all()
    pre = events["pre_arrival"]
    assert (events.loc[pre, "lodgement_time"] <= events.loc[pre, "arrival_time"]).all()
    assert (events.loc[~pre, "lodgement_time"] >= events.loc[~pre, "arrival_time"]).all()


def test_is_inspection_recorded_only_for_controlled_declarations(events):
    assert events["inspection_time"].isna().eq(events["risk_channel"] == "green").all()


def test_is_payment_missing_exactly_when_nothing_is_due(events, medium_declarations):
    due = medium_declarations.groupby("declaration_id")["duty_and_taxes"].sum() > 0
    paid = events.set_index("declaration_id")["payment_time"].notna()
    assert paid.equals(due.reindex(paid.index).rename("payment_time"))


def test_is_red_slowest_and_pre_arrival_and_aeo_faster(events, hours):
    by_channel = hours.groupby(events["risk_channel"], observed=True).median()
    assert by_channel["green"] < by_channel["yellow"] < by_channel["red"]
    by_pre = hours.groupby(events["pre_arrival"]).median()
    assert by_pre[True] < 0.5 * by_pre[False]
    by_aeo = hours.groupby(events["aeo"]).median()
    assert by_aeo[True] < by_aeo[False]


def test_do_agency_holds_add_time(events, hours):
    by_agency = hours.groupby(events["agency_hold"], observed=True).median()
    assert (by_agency.drop("none") > by_agency["none"]).all()


def test_does_the_same_declarations_table_give_the_same_events():
    decl = make_declarations(2_000, random_state=5)
    first = make_clearance_events(declarations=decl, random_state=5)
    assert first.equals(make_clearance_events(declarations=decl.sample(frac=1, random_state=1),
                                              random_state=5))
