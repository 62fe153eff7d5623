"""Do the shared helpers give a clear result or a clear error on dirty tables, never infinities?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.metrics import precision_at_k, revenue_at_k
from customs_course.targeting import (
    MIN_MAD,
    MissingColumnError,
    log_unit_value,
    reference_prices,
    temporal_split,
    unit_value_z,
)


def lines(fob, mass=None, hs6="610910", origin="CN", dates=None) -> pd.DataFrame:
    n = len(fob)
    return pd.DataFrame({
        "hs6": [hs6] * n, "origin_country": [origin] * n,
        "fob_value": np.asarray(fob, dtype=float),
        "net_mass_kg": np.ones(n) if mass is None else np.asarray(mass, dtype=float),
        "lodgement_date": dates if dates is not None else ["2022-01-01"] * n,
    })


# --- zeros and missing values -----------------------------------------------------------------

def test_does_a_zero_value_get_an_error_naming_column_count_and_row():
    frame = lines([1.0, 0.0, 2.0, 0.0])
    frame.index = [10, 11, 12, 13]
    with pytest.raises(ValueError, match=r"fob_value .* 2 lines \(first: row 11\)"):
        log_unit_value(frame)


def test_is_a_missing_mass_nan_when_asked_and_never_infinite():
    frame = lines([1.0, 2.0, 3.0], mass=[1.0, np.nan, 0.0])
    values = log_unit_value(frame, invalid="nan")
    assert values.iloc[0] == 0.0
    assert values.iloc[1:].isna().all()
    assert not np.isinf(values).any()


def test_is_a_negative_mass_refused_even_when_nan_is_asked():
    with pytest.raises(ValueError, match=r"net_mass_kg is negative .* 1 line \(first: row 1\)"):
        log_unit_value(lines([1.0, 2.0], mass=[1.0, -2.0]), invalid="nan")


def test_are_reference_lines_without_unit_value_left_out_and_counted():
    reference = lines([8, 9, 10, 11, 12, 0.0, np.nan])
    table = reference_prices(reference, min_lines=5)
    assert table.attrs["excluded_lines"] == 2
    assert table.loc[("610910", "CN"), "lines"] == 5
    assert table.loc[("610910", "CN"), "median"] == pytest.approx(np.log(10))


def test_does_a_line_without_unit_value_get_a_missing_z_when_asked():
    reference = lines([8, 9, 10, 11, 12])
    z = unit_value_z(lines([4.0, 0.0]), reference, min_lines=5, invalid="nan")
    assert np.isfinite(z.iloc[0]) and np.isnan(z.iloc[1])
    with pytest.raises(ValueError, match="invalid='nan'"):
        unit_value_z(lines([4.0, 0.0]), reference, min_lines=5)


# --- the floor on the spread ------------------------------------------------------------------

def heaped(n=10) -> pd.DataFrame:
    """Prices heaped on 10 USD/kg, stored so that the logs differ only by rounding residue."""
    return lines([10.0 * 3] * n, mass=[3.0] * (n - 1) + [3.0 * (1 + 1e-15)])


def test_does_a_residue_mad_get_the_floor_instead_of_a_z_of_1e16():
    reference = heaped()
    raw = np.log(reference["fob_value"] / reference["net_mass_kg"])
    assert 0 <= (raw - raw.median()).abs().median() < 1e-14  # the residue the floor is for
    z = unit_value_z(lines([5.0]), reference)
    assert z.iloc[0] == pytest.approx(0.6745 * np.log(0.5) / MIN_MAD)  # about -46.8, not -1e16
    assert reference_prices(reference).loc[("610910", "CN"), "floored"]


def test_is_a_mad_exactly_at_the_floor_kept_and_just_below_raised():
    group = lines([8, 9, 10, 11, 12])
    raw = reference_prices(group, min_lines=5).iloc[0]["mad"]  # ln(10/9), far above the floor
    at = reference_prices(group, min_lines=5, min_mad=raw).iloc[0]
    assert at["mad"] == raw and not at["floored"]
    just_above = np.nextafter(raw, np.inf)
    below = reference_prices(group, min_lines=5, min_mad=just_above).iloc[0]
    assert below["mad"] == just_above and below["floored"]
    assert not reference_prices(group, min_lines=5).iloc[0]["floored"]


def test_is_a_thin_group_left_out_counted_and_its_lines_sent_to_the_next_level():
    reference = pd.concat([lines([8, 9, 10, 11, 12], origin="CN"),
                           lines([100, 100, 100, 100], origin="BD")], ignore_index=True)
    table = reference_prices(reference, min_lines=5)
    assert list(table.index) == [("610910", "CN")] and table.attrs["thin_groups"] == 1
    z = unit_value_z(lines([10.0], origin="BD"), reference, min_lines=5)
    hs_only = reference_prices(reference, by=["hs6"], min_lines=5).iloc[0]
    assert z.iloc[0] == pytest.approx(0.6745 * (np.log(10) - hs_only["median"]) / hs_only["mad"])


def test_is_a_bad_floor_refused():
    with pytest.raises(ValueError, match="min_mad"):
        reference_prices(lines([1.0] * 10), min_mad=0)


# --- dates and columns ------------------------------------------------------------------------

def test_are_iso_dates_as_text_split_like_dates():
    frame = lines([1, 2, 3], dates=["2022-09-30", "2022-10-01", "2022-12-31"])
    past, future = temporal_split(frame, "2022-10-01")
    assert past["fob_value"].tolist() == [1.0] and future["fob_value"].tolist() == [2.0, 3.0]


def test_is_text_that_is_no_date_refused_with_count_and_example():
    frame = lines([1, 2, 3], dates=["2022-09-30", "30/09/2022", "soon"])
    with pytest.raises(ValueError, match=r"2 lines \(first: row 1\), such as '30/09/2022'"):
        temporal_split(frame, "2022-10-01")


def test_is_a_missing_date_refused_rather_than_put_in_the_future():
    frame = lines([1, 2], dates=pd.to_datetime(["2022-09-30", None]))
    with pytest.raises(ValueError, match=r"lodgement_date is missing in 1 line \(first: row 1\)"):
        temporal_split(frame, "2022-10-01")


@pytest.mark.parametrize("call", [
    lambda f: unit_value_z(f.drop(columns="origin_country")),
    lambda f: reference_prices(f.drop(columns="origin_country")),
    lambda f: log_unit_value(f.drop(columns="origin_country"), value="origin_country"),
    lambda f: temporal_split(f, "2022-10-01", date_column="origin_country_date"),
])
def test_does_a_missing_column_name_itself_and_the_columns_present(call):
    with pytest.raises(MissingColumnError) as caught:
        call(lines([1.0] * 3))
    message = str(caught.value)
    assert "'origin_country" in message and "its columns: hs6" in message
    assert not message.startswith('"')  # not a bare KeyError repr
    assert isinstance(caught.value, KeyError)


# --- the metrics on the same dirt --------------------------------------------------------------

def test_does_a_missing_score_get_counted_with_its_first_position():
    with pytest.raises(ValueError, match=r"2 rows \(first: position 1\)"):
        precision_at_k([1, 0, 1], [0.5, np.nan, np.inf], 1)


def test_does_a_missing_revenue_or_label_get_counted():
    with pytest.raises(ValueError, match=r"revenue .* 1 row \(first: position 2\)"):
        revenue_at_k([1.0, 0.0, np.nan], [0.3, 0.2, 0.1], 1)
    with pytest.raises(ValueError, match=r"1 row \(first: position 0\)"):
        precision_at_k([np.nan, 1, 0], [0.3, 0.2, 0.1], 1)
