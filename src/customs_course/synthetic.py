"""Synthetic copies of a table, and how close they come to the real records (lesson L3-06).

- :func:`fit_gaussian_copula` and :func:`sample_gaussian_copula`: a Gaussian copula keeps each
  column's distribution (its empirical marginal) and the rank correlations between columns.
  Each column is turned into normal scores through its ranks, the normals' correlation matrix is
  estimated, new rows are drawn from a multivariate normal with that correlation and mapped
  back through each column's empirical quantiles. It keeps pairwise, monotone dependence; it
  does not keep interactions (a price that is low *for its HS code*), nor rare combinations.
  Reference: Patki, Wedge and Veeramachaneni (2016), *The Synthetic Data Vault*, IEEE DSAA.
- :func:`distance_to_closest_record` (DCR): for each record, the distance to its nearest
  original record on standardised columns. Compare a synthetic file's DCR with that of real
  records held out of the synthesizer's training (the holdout baseline of Platzer and
  Reutterer, 2021): synthetic records much closer than held-out real ones were copied.

Missing values: a column with missing values gets a companion "is missing" column inside the
copula, so the share of missing values and its links to the other columns are kept too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

__all__ = ["GaussianCopula", "fit_gaussian_copula", "sample_gaussian_copula",
           "distance_to_closest_record"]

_MISSING = " is missing"


@dataclass(frozen=True)
class GaussianCopula:
    """A fitted Gaussian copula: the columns, their empirical marginals and the correlation."""

    columns: tuple[str, ...]
    dtypes: dict[str, np.dtype]
    marginals: dict[str, np.ndarray]  # sorted observed values of each copula column
    correlation: np.ndarray  # of the underlying normals, copula columns in order

    @property
    def copula_columns(self) -> tuple[str, ...]:
        return tuple(self.marginals)


def _numeric_frame(data: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    if len(data) < 2:
        raise ValueError(f"a copula needs at least 2 rows to learn from, got {len(data)}")
    not_numeric = [c for c in data.columns
                   if not (pd.api.types.is_numeric_dtype(data[c])
                           or pd.api.types.is_bool_dtype(data[c]))]
    if not_numeric:
        raise ValueError(f"columns {not_numeric} are not numeric: encode categories as codes "
                         "first (for example `series.cat.codes`)")
    frame = data.astype(float)
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise ValueError(f"columns {empty} hold no value at all: drop them before fitting")
    infinite = [c for c in frame.columns if np.isinf(frame[c]).any()]
    if infinite:
        raise ValueError(f"columns {infinite} hold infinite values: replace them by NaN "
                         "(missing) or drop those rows")
    return frame


def _normal_scores(values: np.ndarray) -> np.ndarray:
    """Normal scores: each value's mean of a standard normal over its slice of the ranks.

    Tied values share one slice (a 0/1 column has two), so the score of a tie is the mean of
    the normal over that slice, E[Z | slice]; distinct values get one slice each.
    """
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts) / len(values)
    lower = upper - counts / len(values)
    with np.errstate(divide="ignore"):
        density_drop = stats.norm.pdf(stats.norm.ppf(lower)) - stats.norm.pdf(stats.norm.ppf(upper))
    return (density_drop / (upper - lower))[inverse]


def _latent_correlation(scores: np.ndarray) -> np.ndarray:
    """The correlation of the underlying normals, from the correlation of the normal scores.

    Scores of a column with ties (a 0/1 flag, heaped values) vary less than the normal behind
    them, which damps every correlation with that column by the scores' standard deviation (to
    first order; exactly against a column without ties). Dividing by the two standard
    deviations undoes the damping; otherwise a copula would keep only about half the link
    between a rare flag (such as fraud) and the other columns. The result is then made a
    valid correlation matrix again (positive semi-definite, unit diagonal).
    """
    spread = scores.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.corrcoef(scores, rowvar=False)
        latent = observed / np.outer(spread, spread)
    latent = np.atleast_2d(np.nan_to_num(latent, nan=0.0))  # constant columns: no link
    latent = np.clip(latent, -0.999, 0.999)
    np.fill_diagonal(latent, 1.0)
    eigenvalues, eigenvectors = np.linalg.eigh(latent)
    latent = (eigenvectors * np.clip(eigenvalues, 1e-6, None)) @ eigenvectors.T
    scale = np.sqrt(np.diag(latent))
    return latent / np.outer(scale, scale)


def fit_gaussian_copula(data: pd.DataFrame) -> GaussianCopula:
    """Learn a Gaussian copula from the numeric (or boolean) columns of ``data``.

    Missing values (NaN) are allowed: each column that has them gets a 0/1 "is missing"
    companion, and its missing rows get the median normal score (0) for the correlation.
    """
    frame = _numeric_frame(data)
    expanded: dict[str, np.ndarray] = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        missing = np.isnan(values)
        expanded[column] = values
        if missing.any():
            expanded[column + _MISSING] = missing.astype(float)
    scores = []
    for values in expanded.values():
        present = ~np.isnan(values)
        score = np.zeros(len(values))
        score[present] = _normal_scores(values[present])
        scores.append(score)
    correlation = _latent_correlation(np.column_stack(scores))
    marginals = {name: np.sort(values[~np.isnan(values)]) for name, values in expanded.items()}
    return GaussianCopula(columns=tuple(data.columns),
                          dtypes={c: data[c].dtype for c in data.columns},
                          marginals=marginals, correlation=correlation)


def sample_gaussian_copula(copula: GaussianCopula, n_rows: int, *,
                           random_state: int | np.random.Generator | None = None) -> pd.DataFrame:
    """Draw ``n_rows`` synthetic rows from a fitted copula, with the original columns and dtypes.

    Every value drawn is one of the values the column had (its empirical quantile), so each
    column's distribution is kept, extremes included.
    """
    if not isinstance(n_rows, (int, np.integer)) or n_rows < 1:
        raise ValueError(f"n_rows must be a whole number of at least 1, got {n_rows!r}")
    rng = np.random.default_rng(random_state)
    # eigh rather than Cholesky: a correlation of tied or collinear columns may be singular
    eigenvalues, eigenvectors = np.linalg.eigh(copula.correlation)
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    normal = rng.standard_normal((n_rows, len(copula.marginals))) @ root.T
    uniform = stats.norm.cdf(normal)
    drawn = {name: np.quantile(copula.marginals[name], uniform[:, i], method="inverted_cdf")
             for i, name in enumerate(copula.copula_columns)}
    out = {}
    for column in copula.columns:
        values = drawn[column].astype(float)
        if column + _MISSING in drawn:
            values[drawn[column + _MISSING] == 1.0] = np.nan
        dtype = copula.dtypes[column]
        out[column] = values if np.isnan(values).any() else values.astype(dtype)
    return pd.DataFrame(out)


def distance_to_closest_record(records: pd.DataFrame, originals: pd.DataFrame,
                               columns: list[str]) -> np.ndarray:
    """Euclidean distance from each of ``records`` to its nearest row of ``originals``.

    The ``columns`` are standardised with the originals' mean and standard deviation (a column
    the originals hold constant is left unscaled), and a missing value is put at the mean (0),
    so that no column weighs more for its unit. A distance of 0 is an exact copy.
    """
    for name, frame in (("records", records), ("originals", originals)):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ValueError(f"{name} lack the columns {absent}")
    if len(originals) == 0 or len(records) == 0:
        raise ValueError("both records and originals need at least one row")
    reference = originals[columns].astype(float)
    mean = reference.mean()
    spread = reference.std(ddof=0).replace(0.0, 1.0).fillna(1.0)

    def standardise(frame: pd.DataFrame) -> np.ndarray:
        return ((frame[columns].astype(float) - mean) / spread).fillna(0.0).to_numpy()

    distances, _ = cKDTree(standardise(originals)).query(standardise(records), k=1)
    return distances
