"""Do the pilots' helpers split by date and score unit values as the hand computation says?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.targeting import (
    reference_prices,
    temporal_split,
    unit_value_z,
)


def lines(hs6, origin, fob, mass=None, dates=None) -> pd.DataFrame:
    n = len(fob)
    return pd.DataFrame({
        "hs6": pd.Categorical(hs6),
        "origin_country": pd.Categorical(origin),
        "fob_value": np.asarray(fob, dtype=float),
        "net_mass_kg": np.ones(n) if mass is None else np.asarray(mass, dtype=float),
        "lodgement_date": pd.to_datetime(dates or ["2022-01-01"] * n),
    })


# Five T-shirts from CN at 8, 9, 10, 11, 12 USD/kg: log median ln 10; the MAD of the logs is the
# median of |ln(x / 10)| = ln(10 / 9) (the values ln 11/10 < ln 10/9 < ln 12/10 sort that way).
REFERENCE = lines(["610910"] * 5, ["CN"] * 5, [8, 9, 10, 11, 12])
MAD = np.log(10 / 9)


def test_does_the_split_put_the_cutoff_day_in_the_future():
    frame = lines(["610910"] * 3, ["CN"] * 3, [1, 2, 3],
                  dates=["2022-09-30", "2022-10-01", "2022-12-31"])
    past, future = temporal_split(frame, "2022-10-01")
    assert past["fob_value"].tolist() == [1.0]
    assert future["fob_value"].tolist() == [2.0, 3.0]


@pytest.mark.parametrize("cutoff", ["2021-01-01", "2023-01-01"])
def test_does_a_cutoff_outside_the_period_say_which_side_is_empty(cutoff):
    with pytest.raises(ValueError, match="empty"):
        temporal_split(REFERENCE, cutoff)


def test_does_a_bad_cutoff_or_column_get_a_clear_error():
    with pytest.raises(ValueError, match="not a date"):
        temporal_split(REFERENCE, "next October")
    with pytest.raises(KeyError, match="date_column"):
        temporal_split(REFERENCE, "2022-10-01", date_column="arrival")


def test_does_the_reference_hold_median_and_mad_of_the_log_unit_values():
    table = reference_prices(REFERENCE, min_lines=5)
    assert table.loc[("610910", "CN"), "median"] == pytest.approx(np.log(10))
    assert table.loc[("610910", "CN"), "mad"] == pytest.approx(MAD)
    assert table.loc[("610910", "CN"), "lines"] == 5
    assert reference_prices(REFERENCE, min_lines=6).empty  # too few lines: not usable


def test_is_the_z_score_the_modified_z_of_the_hand_computation():
    new = lines(["610910"], ["CN"], [4.0])
    expected = 0.6745 * (np.log(4) - np.log(10)) / MAD
    assert unit_value_z(new, REFERENCE, min_lines=5).iloc[0] == pytest.approx(expected)


def test_does_a_pair_without_reference_fall_back_to_the_hs_code_then_to_zero():
    reference = pd.concat([REFERENCE, lines(["610910"] * 2, ["BD"] * 2, [30, 30])],
                          ignore_index=True)
    new = lines(["610910", "640399"], ["VN", "CN"], [2.0, 2.0])
    z = unit_value_z(new, reference, min_lines=5)
    hs_only = reference_prices(reference, by=["hs6"], min_lines=5).loc["610910"]
    assert z.iloc[0] == pytest.approx(0.6745 * (np.log(2) - hs_only["median"]) / hs_only["mad"])
    assert z.iloc[1] == 0.0  # footwear was never seen: no reference, no score
    assert z.index.equals(new.index)


def test_does_the_score_use_the_line_itself_when_no_reference_is_given():
    z = unit_value_z(REFERENCE, min_lines=5)
    assert z.iloc[2] == 0.0  # the median line
    assert (z.iloc[:2] < 0).all() and (z.iloc[3:] > 0).all()


def test_does_a_zero_mass_get_a_clear_error():
    with pytest.raises(ValueError, match="positive"):
        unit_value_z(lines(["610910"], ["CN"], [1.0], mass=[0.0]), REFERENCE)
