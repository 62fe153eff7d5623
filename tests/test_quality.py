"""Can every planted data-quality problem be found as documented, and is the damage repeatable?"""

from __future__ import annotations

import pandas as pd
import pytest

from customs_course.datasets import load_dataset
from customs_course.quality import (
    DEFAULT_RATES,
    IMPOSSIBLE_COLUMNS,
    MISSING_COLUMNS,
    PROBLEMS,
    add_quality_problems,
)


@pytest.fixture(scope="module")
def declarations():
    return load_dataset("declarations", edition="small")


@pytest.fixture(scope="module")
def damaged(declarations):
    return add_quality_problems(declarations, random_state=7)


def planted(problems: pd.DataFrame, problem: str, column: str | None = None) -> set[int]:
    rows = problems[problems["problem"] == problem]
    if column is not None:
        rows = rows[rows["column"] == column]
    return set(rows["row"])


def found(mask: pd.Series) -> set[int]:
    return set(mask.index[mask.fillna(False).astype(bool)])


def read_dates(dirty: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(dirty["lodgement_date"], format="%Y-%m-%d", errors="coerce")


def test_are_the_duplicates_the_lines_that_duplicated_marks(damaged):
    dirty, problems = damaged
    assert found(dirty.duplicated()) == planted(problems, "duplicate")
    for row in planted(problems, "duplicate"):  # each copy sits just after its original
        assert dirty.loc[row].equals(dirty.loc[row - 1])


@pytest.mark.parametrize("column", MISSING_COLUMNS)
def test_are_the_missing_values_the_planted_ones(damaged, column):
    dirty, problems = damaged
    assert found(dirty[column].isna()) == planted(problems, "missing", column)


#: A code with this many lines has a median that one line in grams cannot move (calibration's
#: thin-code threshold); in thinner codes the median can be the line in grams itself, so the
#: rule cannot see it: the level 2 lesson and the data-quality assignment say so.
REFERENCE_LINES = 20


def grams_found_and_checkable(dirty: pd.DataFrame, problems: pd.DataFrame):
    """Lines flagged by the median rule; planted lines in codes with a usable median."""
    positive = dirty["quantity"] > 0
    per_unit = (dirty["net_mass_kg"] / dirty["quantity"])[positive]
    ratio = per_unit / per_unit.groupby(dirty["hs6"], observed=True).transform("median")
    lines_of_code = dirty.groupby("hs6", observed=True)["hs6"].transform("size")
    checkable = {row for row in planted(problems, "grams_not_kg")
                 if lines_of_code[row] >= REFERENCE_LINES}
    return set(ratio.index[ratio > 100]), checkable


def test_are_masses_in_grams_found_against_the_median_of_their_hs_code(damaged):
    flagged, checkable = grams_found_and_checkable(*damaged)
    assert checkable, "no planted line in grams sits in a code with a usable median"
    assert checkable <= flagged <= planted(damaged[1], "grams_not_kg")


@pytest.mark.parametrize("seed", [0, 2, 31, 2022])
def test_does_the_grams_check_hold_for_other_seeds(declarations, seed):
    dirty, problems = add_quality_problems(declarations, random_state=seed)
    flagged, checkable = grams_found_and_checkable(dirty, problems)
    assert checkable <= flagged <= planted(problems, "grams_not_kg")


@pytest.mark.parametrize("column", IMPOSSIBLE_COLUMNS)
def test_are_impossible_values_zero_or_negative(damaged, column):
    dirty, problems = damaged
    assert found(dirty[column] <= 0) == planted(problems, "impossible_value", column)


def test_are_dates_outside_the_period_and_unreadable_dates_found(declarations, damaged):
    dirty, problems = damaged
    dates = read_dates(dirty)
    first, last = declarations["lodgement_date"].min(), declarations["lodgement_date"].max()
    assert found(dates.isna()) == planted(problems, "date_unparseable")
    assert found((dates < first) | (dates > last)) == planted(problems, "date_outside_period")


def test_is_cif_below_fob_found_by_comparing_the_two_values(damaged):
    dirty, problems = damaged
    below = dirty["customs_value"] < dirty["fob_value"]
    assert found(below) == planted(problems, "cif_below_fob")


def test_does_each_problem_get_its_share_of_lines_and_each_line_at_most_one(declarations,
                                                                           damaged):
    dirty, problems = damaged
    counts = problems["problem"].value_counts()
    for problem in PROBLEMS:
        assert counts[problem] == round(DEFAULT_RATES[problem] * len(declarations)), problem
    assert len(dirty) == len(declarations) + counts["duplicate"]
    assert problems["row"].is_unique
    assert list(problems.columns) == ["row", "column", "problem"]
    assert problems["row"].is_monotonic_increasing


def test_are_the_undamaged_lines_left_as_they_were(declarations, damaged):
    dirty, problems = damaged
    originals = dirty.drop(index=sorted(planted(problems, "duplicate")))
    clean = ~originals.index.isin(problems["row"])
    expected = declarations.assign(
        lodgement_date=declarations["lodgement_date"].dt.strftime("%Y-%m-%d").astype(str)
    )
    pd.testing.assert_frame_equal(
        originals.reset_index(drop=True)[clean], expected[clean]
    )


def test_does_the_same_seed_give_the_same_result(declarations, damaged):
    dirty, problems = add_quality_problems(declarations, random_state=7)
    pd.testing.assert_frame_equal(dirty, damaged[0])
    pd.testing.assert_frame_equal(problems, damaged[1])
    other_dirty, other_problems = add_quality_problems(declarations, random_state=8)
    assert not other_problems.equals(problems)


def test_is_the_input_left_unchanged(declarations):
    before = declarations.copy()
    add_quality_problems(declarations, random_state=1)
    pd.testing.assert_frame_equal(declarations, before)


def test_do_rates_change_only_the_problems_they_name(declarations):
    dirty, problems = add_quality_problems(
        declarations, random_state=3, rates={p: 0.0 for p in PROBLEMS} | {"missing": 0.03}
    )
    assert set(problems["problem"]) == {"missing"}
    assert len(problems) == 300 and len(dirty) == len(declarations)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rates": {"typo": 0.1}}, ValueError, "unknown problem"),
        ({"rates": {"missing": 1.5}}, ValueError, "between 0 and"),
        ({"rates": {"missing": -0.1}}, ValueError, "between 0 and"),
        ({"rates": {"missing": "a lot"}}, ValueError, "must be a number"),
        ({"rates": {p: 0.1 for p in PROBLEMS}}, ValueError, "add up to"),
        ({"rates": [0.1]}, TypeError, "mapping"),
        ({"random_state": -1}, ValueError, "0 or more"),
        ({"random_state": 1.5}, TypeError, "whole number"),
    ],
)
def test_are_bad_arguments_refused_with_a_clear_message(declarations, kwargs, error, message):
    with pytest.raises(error, match=message):
        add_quality_problems(declarations, **kwargs)


def test_are_bad_tables_refused_with_a_clear_message(declarations, damaged):
    with pytest.raises(TypeError, match="DataFrame"):
        add_quality_problems(declarations.to_dict())
    with pytest.raises(ValueError, match="lacks the column"):
        add_quality_problems(declarations.drop(columns="fob_value"))
    with pytest.raises(ValueError, match="datetime64"):
        add_quality_problems(damaged[0])
