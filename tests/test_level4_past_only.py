"""Do the features of lesson L4-02's model use only what was known before each line?

The model of the risk-targeting pilot learns from control results. A feature that counts a
line's own result, or a result recorded on or after the line's day, is target leakage: the
model looks good in the pilot and fails in operation. These tests change every label dated on
or after a day D and check that no feature of a line lodged before D moves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.calibration import past_record
from customs_course.datasets import load_dataset
from customs_course.fraud_model import found_irregular
from customs_course.targeting import pilot_features, temporal_split

CUTOFF = pd.Timestamp("2022-10-01")


def small_history() -> pd.DataFrame:
    """Importer A: a control lodged on day 1 whose result is recorded on day 5."""
    return pd.DataFrame({
        "lodgement_date": pd.to_datetime(
            ["2022-01-01", "2022-01-03", "2022-01-05", "2022-01-06", "2022-01-06"]),
        "importer_id": ["A", "A", "A", "A", "B"],
        "inspected": [True, False, True, False, True],
        "inspection_outcome": ["undervaluation", None, "no_irregularity", None,
                               "undervaluation"],
        "recorded": pd.to_datetime(["2022-01-05 10:00", None, "2022-01-05 16:00", None,
                                    "2022-01-06 09:00"]),
    })


def test_does_a_result_count_only_from_the_day_after_it_was_recorded():
    frame = small_history()
    record = past_record(frame, ["importer_id"], known=frame["recorded"], prior_weight=5)
    # lodged on day 3, before A's first result was recorded (day 5): nothing known yet
    assert record["controls"].tolist() == [0, 0, 0, 2, 0]
    assert record["hits"].tolist() == [0, 0, 0, 1, 0]
    # day 6: both of A's results (recorded on day 5) count, B's own (day 6) does not
    assert record.loc[3, "prior"] == pytest.approx(0.5)
    assert record.loc[3, "rate"] == pytest.approx((1 + 5 * 0.5) / (2 + 5))


def test_does_a_line_never_see_its_own_label():
    frame = small_history()
    flipped = frame.copy()
    flipped.loc[0, "inspection_outcome"] = "no_irregularity"
    before = past_record(frame, ["importer_id"], known=frame["recorded"])
    after = past_record(flipped, ["importer_id"], known=flipped["recorded"])
    assert before.loc[0].equals(after.loc[0])
    assert not before.loc[3].equals(after.loc[3])  # a later line does see it


@pytest.fixture(scope="module")
def medium_lines():
    lines = load_dataset("declarations", edition="medium")
    events = load_dataset("clearance_events", edition="medium")
    recorded = lines["declaration_id"].map(events.set_index("declaration_id")["inspection_time"])
    return lines, recorded


def perturb_from(lines: pd.DataFrame, recorded: pd.Series, day: pd.Timestamp, seed: int = 0
                 ) -> tuple[pd.DataFrame, pd.Series]:
    """Every label dated on or after ``day`` changed: results flipped, new controls added."""
    rng = np.random.default_rng(seed)
    changed, when = lines.copy(), recorded.copy()
    outcome = changed["inspection_outcome"].astype("string")
    late_result = changed["inspected"] & (when >= day)
    flip = late_result & outcome.eq("no_irregularity")
    outcome[late_result] = "no_irregularity"
    outcome[flip] = "undervaluation"
    # controls that never happened, lodged from ``day`` on, each with a finding
    newly = ~changed["inspected"] & (changed["lodgement_date"] >= day) & (
        rng.random(len(changed)) < 0.3)
    changed.loc[newly, "inspected"] = True
    outcome[newly] = "origin"
    when[newly] = changed.loc[newly, "lodgement_date"] + pd.Timedelta(hours=12)
    changed["inspection_outcome"] = outcome.astype(lines["inspection_outcome"].dtype)
    return changed, when


@pytest.mark.parametrize("day", ["2022-04-01", "2022-10-01"])
def test_do_l4_02_features_before_a_day_ignore_every_label_from_that_day(medium_lines, day):
    lines, recorded = medium_lines
    day = pd.Timestamp(day)
    past, _ = temporal_split(lines, CUTOFF)
    changed, when = perturb_from(lines, recorded, day)
    assert (changed["inspection_outcome"].astype("string")
            != lines["inspection_outcome"].astype("string")).sum() > 1000  # labels did move
    original = pilot_features(lines, past, recorded=recorded)
    perturbed = pilot_features(changed, past, recorded=when)
    before = lines["lodgement_date"] < day
    pd.testing.assert_frame_equal(original[before], perturbed[before])
    # the test can fail: lines from that day on do see the changed labels
    later = ~before
    assert not original.loc[later, "importer_hit_rate"].equals(
        perturbed.loc[later, "importer_hit_rate"])


def test_would_an_importer_history_from_the_whole_period_fail_this_test(medium_lines):
    """The leaky encoding that L4-02 used to train on (each line's own label, whole period)."""
    lines, recorded = medium_lines
    day = pd.Timestamp("2022-07-01")
    changed, _ = perturb_from(lines, recorded, day)

    def whole_period_rate(table):
        found = found_irregular(table)
        controlled = table[table["inspected"]]
        rate = found[controlled.index].groupby(controlled["importer_id"], observed=True).mean()
        return table["importer_id"].map(rate).astype(float)

    before = lines["lodgement_date"] < day
    assert not whole_period_rate(lines)[before].equals(whole_period_rate(changed)[before])
