"""Do the disclosure-control rules hold back the cells a hand count says they should?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.disclosure import (
    audit_suppression,
    cell_statistics,
    dominance_rule,
    information_loss,
    k_anonymity,
    p_percent_rule,
    primary_suppression,
    protection_levels,
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


def tops(rows: list[tuple]) -> pd.DataFrame:
    """Cells from (value, top_1, top_2, contributors) tuples."""
    return pd.DataFrame(rows, columns=["value", "top_1", "top_2", "contributors"])


def test_is_a_cell_at_exactly_k_percent_dominated_and_one_just_below_not():
    cells = tops([(100.0, 75.0, 5.0, 10), (100.0, 74.99, 5.0, 10)])
    assert dominance_rule(cells, n=1, k=75).tolist() == [True, False]
    # 55% of 100 is 55.00000000000001 in binary: the boundary must not depend on that rounding.
    assert dominance_rule(tops([(100.0, 55.0, 1.0, 10)]), n=1, k=55).tolist() == [True]
    assert dominance_rule(tops([(100.0, 30.0, 26.0, 10)]), n=2, k=56).tolist() == [True]


def test_is_a_cell_whose_rest_is_exactly_p_percent_of_the_largest_safe_and_just_below_not():
    # x1 = 100, x2 = 50, the rest 10 = 10% of x1: safe; the rest 9.99: sensitive.
    cells = tops([(160.0, 100.0, 50.0, 5), (159.99, 100.0, 50.0, 5)])
    assert p_percent_rule(cells, p=10).tolist() == [False, True]
    # 7% of 100 is 7.000000000000001 in binary: at exactly 7% the cell is still safe.
    assert p_percent_rule(tops([(157.0, 100.0, 50.0, 5)]), p=7).tolist() == [False]


def test_does_the_p_percent_rule_catch_two_large_importers_that_dominance_misses():
    # Two importers of 50 and 45 and a few small ones: the largest holds 50%, but the second
    # can estimate it within (100 - 95) / 50 = 10%.
    cells = tops([(100.0, 50.0, 45.0, 4)])
    assert not dominance_rule(cells, n=1, k=75).item()
    assert p_percent_rule(cells, p=15).item() and not p_percent_rule(cells, p=10).item()


def test_are_the_protection_levels_those_the_handbook_derives():
    cells = tops([
        (160.0, 100.0, 50.0, 5),  # p% (p=20): 20 - 10 = 10; dominance 100/75*100 - 160 < 0
        (100.0, 80.0, 5.0, 5),  # dominance: 100/75*80 - 100 = 6.667; p%: 20 - 15 = 5
        (50.0, 20.0, 20.0, 2),  # threshold: 10% of 50 = 5; p%: 4 - 10 < 0 (not flagged)
        (300.0, 100.0, 100.0, 5),  # safe: 0
    ])
    levels = protection_levels(cells, min_contributors=3, n=1, k=75, p=20)
    assert levels["sensitive"].tolist() == [True, True, True, False]
    assert levels["upper"].tolist() == pytest.approx([10.0, 100 / 75 * 80 - 100, 5.0, 0.0])
    assert levels["lower"].tolist() == levels["upper"].tolist()
    assert levels["rules"].tolist() == ["p%", "dominance, p%", "threshold", ""]
    assert primary_suppression(cells, p=20).tolist() == levels["sensitive"].tolist()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: threshold_rule(c["contributors"], min_contributors=1), ValueError),
        (lambda c: dominance_rule(c, n=0), ValueError),
        (lambda c: dominance_rule(c, k=120), ValueError),
        (lambda c: dominance_rule(c, n=3), KeyError),  # only top_1 and top_2 were kept
        (lambda c: p_percent_rule(c, p=0), ValueError),
        (lambda c: p_percent_rule(c.drop(columns="top_2")), KeyError),
        (lambda c: protection_levels(c, frequency_range=150), ValueError),
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


def test_does_information_loss_count_cells_and_value():
    full = with_totals(TABLE)
    held = mask(full, ("y", "a"), ("y", "b"), ("x", "a"), ("x", "b"))
    loss = information_loss(full, held)
    assert loss["cells"] == pytest.approx(4 / 8)  # z/c is empty: 8 non-empty cells
    assert loss["value"] == pytest.approx(95 / 255)


def levels_for(table: pd.DataFrame, sensitive: dict, contributors: dict | None = None,
               ) -> pd.DataFrame:
    """Protection levels for hand-made tables: {cell: upper level} for the sensitive cells."""
    inner = table.drop(index="Total", columns="Total").stack().rename("value")
    levels = inner.to_frame().assign(contributors=5, sensitive=False, rules="", lower=0.0,
                                     upper=0.0)
    for cell, level in sensitive.items():
        levels.loc[cell, ["sensitive", "rules", "lower", "upper"]] = [True, "hand", level, level]
    for cell, count in (contributors or {}).items():
        levels.loc[cell, "contributors"] = count
    return levels


# Row x holds two cells of one importer each (P in x/a, Q in x/b); the rest is many importers.
#          a    b    c | Total
#   x     40   60   30 |  130
#   y     20   25   35 |   80
#   z     30   20   40 |   90
#   Total 90  105  105 |  300
SINGLETONS = with_totals(pd.DataFrame({"a": [40.0, 20, 30], "b": [60.0, 25, 20],
                                       "c": [30.0, 35, 40]}, index=["x", "y", "z"]))
SINGLETON_LEVELS = levels_for(SINGLETONS, {("x", "a"): 4.0, ("x", "b"): 6.0},
                              {("x", "a"): 1, ("x", "b"): 1})


def test_do_two_one_importer_cells_in_a_row_give_each_other_away():
    # The old rule "every line has two suppressed cells or none" holds: nothing is recomputable
    # by subtraction, and the outsider's intervals are wide. But P knows x/a = 40, so it reads
    # x/b from the rectangle's totals, and Q reads x/a.
    held = mask(SINGLETONS, ("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"))
    assert revealed_cells(SINGLETONS, held) == []
    report = audit_suppression(SINGLETONS, held, SINGLETON_LEVELS).set_index(["row", "column"])
    assert report.loc[("x", "b"), ["lower", "upper"]].tolist() == pytest.approx([40.0, 85.0])
    assert report.loc[("x", "b"), ["insider_lower", "insider_upper"]].tolist() == pytest.approx(
        [60.0, 60.0])
    assert not report.loc[("x", "a"), "passed"] and not report.loc[("x", "b"), "passed"]
    assert report.loc[("y", "a"), "passed"], "a complementary cell needs no protection"


def test_does_secondary_suppression_protect_one_importer_cells_from_each_other():
    held = secondary_suppression(SINGLETONS, mask(SINGLETONS, ("x", "a"), ("x", "b")),
                                 SINGLETON_LEVELS)
    report = audit_suppression(SINGLETONS, held, SINGLETON_LEVELS)
    assert report["passed"].all(), report
    # x/c is the only other cell of row x: without it, P and Q can still subtract.
    assert held.at["x", "c"]
    assert not held.at["Total", "Total"]


# A dominant cell x/a: one importer holds 80 of its 100 (dominance (1, 75)), so its interval
# must reach 100/75 * 80 = 106.67. Held back in a rectangle with a tiny corner y/a, the totals
# bound it to [50, 102]: within 2% of the true value.
#          a    b    c | Total
#   x    100   12   40 |  152
#   y      2   50   30 |   82
#   z     30   20   25 |   75
#   Total 132  82   95 |  309
DOMINANT = with_totals(pd.DataFrame({"a": [100.0, 2, 30], "b": [12.0, 50, 20],
                                     "c": [40.0, 30, 25]}, index=["x", "y", "z"]))
DOMINANT_LEVELS = levels_for(DOMINANT, {("x", "a"): 100 / 75 * 80 - 100})


def test_does_the_audit_bound_a_dominant_cell_by_linear_programming():
    held = mask(DOMINANT, ("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"))
    assert revealed_cells(DOMINANT, held) == [], "no total reveals it exactly"
    report = audit_suppression(DOMINANT, held, DOMINANT_LEVELS)
    row = report.set_index(["row", "column"]).loc[("x", "a")]
    # Up by d: x/b and y/a go down by d, so d <= 2; down by d: y/b goes down, d <= 50.
    assert [row["lower"], row["upper"]] == pytest.approx([50.0, 102.0])
    assert row["required_upper"] == pytest.approx(6.6667, abs=1e-4)
    assert not row["passed"]
    assert report.iloc[0][["row", "column"]].tolist() == ["x", "a"], "failures come first"


def test_does_secondary_suppression_give_the_dominant_cell_its_protection():
    held = secondary_suppression(DOMINANT, mask(DOMINANT, ("x", "a")), DOMINANT_LEVELS)
    report = audit_suppression(DOMINANT, held, DOMINANT_LEVELS).set_index(["row", "column"])
    assert report["passed"].all(), report
    assert report.loc[("x", "a"), "upper"] >= 100 + 100 / 75 * 80 - 100 - 1e-9
    # The cheapest rectangle that is large enough: x/b (12), z/a (30), z/b (20) = 62, which
    # lets the cell move up by 12 and down by 20. The rectangles through y/a (2) are cheaper
    # but leave the cell within 2 of its value; the one through x/c and z/c costs 95.
    expected = mask(DOMINANT, ("x", "a"), ("x", "b"), ("z", "a"), ("z", "b"))
    pd.testing.assert_frame_equal(held, expected)


def test_does_the_audit_fail_a_sensitive_cell_that_is_published():
    report = audit_suppression(DOMINANT, mask(DOMINANT), DOMINANT_LEVELS)
    assert report[["row", "column", "lower", "upper", "passed"]].values.tolist() == [
        ["x", "a", 100.0, 100.0, False]]


def test_is_a_sensitive_cell_never_recomputable_exactly_even_with_no_protection_level():
    # A cell exactly at k% is sensitive, but 100/k * x1 - T = 0: no interval is asked for.
    # Held back alone in its row, it is still given away by subtraction: that fails.
    levels = levels_for(DOMINANT, {("x", "a"): 0.0})
    report = audit_suppression(DOMINANT, mask(DOMINANT, ("x", "a"), ("y", "a")), levels)
    row = report.iloc[0]
    assert (row["row"], row["column"]) == ("x", "a")
    assert [row["lower"], row["upper"]] == pytest.approx([100.0, 100.0])
    assert not row["passed"]


def test_does_the_audit_catch_the_second_largest_importer_bounding_the_largest():
    # x/a has two importers, 95 and 5 (p% rule, p = 10: protection 0.1 * 95 = 9.5). Held back
    # with x/b (4) and y/a, y/b: the cell is at most 104, so the importer of 5 knows the other
    # imports at most 99: within 4.2%.
    table = with_totals(pd.DataFrame({"a": [100.0, 3], "b": [4.0, 60], "c": [50.0, 40]},
                                     index=["x", "y"]))
    levels = levels_for(table, {("x", "a"): 0.1 * 95})
    held = mask(table, ("x", "a"), ("x", "b"), ("y", "a"), ("y", "b"))
    row = audit_suppression(table, held, levels).iloc[0]
    assert (row["row"], row["column"], row["upper"], row["passed"]) == ("x", "a", 103.0, False)
    fixed = secondary_suppression(table, held, levels)
    assert audit_suppression(table, fixed, levels)["passed"].all()


def test_is_a_table_that_cannot_be_protected_refused_with_advice():
    table = with_totals(pd.DataFrame({"a": [100.0]}, index=["x"]))
    with pytest.raises(ValueError, match="coarser table"):
        secondary_suppression(table, mask(table, ("x", "a")), levels_for(table, {("x", "a"): 5.0}))


def test_does_the_audit_refuse_protection_levels_of_another_table():
    other = levels_for(SINGLETONS, {("x", "a"): 4.0})
    with pytest.raises(ValueError, match="disagree"):
        audit_suppression(DOMINANT, mask(DOMINANT, ("x", "a")), other)


def test_does_the_whole_chain_protect_a_table_built_from_declaration_lines():
    lines = pd.concat([LINES, LINES.assign(chapter="30", value=LINES["value"] * 2)])
    cells = cell_statistics(lines, by=["chapter", "mode"], contributor="importer", value="value")
    levels = protection_levels(cells, min_contributors=3, n=1, k=75, p=10)
    table = with_totals(cells["value"].unstack("mode"))
    primary = levels["sensitive"].unstack("mode").reindex(
        index=table.index, columns=table.columns, fill_value=False).astype(bool)
    held = secondary_suppression(table, primary, levels)
    report = audit_suppression(table, held, levels)
    assert report["passed"].all() and report["sensitive"].sum() == levels["sensitive"].sum()


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
        revealed_cells(full, mask(full, ("y", "a")).astype(int))


# Microdata with quasi-identifiers office, chapter and month; every line a different importer.
RECORDS = pd.DataFrame({
    "office": ["OF1", "OF1", "OF1", "OF2", "OF2", "OF3"],
    "chapter": ["85", "85", "85", "61", "61", "30"],
    "month": [1, 1, 1, 2, 2, 3],
    "importer": ["I1", "I2", "I3", "I4", "I5", "I6"],
    "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
})


def test_is_k_the_size_of_the_smallest_group():
    assert k_anonymity(RECORDS, ["office", "chapter", "month"], entity="importer") == 1
    assert k_anonymity(RECORDS.iloc[:5], ["office", "chapter"], entity="importer") == 2
    assert k_anonymity(RECORDS.iloc[:3], "office", entity="importer") == 3


def test_are_five_lines_of_one_importer_one_entity_not_five():
    lines = pd.DataFrame({"office": ["OF1"] * 6, "importer": ["I1"] * 5 + ["I2"]})
    assert k_anonymity(lines, "office", entity="importer") == 2
    assert records_at_risk(lines, "office", k=3, entity="importer").all()
    assert k_anonymity(lines, "office", entity=None) == 6, "None counts records, when asked"


def test_is_the_entity_required_by_name():
    with pytest.raises(TypeError, match="entity"):
        k_anonymity(RECORDS, "office")


def test_are_the_records_in_small_groups_flagged():
    at_risk = records_at_risk(RECORDS, ["office", "chapter", "month"], k=3, entity="importer")
    assert at_risk.tolist() == [False, False, False, True, True, True]


def test_does_a_missing_value_form_a_group_of_its_own():
    records = RECORDS.assign(month=[1, 1, np.nan, 2, 2, 3])
    assert records_at_risk(records, ["office", "month"], k=2, entity="importer").tolist() == [
        False, False, True, False, False, True]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: k_anonymity(RECORDS, [], entity="importer"), ValueError),
        (lambda: k_anonymity(RECORDS, ["hs6"], entity="importer"), KeyError),
        (lambda: k_anonymity(RECORDS, ["office"], entity="importer_id"), KeyError),
        (lambda: k_anonymity(RECORDS.iloc[:0], ["office"], entity="importer"), ValueError),
        (lambda: k_anonymity(RECORDS.assign(importer=None), ["office"], entity="importer"),
         ValueError),
        (lambda: records_at_risk(RECORDS, ["office"], k=1, entity="importer"), ValueError),
    ],
)
def test_does_k_anonymity_refuse_bad_input(call, error):
    with pytest.raises(error):
        call()
