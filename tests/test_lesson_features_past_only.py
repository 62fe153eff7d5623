"""Do the level 5 lessons' features for a line use only information dated before it?

The lessons take their feature code from :mod:`customs_course.fraud_model`: the importer's past
hit rate (L5-02, and the history of L5-06), the anomaly features of L5-05 and the pipeline of
L5-01 and L5-03. Each test perturbs what a line must not see (labels recorded on or after its
day, other lines of the period being scored) and asserts that its features do not move, and
that the perturbation does move the features of lines allowed to see it (so the test can fail).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.datasets import load_dataset
from customs_course.fraud_model import (
    AnomalyFeatures,
    DeclarationFeatures,
    found_irregular,
    lodgement_columns,
    past_hit_rate,
    result_recorded_day,
)

CUT = pd.Timestamp("2022-07-01")


@pytest.fixture(scope="module")
def lines() -> pd.DataFrame:
    return load_dataset("declarations", edition="small")


@pytest.fixture(scope="module")
def recorded(lines) -> pd.Series:
    return result_recorded_day(lines, load_dataset("clearance_events", edition="small"))


def importer_rate(lines: pd.DataFrame, recorded: pd.Series, labels: pd.Series) -> np.ndarray:
    """The lessons' importer history: every line against every control of the table."""
    controlled = lines["inspected"].to_numpy()
    return past_hit_rate(lines["importer_id"].astype(str), lines["lodgement_date"],
                         lines["importer_id"].astype(str)[controlled], recorded[controlled],
                         labels[controlled])


def test_is_a_result_recorded_at_the_end_of_its_control_not_at_lodgement(lines, recorded):
    controlled = lines["inspected"].to_numpy()
    delay = (recorded[controlled] - lines.loc[controlled, "lodgement_date"]).dt.days
    assert (delay >= 0).all()
    assert (delay > 0).mean() > 0.5  # most results are known a day or more after lodgement
    assert recorded[~controlled].isna().all()


def test_does_a_past_hit_rate_ignore_results_recorded_on_or_after_the_line_s_day(
        lines, recorded):
    labels = found_irregular(lines)
    before = importer_rate(lines, recorded, labels)
    flipped = labels.copy()
    later = recorded.notna() & (recorded >= CUT)
    flipped[later] = ~flipped[later]  # every result recorded from CUT on is now the opposite
    after = importer_rate(lines, recorded, flipped)
    up_to_cut = (lines["lodgement_date"] <= CUT).to_numpy()
    np.testing.assert_array_equal(before[up_to_cut], after[up_to_cut])
    assert (before[~up_to_cut] != after[~up_to_cut]).mean() > 0.5  # later lines see them


def test_is_a_line_s_own_label_never_part_of_its_history(lines, recorded):
    labels = found_irregular(lines)
    before = importer_rate(lines, recorded, labels)
    controlled = np.flatnonzero(lines["inspected"].to_numpy())
    own = controlled[len(controlled) // 2]
    flipped = labels.copy()
    flipped.iloc[own] = not flipped.iloc[own]
    assert importer_rate(lines, recorded, flipped)[own] == before[own]


def test_does_a_past_hit_rate_give_the_hand_computed_values():
    """Importer A: a hit recorded on day 2, a miss on day 4; B: nothing. Prior weight 1."""
    days = pd.to_datetime(["2022-01-01", "2022-01-02", "2022-01-03", "2022-01-05",
                           "2022-01-05"])
    rate = past_hit_rate(["A", "A", "A", "A", "B"], days, ["A", "A"],
                         pd.to_datetime(["2022-01-02", "2022-01-04"]), [1, 0], prior_weight=1)
    # day 1: nothing known (prior 0); day 2: the day-2 result not yet; day 3: (1 + 1) / 2;
    # day 5: A (1 + 0.5) / 3, B (0 + 0.5) / 1
    np.testing.assert_allclose(rate, [0.0, 0.0, 1.0, 0.5, 0.5])


def test_are_the_anomaly_features_of_a_line_blind_to_later_lines(lines):
    past = lines[lines["lodgement_date"] < CUT]
    scored = lines[lines["lodgement_date"] >= CUT]
    features = AnomalyFeatures().fit(past)
    whole = features.transform(scored)
    # scoring a line alone or among others gives the same features (nothing learnt from them)
    half = scored.iloc[::2]
    pd.testing.assert_frame_equal(features.transform(half), whole.iloc[::2])
    # changing the lines being scored changes nothing learnt: refit on the same past
    shaken = scored.assign(net_mass_kg=scored["net_mass_kg"] * 7, quantity=scored["quantity"] / 3)
    refit = AnomalyFeatures().fit(pd.concat([past, shaken])[lambda f: f["lodgement_date"] < CUT])
    pd.testing.assert_frame_equal(refit.transform(half), whole.iloc[::2])
    assert features.transform(shaken.iloc[::2])["mass_per_unit_vs_hs"].ne(
        whole.iloc[::2]["mass_per_unit_vs_hs"]).mean() > 0.5


def test_are_the_pipeline_features_of_a_line_blind_to_the_period_scored(lines):
    past = lines[lines["lodgement_date"] < CUT]
    scored = lines[lines["lodgement_date"] >= CUT]
    features = DeclarationFeatures().fit(past)
    whole = features.transform(scored)
    pd.testing.assert_frame_equal(features.transform(scored.iloc[1::3]), whole.iloc[1::3])


def test_does_a_model_see_no_column_that_customs_fills_after_lodgement(lines):
    """Channel, control, its selection (rule or random audit) and its outcome are decided by
    Customs: a model given them learns which lines were controlled, not which are risky."""
    columns = set(lodgement_columns(lines))
    decided = {"risk_channel", "inspected", "selection", "inspection_outcome"}
    assert decided <= set(lines.columns)
    assert not columns & decided
    assert not columns & {"fraud_type", "revenue_at_risk"}
