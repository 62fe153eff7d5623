"""Do the lessons' helpers treat the gaps a mapped table has (empty codes, categories) clearly?

The helpers' own dirty-data cases (zeros, missing values, the floor on tiny spreads, dates as
text, missing columns, metrics on missing scores) are in tests/test_targeting_dirty_data.py;
these are the cases a mapped administration's table adds: codes left empty by `pilot map`
(an unknown or missing origin or HS code), categorical columns, outcomes missing on a
controlled line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.metrics import precision_at_k
from customs_course.targeting import reference_prices, unit_value_z


def frame(hs6, origin, fob) -> pd.DataFrame:
    return pd.DataFrame({"hs6": pd.Categorical(hs6), "origin_country": pd.Categorical(origin),
                         "fob_value": np.asarray(fob, dtype=float),
                         "net_mass_kg": np.ones(len(fob))})


def test_is_a_line_without_origin_compared_at_the_hs6_level():
    reference = frame(["010121"] * 6, ["CN"] * 3 + ["BD"] * 3, [10, 11, 12, 9, 10, 11])
    z = unit_value_z(frame(["010121"], [None], [5.0]), reference, min_lines=3)
    hs_only = reference_prices(reference, by=["hs6"], min_lines=3).iloc[0]
    assert z.iloc[0] == pytest.approx(0.6745 * (np.log(5) - hs_only["median"]) / hs_only["mad"])


def test_does_a_reference_line_without_hs_code_join_no_group():
    reference = frame(["010121"] * 3 + [None] * 3, ["CN"] * 6, [10, 11, 12, 1000, 1000, 1000])
    table = reference_prices(reference, min_lines=3)
    assert list(table.index) == [("010121", "CN")]
    assert table.iloc[0]["median"] == pytest.approx(np.log(11))


def test_does_a_line_without_hs_code_get_no_reference_rather_than_a_made_up_one():
    reference = frame(["010121"] * 3, ["CN"] * 3, [10, 11, 12])
    z = unit_value_z(frame([None], ["CN"], [1.0]), reference, min_lines=3)
    assert z.iloc[0] == 0.0  # documented: 0 where no level has a usable reference


def test_is_a_controlled_line_without_recorded_result_refused_by_the_metrics():
    outcome = pd.Series(["no_irregularity", None, "undervaluation"], dtype="category")
    found = outcome.ne("no_irregularity").where(outcome.notna())
    with pytest.raises(ValueError, match=r"1 row \(first: position 1\)"):
        precision_at_k(found, [0.3, 0.2, 0.1], 1)
    assert precision_at_k(found[outcome.notna()], [0.3, 0.1], 1) == 0.0
