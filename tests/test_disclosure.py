"""Do the disclosure-control rules hold back the cells a hand count says they should?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.disclosure import (
    cell_statistics,
    dominance_rule,
    information_loss,
    k_anonymity,
    primary_suppression,
    records_at_risk,
    revealed_cells,
    secondary_suppression,
    threshold_rule,
    with_totals,
)

# Declaration lines of a tiny country. Cells are chapter x mode; importers are the contributors.
#   85/sea: I1 50 (two lines, 30 + 20), I2 30, I3 20 -> 100, 3 importers, largest 50%: safe
#   85/air: I1 10, I4 90                            -> 100, 2 importers: threshold
#   61/sea: I5 80, I6 10, I7 10                     -> 100, 3 importers, largest 80%: dominance
#   61/air: I1, I2, I3, I4 5 each                   ->  20, 4 importers, largest 25%: safe
LINES = pd.DataFrame(
    [
        ("85", "sea", "I1", 30.0), ("85", "sea", "I1", 20.0), ("85", "sea", "I2", 30.0),
        ("85", "sea", "I3", 20.0), ("85", "air", "I1", 10.0), ("85", "air", "I4", 90.0),
        ("61", "sea", "I5", 80.0), ("61", "sea", "I6", 10.0), ("61", "sea", "I7", 10.0),
        ("61", "air", "I1", 5.0), ("61", "air", "I2", 5.0), ("61", "air", "I3", 5.0),
        ("61", "air", "I4", 5.0),
    ],
    columns=["chapter", "mode", "importer", "value"],
)


@pytest.fixture
def cells() -> pd.DataFrame:
    return cell_statistics(LINES, by=["chapter", "mode"], contributor="importer", value="value")


def test_does_cell_statistics_add_up_each_importers_lines_before_ranking(cells):
    assert cells.loc[("85", "sea")].to_dict() == {
        "value": 100.0, "contributors": 3, "top_1": 50.0, "top_2": 30.0}
    assert cells.loc[("85", "air"), "top_1"] == 90.0
    assert cells.loc[("61", "air"), "value"] == 20.0
    assert len(cells) == 4


def test_is_a_missing_second_contributor_a_zero():
    one = cell_statistics(LINES.iloc[:1], by="chapter", contributor="importer", value="value")
    assert one.loc["85", "top_2"] == 0.0 and one.loc["85", "contributors"] == 1


def test_does_the_threshold_rule_flag_one_and_two_traders_but_not_empty_cells():
    flagged = threshold_rule(pd.Series([0, 1, 2, 3, 10]), min_contributors=3)
    assert flagged.tolist() == [False, True, True, False, False]


def test_does_the_dominance_rule_flag_a_cell_held_by_one_large_importer(cells):
    assert dominance_rule(cells, n=1, k=75).to_dict() == {
        ("61", "air"): False, ("61", "sea"): True, ("85", "air"): True, ("85", "sea"): False}
    # (2, 85): 85/sea's two largest hold 80%: safe; 61/sea's hold 90%: flagged.
    two = dominance_rule(cells, n=2, k=85)
    assert two[("61", "sea")] and not two[("85", "sea")]


def test_does_primary_suppression_combine_both_rules(cells):
    held = primary_suppression(cells, min_contributors=3, n=1, k=75)
    assert sorted(held[held].index) == [("61", "sea"), ("85", "air")]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: threshold_rule(c["contributors"], min_contributors=1), ValueError),
        (lambda c: dominance_rule(c, n=0), ValueError),
        (lambda c: dominance_rule(c, k=120), ValueError),
        (lambda c: dominance_rule(c, n=3), KeyError),  # only top_1 and top_2 were kept
        (lambda c: primary_suppression(c.drop(columns="contributors")), KeyError),
    ],
)
def test_do_bad_rule_parameters_raise_clear_errors(cells, call, error):
    with pytest.raises(error):
        call(cells)


def test_does_cell_statistics_refuse_negative_or_missing_values_and_unknown_columns():
    negative = LINES.assign(value=LINES["value"] - 40)
    with pytest.raises(ValueError, match="negative"):
        cell_statistics(negative, by="chapter", contributor="importer", value="value")
    missing = LINES.assign(value=LINES["value"].where(LINES.index > 0))
    with pytest.raises(ValueError, match="missing"):
        cell_statistics(missing, by="chapter", contributor="importer", value="value")
    with pytest.raises(KeyError, match="importer_id"):
        cell_statistics(LINES, by="chapter", contributor="importer_id", value="value")


# A two-way table with its totals:
#          a    b    c | Total
#   x     20   30   50 |  100
#   y      5   40   55 |  100
#   z     25   30    0 |   55
#   Total 50  100  105 |  255
TABLE = pd.DataFrame({"a": [20.0, 5, 25], "b": [30.0, 40, 30], "c": [50.0, 55, 0]},
                     index=["x", "y", "z"])


def mask(table: pd.DataFrame, *cells: tuple) -> pd.DataFrame:
    out = pd.DataFrame(False, index=table.index, columns=table.columns)
    for cell in cells:
        out.at[cell] = True
    return out


def test_does_with_totals_add_a_total_row_and_column():
    full = with_totals(TABLE)
    assert full.loc["Total"].tolist() == [50.0, 100.0, 105.0, 255.0]
    assert full["Total"].tolist() == [100.0, 100.0, 55.0, 255.0]


def test_does_a_total_reveal_the_only_suppressed_cell_of_its_row():
    full = with_totals(TABLE)
    # Hiding y/a alone: 100 - 40 - 55 = 5 gives it back.
    assert revealed_cells(full, mask(full, ("y", "a"))) == [("y", "a")]


def test_is_a_chain_of_subtractions_found():
    full = with_totals(TABLE)
    # Row y reveals y/b; then column b's only hidden cell is x/b, and row x gives x/a.
    held = mask(full, ("x", "a"), ("x", "b"), ("y", "b"))
    assert set(revealed_cells(full, held)) == {("x", "a"), ("x", "b"), ("y", "b")}


def test_does_a_rectangle_of_four_suppressed_cells_reveal_nothing():
    full = with_totals(TABLE)
    held = mask(full, ("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"))
    assert revealed_cells(full, held) == []


def test_does_secondary_suppression_complete_the_hand_computed_pattern():
    full = with_totals(TABLE)
    held = secondary_suppression(full, mask(full, ("y", "a")), protection=0.1)
    # Row y: the smallest cell of at least 10% of 5 is b (40); column a: x (20); column b: x (30).
    expected = mask(full, ("y", "a"), ("y", "b"), ("x", "a"), ("x", "b"))
    pd.testing.assert_frame_equal(held, expected)
    assert revealed_cells(full, held) == []


def test_does_the_protection_share_refuse_a_tiny_complement():
    table = pd.DataFrame({"a": [100.0, 1.0], "b": [1.0, 50.0], "c": [50.0, 60.0]},
                         index=["x", "y"])
    full = with_totals(table)
    protected = secondary_suppression(full, mask(full, ("x", "a")), protection=0.1)
    assert protected.at["x", "c"] and not protected.at["x", "b"]
    careless = secondary_suppression(full, mask(full, ("x", "a")), protection=0.0)
    assert careless.at["x", "b"]  # x/a is then known to be at most 101: within 1%


def test_is_a_total_suppressed_when_its_row_has_no_other_cell():
    table = pd.DataFrame({"a": [10.0, 20.0, 5.0], "b": [0.0, 30.0, 25.0]}, index=["x", "y", "z"])
    full = with_totals(table)
    held = secondary_suppression(full, mask(full, ("x", "a")))
    assert held.at["x", "Total"], "row x's total equals its only cell: it must be held back"
    assert not held.at["Total", "Total"]
    assert revealed_cells(full, held) == []


def test_does_information_loss_count_cells_and_value():
    full = with_totals(TABLE)
    held = mask(full, ("y", "a"), ("y", "b"), ("x", "a"), ("x", "b"))
    loss = information_loss(full, held)
    assert loss["cells"] == pytest.approx(4 / 8)  # z/c is empty: 8 non-empty cells
    assert loss["value"] == pytest.approx(95 / 255)


@pytest.mark.parametrize(
    ("table", "held", "message"),
    [
        (TABLE, mask(TABLE, ("y", "a")), "Total"),  # no totals
        (with_totals(TABLE).assign(a=lambda t: t["a"] + 1), None, "add up"),
        (with_totals(TABLE), mask(TABLE, ("y", "a")), "rows and columns"),
    ],
)
def test_do_bad_tables_raise_clear_errors(table, held, message):
    held = mask(table, ("y", "a")) if held is None else held
    with pytest.raises(ValueError, match=message):
        revealed_cells(table, held)


def test_is_a_mask_of_numbers_refused():
    full = with_totals(TABLE)
    with pytest.raises(TypeError, match="True"):
        secondary_suppression(full, mask(full, ("y", "a")).astype(int))


# Microdata with quasi-identifiers office, chapter and month.
RECORDS = pd.DataFrame({
    "office": ["OF1", "OF1", "OF1", "OF2", "OF2", "OF3"],
    "chapter": ["85", "85", "85", "61", "61", "30"],
    "month": [1, 1, 1, 2, 2, 3],
    "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
})


def test_is_k_the_size_of_the_smallest_group():
    assert k_anonymity(RECORDS, ["office", "chapter", "month"]) == 1
    assert k_anonymity(RECORDS.iloc[:5], ["office", "chapter"]) == 2
    assert k_anonymity(RECORDS.iloc[:3], "office") == 3


def test_are_the_records_in_small_groups_flagged():
    at_risk = records_at_risk(RECORDS, ["office", "chapter", "month"], k=3)
    assert at_risk.tolist() == [False, False, False, True, True, True]


def test_does_a_missing_value_form_a_group_of_its_own():
    records = RECORDS.assign(month=[1, 1, np.nan, 2, 2, 3])
    assert records_at_risk(records, ["office", "month"], k=2).tolist() == [
        False, False, True, False, False, True]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: k_anonymity(RECORDS, []), ValueError),
        (lambda: k_anonymity(RECORDS, ["hs6"]), KeyError),
        (lambda: k_anonymity(RECORDS.iloc[:0], ["office"]), ValueError),
        (lambda: records_at_risk(RECORDS, ["office"], k=1), ValueError),
    ],
)
def test_does_k_anonymity_refuse_bad_input(call, error):
    with pytest.raises(error):
        call()
