"""Does the Gaussian copula keep what it promises, and does DCR see copied records? (L3-06)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from customs_course.synthetic import (
    distance_to_closest_record,
    fit_gaussian_copula,
    sample_gaussian_copula,
)


def correlated(n: int = 4000, rho: float = 0.7, seed: int = 0) -> pd.DataFrame:
    """Two correlated normals seen through a skewed value, a rare flag and a heaped rate."""
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    return pd.DataFrame({
        "value": np.exp(2 * z[:, 0]),  # heavy-tailed, monotone in z0
        "flag": (z[:, 1] > 1.5).astype(int),  # about 7% ones, linked to z0 through z1
        "rate": np.round(np.clip(z[:, 1] * 5 + 10, 0, None)),  # heaped whole numbers
    })


def test_does_each_synthetic_column_keep_its_real_distribution():
    real = correlated()
    synthetic = sample_gaussian_copula(fit_gaussian_copula(real), 4000, random_state=1)
    for column in real:
        assert set(synthetic[column]) <= set(real[column]), f"{column}: values not in the data"
        gap = stats.ks_2samp(real[column], synthetic[column], method="asymp").statistic
        assert gap < 0.05, f"{column}: distributions differ by {gap:.3f}"
    assert synthetic["flag"].dtype == real["flag"].dtype


def test_is_the_link_between_a_rare_flag_and_a_value_kept_at_full_strength():
    # Without the correction for ties, the flag's correlation comes out about half as strong.
    real = correlated()
    synthetic = sample_gaussian_copula(fit_gaussian_copula(real), 20000, random_state=2)
    real_link = stats.spearmanr(real["value"], real["flag"]).statistic
    synthetic_link = stats.spearmanr(synthetic["value"], synthetic["flag"]).statistic
    assert real_link > 0.2
    assert synthetic_link == pytest.approx(real_link, abs=0.03)


def test_are_rank_correlations_kept_and_independent_columns_left_independent():
    real = correlated(rho=0.7)
    real["noise"] = np.random.default_rng(3).normal(size=len(real))
    synthetic = sample_gaussian_copula(fit_gaussian_copula(real), 20000, random_state=4)
    assert (stats.spearmanr(synthetic["value"], synthetic["rate"]).statistic
            == pytest.approx(stats.spearmanr(real["value"], real["rate"]).statistic, abs=0.03))
    assert abs(stats.spearmanr(synthetic["value"], synthetic["noise"]).statistic) < 0.03


def test_are_missing_values_kept_with_their_share_and_their_link():
    real = correlated()
    real["value"] = real["value"].where(real["flag"] == 0)  # missing exactly when flagged
    synthetic = sample_gaussian_copula(fit_gaussian_copula(real), 20000, random_state=5)
    assert synthetic["value"].isna().mean() == pytest.approx(real["value"].isna().mean(),
                                                             abs=0.01)
    missing = synthetic["value"].isna()
    assert synthetic.loc[missing, "flag"].mean() > 0.8  # the link to the flag survives


def test_does_the_same_seed_give_the_same_file():
    copula = fit_gaussian_copula(correlated())
    pd.testing.assert_frame_equal(sample_gaussian_copula(copula, 50, random_state=7),
                                  sample_gaussian_copula(copula, 50, random_state=7))


@pytest.mark.parametrize(("data", "message"), [
    (pd.DataFrame({"a": [1.0]}), "at least 2 rows"),
    (pd.DataFrame({"a": ["x", "y"]}), "not numeric"),
    (pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]}), "no value at all"),
    (pd.DataFrame({"a": [1.0, np.inf]}), "infinite"),
])
def test_is_bad_input_refused_with_a_message_saying_what_to_do(data, message):
    with pytest.raises(ValueError, match=message):
        fit_gaussian_copula(data)


def test_is_a_bad_number_of_rows_refused():
    with pytest.raises(ValueError, match="n_rows"):
        sample_gaussian_copula(fit_gaussian_copula(correlated(n=50)), 0)


def test_is_a_copied_record_at_distance_zero_and_a_one_sd_step_at_one():
    originals = pd.DataFrame({"small": [0.0, 2.0, 4.0, 6.0], "large": [0.0, 2e3, 4e3, 6e3]})
    sd_small, sd_large = originals.std(ddof=0)
    records = pd.DataFrame({"small": [2.0, 4.0, 0.0],
                            "large": [2e3, 4e3 + 0.5 * sd_large, 0.0 + 0.0]})
    records.loc[2, "small"] = 6.0 + 0.5 * sd_small  # half an sd beyond the last original
    records.loc[2, "large"] = 6e3
    distances = distance_to_closest_record(records, originals, ["small", "large"])
    # standardised: half a standard deviation counts the same in either column
    np.testing.assert_allclose(distances, [0.0, 0.5, 0.5])


def test_does_a_missing_value_sit_at_the_mean_and_a_constant_column_stay_unscaled():
    originals = pd.DataFrame({"x": [-1.0, 1.0], "c": [3.0, 3.0]})
    records = pd.DataFrame({"x": [np.nan], "c": [5.0]})
    np.testing.assert_allclose(distance_to_closest_record(records, originals, ["x", "c"]),
                               [np.hypot(1.0, 2.0)])


def test_does_dcr_name_missing_columns():
    with pytest.raises(ValueError, match="lack the columns"):
        distance_to_closest_record(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.0]}),
                                   ["a"])
