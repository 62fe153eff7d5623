"""What a targeting method finds at an inspection budget: precision, recall and revenue at k.

A risk score ranks declarations (higher = riskier); Customs controls the ``k`` riskiest ones.
These functions say how good that selection is, against the truth of the sandbox (or of a
random audit sample):

- :func:`precision_at_k`: the share of the ``k`` selected that are irregular (the hit rate of
  the selection);
- :func:`recall_at_k`: the share of all irregular rows that are among the ``k`` selected;
- :func:`revenue_at_k`: the share of all revenue at risk that is in the ``k`` selected.

``k`` is either a **count** or a **fraction** of the rows, told apart by its type:

- an ``int`` (Python or numpy) is a number of rows, from 1 to the number of rows;
- a ``float`` is a fraction of the rows, greater than 0 and at most 1; the number of rows
  selected is ``k x n`` rounded to the nearest whole number (halves up), and at least 1.

So ``k=100`` selects 100 rows and ``k=0.1`` selects 10% of them; ``k=1`` selects one row while
``k=1.0`` selects them all.

Ties are broken deterministically: rows with equal scores are taken in their order in the
input (a stable sort), so the same inputs always give the same selection. Scores must be finite
numbers; a missing score is an error rather than a silent "least risky". Every refusal of bad
values says how many rows hold them and the position of the first.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["n_selected", "top_k", "precision_at_k", "recall_at_k", "revenue_at_k"]


def n_selected(k: int | float, n_rows: int) -> int:
    """Return how many of ``n_rows`` rows a budget ``k`` selects (see the module's docstring).

    Raises
    ------
    TypeError
        If ``k`` is not a number (or is a bool).
    ValueError
        If there are no rows, or ``k`` is out of range: a count below 1 or above ``n_rows``, a
        fraction not in (0, 1].
    """
    if n_rows < 1:
        raise ValueError("there are no rows to select from")
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, Real):
        raise TypeError(
            f"k should be a count (int) or a fraction of the rows (float), got {type(k).__name__}"
        )
    if isinstance(k, Integral):
        if not 1 <= k <= n_rows:
            raise ValueError(f"k = {k} rows is out of range: choose between 1 and {n_rows}")
        return int(k)
    if not (math.isfinite(k) and 0 < k <= 1):
        raise ValueError(
            f"k = {k} is out of range for a fraction of the rows: choose 0 < k <= 1 "
            "(give a count of rows as an int)"
        )
    return max(1, math.floor(k * n_rows + 0.5))


def _where(bad: np.ndarray) -> str:
    """'N rows (first: position i)' for a boolean mask of bad rows."""
    count = int(bad.sum())
    return f"{count} row{'s' if count != 1 else ''} (first: position {int(np.argmax(bad))})"


def _scores(scores) -> np.ndarray:
    values = np.asarray(scores)
    if values.ndim != 1:
        raise ValueError(f"scores should be one-dimensional, got shape {values.shape}")
    if len(values) == 0:
        raise ValueError("scores is empty: there are no rows to select from")
    try:
        values = values.astype(float)
    except (TypeError, ValueError):
        raise TypeError("scores should be numbers (higher = riskier)") from None
    if not np.isfinite(values).all():
        raise ValueError(f"scores hold missing or infinite values in {_where(~np.isfinite(values))}"
                         "; score every row (fill a missing score with a value that says how "
                         "risky an unscored line is)")
    return values


def _same_length(name: str, values: np.ndarray, scores: np.ndarray) -> None:
    if values.ndim != 1 or len(values) != len(scores):
        raise ValueError(
            f"{name} and scores should have the same length, got {len(values)} and {len(scores)}"
        )


def _labels(y_true, scores: np.ndarray) -> np.ndarray:
    labels = np.asarray(y_true)
    _same_length("y_true", labels, scores)
    try:
        as_float = labels.astype(float)
    except (TypeError, ValueError):
        raise TypeError("y_true should hold True/False or 1/0 values") from None
    if not np.isin(as_float, (0.0, 1.0)).all():
        bad = ~np.isin(as_float, (0.0, 1.0))
        raise ValueError(f"y_true should hold only True/False or 1/0 values; {_where(bad)} "
                         f"hold something else, such as {labels[bad][0]!r}")
    return as_float.astype(bool)


def top_k(scores, k: int | float) -> np.ndarray:
    """Return a boolean mask of the ``k`` rows with the highest scores.

    Ties are taken in input order (stable sort), so the selection is reproducible.

    Examples
    --------
    >>> top_k([0.2, 0.9, 0.5, 0.9], 2).tolist()
    [False, True, False, True]
    >>> top_k([0.2, 0.9, 0.5, 0.9], 0.25).tolist()
    [False, True, False, False]
    """
    values = _scores(scores)
    count = n_selected(k, len(values))
    order = np.argsort(-values, kind="stable")
    mask = np.zeros(len(values), dtype=bool)
    mask[order[:count]] = True
    return mask


def precision_at_k(y_true, scores, k: int | float) -> float:
    """Share of the ``k`` highest-scored rows that are irregular (``y_true`` true).

    Parameters
    ----------
    y_true : array-like of bool or 0/1
        Whether each row is irregular.
    scores : array-like of float
        Risk score of each row, higher = riskier.
    k : int or float
        A count of rows (int) or a fraction of the rows (float in (0, 1]).

    Examples
    --------
    >>> precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], 2)
    0.5
    """
    values = _scores(scores)
    labels = _labels(y_true, values)
    return float(labels[top_k(values, k)].mean())


def recall_at_k(y_true, scores, k: int | float) -> float:
    """Share of all irregular rows that are among the ``k`` highest-scored rows.

    Raises
    ------
    ValueError
        If no row is irregular (recall is then undefined), or on bad input as for
        :func:`precision_at_k`.

    Examples
    --------
    >>> recall_at_k([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], 2)
    0.5
    """
    values = _scores(scores)
    labels = _labels(y_true, values)
    total = labels.sum()
    if total == 0:
        raise ValueError("no row is irregular (y_true is all false): recall is undefined")
    return float(labels[top_k(values, k)].sum() / total)


def revenue_at_k(revenue, scores, k: int | float) -> float:
    """Share of the total revenue at risk that lies in the ``k`` highest-scored rows.

    Parameters
    ----------
    revenue : array-like of float
        Revenue at risk of each row (duties and taxes evaded; 0 for an honest row), >= 0.
    scores, k
        As for :func:`precision_at_k`.

    Raises
    ------
    ValueError
        If a revenue is negative or missing, if the total revenue at risk is 0 (the share is
        then undefined), or on bad scores or k.

    Examples
    --------
    >>> revenue_at_k([100.0, 0.0, 300.0, 0.0], [0.9, 0.8, 0.7, 0.1], 2)
    0.25
    """
    values = _scores(scores)
    amounts = np.asarray(revenue)
    _same_length("revenue", amounts, values)
    try:
        amounts = amounts.astype(float)
    except (TypeError, ValueError):
        raise TypeError("revenue should hold numbers (revenue at risk of each row)") from None
    if not np.isfinite(amounts).all():
        raise ValueError(f"revenue holds missing or infinite values in "
                         f"{_where(~np.isfinite(amounts))}; use 0 for an honest row")
    if (amounts < 0).any():
        raise ValueError(f"revenue at risk cannot be negative; it is in {_where(amounts < 0)}")
    total = amounts.sum()
    if total == 0:
        raise ValueError("the total revenue at risk is 0: revenue at k is undefined")
    return float(amounts[top_k(values, k)].sum() / total)
