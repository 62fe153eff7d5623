"""Do precision, recall and revenue at an inspection budget give the hand-computed answers?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.metrics import (
    n_selected,
    precision_at_k,
    recall_at_k,
    revenue_at_k,
    top_k,
)

# Ten declarations, scored from riskiest (row 0) to least risky (row 9). Irregular: rows 0, 2, 5
# and 9; revenue at risk 100, 300, 50 and 50 on them (500 in all).
SCORES = [0.95, 0.90, 0.80, 0.70, 0.60, 0.50, 0.40, 0.30, 0.20, 0.10]
FRAUD = [1, 0, 1, 0, 0, 1, 0, 0, 0, 1]
REVENUE = [100.0, 0, 300.0, 0, 0, 50.0, 0, 0, 0, 50.0]


@pytest.mark.parametrize(
    ("k", "precision", "recall", "revenue"),
    [
        (1, 1.0, 0.25, 0.2),       # row 0 only
        (3, 2 / 3, 0.5, 0.8),      # rows 0-2: two frauds, 100 + 300 of 500
        (0.3, 2 / 3, 0.5, 0.8),    # 30% of 10 rows = 3 rows, the same selection
        (6, 0.5, 0.75, 0.9),       # rows 0-5: three frauds, 450 of 500
        (10, 0.4, 1.0, 1.0),       # everything: precision is the base rate
        (1.0, 0.4, 1.0, 1.0),      # a fraction of 1.0 is every row, not one row
    ],
)
def test_do_the_metrics_give_the_hand_computed_values(k, precision, recall, revenue):
    assert precision_at_k(FRAUD, SCORES, k) == pytest.approx(precision)
    assert recall_at_k(FRAUD, SCORES, k) == pytest.approx(recall)
    assert revenue_at_k(REVENUE, SCORES, k) == pytest.approx(revenue)


def test_can_a_metric_fail_a_bad_ranking():
    """A ranking that puts the frauds last scores zero: the metrics are not always kind."""
    reversed_scores = [-s for s in SCORES]  # rows 9, 8, 7 first: only row 9 is irregular
    assert precision_at_k(FRAUD, reversed_scores, 3) == pytest.approx(1 / 3)
    assert recall_at_k(FRAUD, reversed_scores, 2) == pytest.approx(0.25)
    assert revenue_at_k(REVENUE, reversed_scores, 2) == pytest.approx(0.1)
    assert precision_at_k([0, 0, 0, 1], [4, 3, 2, 1], 2) == 0.0
    assert revenue_at_k([0, 0, 0, 10.0], [4, 3, 2, 1], 3) == 0.0


def test_does_the_order_of_rows_not_matter_when_scores_differ():
    order = np.random.default_rng(0).permutation(len(SCORES))
    shuffle = lambda values: np.asarray(values)[order]  # noqa: E731
    assert precision_at_k(shuffle(FRAUD), shuffle(SCORES), 3) == pytest.approx(2 / 3)
    assert revenue_at_k(shuffle(REVENUE), shuffle(SCORES), 6) == pytest.approx(0.9)


def test_are_ties_broken_by_input_order_every_time():
    scores = [0.5, 0.9, 0.5, 0.5, 0.1]
    assert top_k(scores, 2).tolist() == [True, True, False, False, False]
    assert top_k(scores, 3).tolist() == [True, True, True, False, False]
    # The same tie, two orders of rows: the first row of the tie is taken.
    assert precision_at_k([1, 0, 0, 0, 0], scores, 2) == 0.5
    assert precision_at_k([0, 0, 1, 0, 0], scores, 2) == 0.0
    assert all(top_k(scores, 3).tolist() == top_k(scores, 3).tolist() for _ in range(5))


def test_are_ties_broken_by_input_order_in_a_tie_too_large_for_any_sort_to_hide():
    """500 rows share one score, mixed with others: numpy's quicksort reorders such a tie.

    With fewer than 17 tied rows every numpy sort keeps input order (insertion sort), so a
    small tie cannot tell a stable sort from an unstable one; this one can.
    """
    rng = np.random.default_rng(0)
    scores = rng.choice([0.2, 0.5, 0.9], size=1500, p=[0.3, 0.4, 0.3])
    tied = np.flatnonzero(scores == 0.5)
    above = int((scores > 0.5).sum())
    count = above + 100  # the budget cuts through the tie
    # Guard: the unstable sort really does break this tie out of input order.
    unstable = np.argsort(-scores, kind="quicksort")[above:count]
    assert not np.array_equal(np.sort(unstable), tied[:100])
    mask = top_k(scores, count)
    assert mask[scores > 0.5].all()
    assert np.flatnonzero(mask & (scores == 0.5)).tolist() == tied[:100].tolist()
    truth = np.zeros(len(scores), dtype=bool)
    truth[tied[:100]] = True
    assert precision_at_k(truth, scores, count) == pytest.approx(100 / count)


@pytest.mark.parametrize(
    ("k", "n_rows", "expected"),
    [(0.1, 1000, 100), (0.07, 100, 7), (0.05, 10, 1), (0.25, 2, 1), (0.15, 10, 2),
     (0.001, 10, 1), (1.0, 7, 7), (3, 7, 3), (np.int64(4), 7, 4), (np.float64(0.5), 8, 4)],
)
def test_is_a_fraction_turned_into_the_nearest_count(k, n_rows, expected):
    assert n_selected(k, n_rows) == expected


def test_do_pandas_and_boolean_inputs_work():
    frame = pd.DataFrame({"fraud": [True, False, True], "score": [0.2, 0.9, 0.5],
                          "revenue": [10.0, 0.0, 30.0]})
    assert precision_at_k(frame["fraud"], frame["score"], 2) == 0.5
    assert recall_at_k(frame["fraud"], frame["score"], 2) == 0.5
    assert revenue_at_k(frame["revenue"], frame["score"], 2) == 0.75


@pytest.mark.parametrize("k", [0, -1, 11, 0.0, -0.1, 1.5, float("nan"), float("inf")])
def test_is_a_budget_out_of_range_refused(k):
    with pytest.raises(ValueError, match="out of range"):
        precision_at_k(FRAUD, SCORES, k)


@pytest.mark.parametrize("k", [True, "10%", None, [3]])
def test_is_a_budget_that_is_not_a_number_refused(k):
    with pytest.raises(TypeError, match="count .* or a fraction"):
        recall_at_k(FRAUD, SCORES, k)


def test_is_a_length_mismatch_refused():
    with pytest.raises(ValueError, match="same length"):
        precision_at_k(FRAUD[:-1], SCORES, 3)
    with pytest.raises(ValueError, match="same length"):
        revenue_at_k(REVENUE + [0.0], SCORES, 3)


def test_are_bad_labels_scores_and_revenue_refused():
    with pytest.raises(ValueError, match="True/False or 1/0"):
        precision_at_k([2, 0, 1], [0.3, 0.2, 0.1], 1)
    with pytest.raises(ValueError, match="missing or infinite"):
        precision_at_k([1, 0, 1], [0.3, np.nan, 0.1], 1)
    with pytest.raises(TypeError, match="numbers"):
        precision_at_k([1, 0, 1], ["high", "low", "low"], 1)
    with pytest.raises(ValueError, match="empty"):
        precision_at_k([], [], 1)
    with pytest.raises(ValueError, match="negative"):
        revenue_at_k([10.0, -5.0], [0.5, 0.4], 1)
    with pytest.raises(ValueError, match="missing or infinite"):
        revenue_at_k([10.0, np.nan], [0.5, 0.4], 1)


def test_are_undefined_shares_refused_rather_than_made_up():
    with pytest.raises(ValueError, match="recall is undefined"):
        recall_at_k([0, 0, 0], [0.3, 0.2, 0.1], 1)
    with pytest.raises(ValueError, match="revenue at k is undefined"):
        revenue_at_k([0.0, 0.0], [0.5, 0.4], 1)
