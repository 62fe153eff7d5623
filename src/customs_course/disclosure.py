"""Statistical disclosure control for open Customs statistics: suppression rules and k-anonymity.

A published table of trade by HS code, partner or mode must not reveal the business of one
trader. These functions apply the usual rules to a table of **cells** (one row per cell, with the
cell's total value, its number of contributors and the values of its largest contributors):

- :func:`cell_statistics` builds that table from microdata (declaration lines);
- :func:`threshold_rule`: a cell with fewer than ``min_contributors`` traders is sensitive;
- :func:`dominance_rule`: the ``(n, k)`` rule; a cell where the ``n`` largest traders hold
  ``k`` percent or more of the value is sensitive;
- :func:`primary_suppression`: the cells that either rule holds back.

A table that also publishes its totals can give a suppressed cell away by subtraction. On a
two-way table *with* its row and column totals (see :func:`with_totals`):

- :func:`revealed_cells` finds the suppressed cells that the published numbers pin down exactly;
- :func:`secondary_suppression` holds back more cells until no row or column has a single
  suppressed cell;
- :func:`information_loss` says how much of the table the suppression hides.

And for microdata (a file of records, not a table), :func:`k_anonymity` and
:func:`records_at_risk` check how many records share each combination of quasi-identifiers.

Limits, stated once here and again where they apply: the secondary suppression is a simple
greedy heuristic for one two-way table with its margins. It makes sure that no row or column
total reveals a suppressed cell by subtraction, alone or in a chain, and that a complementary
cell is not tiny next to the cell it protects. It does not compute how narrowly a determined
attacker could bound each suppressed cell by linear programming over all rows and columns at
once, it does not handle hierarchical or linked tables (a chapter table and a heading table
published side by side), and it is not optimal: it may hold back more than needed. Statistical
offices use dedicated software (for example tau-ARGUS or the R package sdcTable) for those.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "cell_statistics",
    "threshold_rule",
    "dominance_rule",
    "primary_suppression",
    "with_totals",
    "revealed_cells",
    "secondary_suppression",
    "information_loss",
    "k_anonymity",
    "records_at_risk",
]


def _columns_present(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} should be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{what} has no column {', '.join(map(repr, missing))}; "
            f"its columns are: {', '.join(map(str, frame.columns))}"
        )


def _as_list(columns: str | Sequence[str], name: str) -> list[str]:
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns:
        raise ValueError(f"{name} is empty: name at least one column")
    return columns


def cell_statistics(
    microdata: pd.DataFrame,
    *,
    by: str | Sequence[str],
    contributor: str,
    value: str,
    top: int = 2,
) -> pd.DataFrame:
    """Summarise microdata into the cells of a table, with what the disclosure rules need.

    Parameters
    ----------
    microdata : pandas.DataFrame
        One row per record, such as a declaration line.
    by : str or list of str
        The column(s) that define a cell, such as ``["chapter", "mode_of_transport"]``.
    contributor : str
        The column that identifies the unit to protect, such as ``"importer_id"``.
    value : str
        The magnitude published in the cell, such as ``"customs_value"``; not negative.
    top : int, default=2
        How many of the largest contributors to keep (columns ``top_1``, ``top_2``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per cell that has at least one record, indexed by ``by``, with columns
        ``value`` (the cell's total), ``contributors`` (distinct contributors) and ``top_1`` ...
        ``top_<top>``: the total value of the largest, second largest... contributor (0 when the
        cell has fewer contributors).

    Raises
    ------
    KeyError
        If a column is missing.
    ValueError
        If ``top`` is below 1, or ``value`` holds negative or missing values.
    """
    by = _as_list(by, "by")
    _columns_present(microdata, [*by, contributor, value], "microdata")
    if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top should be a whole number of 1 or more, got {top!r}")
    values = microdata[value]
    if values.isna().any():
        raise ValueError(f"{value!r} has missing values: fill or drop them first")
    if (values < 0).any():
        raise ValueError(
            f"{value!r} has negative values: the dominance rule assumes contributions of 0 or "
            "more (publish negative flows, such as returns, in a table of their own)"
        )
    per_contributor = (
        microdata.groupby([*by, contributor], observed=True, sort=False)[value].sum().rename("v")
    )
    cells = per_contributor.groupby(level=by, observed=True, sort=True).agg(
        value="sum", contributors="size"
    )
    ranked = per_contributor.sort_values(ascending=False, kind="stable").to_frame()
    ranked["rank"] = ranked.groupby(level=by, observed=True, sort=False).cumcount() + 1
    ranked = ranked[ranked["rank"] <= top].droplevel(contributor)
    tops = ranked.set_index("rank", append=True)["v"].unstack("rank")
    tops = tops.reindex(columns=range(1, top + 1))
    tops.columns = [f"top_{i}" for i in tops.columns]
    return cells.join(tops).fillna({f"top_{i}": 0.0 for i in range(1, top + 1)})


def threshold_rule(contributors: pd.Series, *, min_contributors: int = 3) -> pd.Series:
    """Return True for each cell with at least one but fewer than ``min_contributors`` traders.

    With 1 contributor, the cell is that trader's figure; with 2, each can subtract its own and
    learn the other's. An empty cell (0 contributors) reveals nothing and is not flagged.

    Raises
    ------
    ValueError
        If ``min_contributors`` is below 2 (a threshold of 1 protects nothing), or a count is
        negative or missing.
    """
    if not isinstance(min_contributors, (int, np.integer)) or min_contributors < 2:
        raise ValueError(f"min_contributors should be 2 or more, got {min_contributors!r}")
    counts = pd.Series(contributors)
    if counts.isna().any() or (counts < 0).any():
        raise ValueError("contributors should be counts of 0 or more, with none missing")
    return (counts > 0) & (counts < min_contributors)


def dominance_rule(cells: pd.DataFrame, *, n: int = 1, k: float = 75.0) -> pd.Series:
    """Return True for each cell where the ``n`` largest contributors hold ``k``% or more.

    The ``(n, k)`` dominance rule: with ``n=1, k=75``, a cell where one importer brings 75% of
    the value is sensitive, however many small importers share the rest, because the total is a
    close estimate of that importer's business. ``(2, 85)`` is another common choice.

    Parameters
    ----------
    cells : pandas.DataFrame
        From :func:`cell_statistics`, with columns ``value`` and ``top_1`` ... ``top_<n>``.
    n : int, default=1
    k : float, default=75.0
        A percentage, greater than 0 and at most 100.

    Raises
    ------
    KeyError
        If ``cells`` lacks a ``top_<i>`` column for some i <= n (ask cell_statistics for
        ``top=n``).
    ValueError
        If ``n`` is below 1 or ``k`` is not in (0, 100].
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n should be a whole number of 1 or more, got {n!r}")
    if not 0 < k <= 100:
        raise ValueError(f"k is a percentage: choose 0 < k <= 100, got {k!r}")
    tops = [f"top_{i}" for i in range(1, n + 1)]
    _columns_present(cells, ["value", *tops], "cells")
    largest = cells[tops].sum(axis=1)
    return (cells["value"] > 0) & (largest >= k / 100 * cells["value"])


def primary_suppression(
    cells: pd.DataFrame, *, min_contributors: int = 3, n: int = 1, k: float = 75.0
) -> pd.Series:
    """Return True for each cell that the threshold rule or the ``(n, k)`` dominance rule holds.

    ``cells`` comes from :func:`cell_statistics` (columns ``value``, ``contributors``,
    ``top_1``...). The result is aligned with ``cells``.
    """
    _columns_present(cells, ["contributors"], "cells")
    return threshold_rule(cells["contributors"], min_contributors=min_contributors) | (
        dominance_rule(cells, n=n, k=k)
    )


def with_totals(table: pd.DataFrame, *, total: str = "Total") -> pd.DataFrame:
    """Return a two-way table of values with a row and a column of totals, labelled ``total``.

    Empty cells (missing) count as 0 in the totals and stay missing in the table.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table should be a pandas DataFrame, got {type(table).__name__}")
    if total in table.index or total in table.columns:
        raise ValueError(f"table already has a {total!r} row or column")
    out = table.astype(float).copy()
    out.index = out.index.astype(object)
    out.columns = out.columns.astype(object)
    out[total] = out.sum(axis=1)
    out.loc[total] = out.sum(axis=0)
    return out


def _check_table(table: pd.DataFrame, suppressed: pd.DataFrame, total: str) -> None:
    if not isinstance(table, pd.DataFrame) or not isinstance(suppressed, pd.DataFrame):
        raise TypeError("table and suppressed should both be pandas DataFrames")
    if total not in table.index or total not in table.columns:
        raise ValueError(
            f"table should have a {total!r} row and a {total!r} column (use with_totals): the "
            "rules are about what the published totals give away"
        )
    if not (suppressed.index.equals(table.index) and suppressed.columns.equals(table.columns)):
        raise ValueError("suppressed should have exactly the rows and columns of table")
    if not all(pd.api.types.is_bool_dtype(dtype) for dtype in suppressed.dtypes):
        raise TypeError("suppressed should hold True (held back) or False (published) only")
    values = table.fillna(0.0).to_numpy(dtype=float)
    rows = [i for i, label in enumerate(table.index) if label != total]
    cols = [j for j, label in enumerate(table.columns) if label != total]
    ti, tj = table.index.get_loc(total), table.columns.get_loc(total)
    inner = values[np.ix_(rows, cols)]
    scale = max(1.0, float(np.abs(values).max()))
    if not (np.allclose(inner.sum(axis=1), values[rows, tj], rtol=1e-9, atol=1e-9 * scale)
            and np.allclose(inner.sum(axis=0), values[ti, cols], rtol=1e-9, atol=1e-9 * scale)
            and np.isclose(inner.sum(), values[ti, tj], rtol=1e-9, atol=1e-9 * scale)):
        raise ValueError(
            f"the cells do not add up to the {total!r} row and column: build the table with "
            "with_totals, and suppress cells by a mask instead of changing their values"
        )


def _equations(table: pd.DataFrame) -> list[list[tuple]]:
    """Each row and each column of the table, totals included, is one additive equation."""
    rows = [[(r, c) for c in table.columns] for r in table.index]
    cols = [[(r, c) for r in table.index] for c in table.columns]
    return rows + cols


def revealed_cells(
    table: pd.DataFrame, suppressed: pd.DataFrame, *, total: str = "Total"
) -> list[tuple]:
    """Return the suppressed cells that the published cells and totals pin down exactly.

    A row (or column) whose other cells and total are all published gives its only suppressed
    cell by subtraction; once found, that cell can give away another one, and so on. The result
    lists every cell recovered that way, as ``(row, column)`` labels, in the order found; an
    empty list means that no suppressed cell can be recomputed exactly from one row or column at
    a time.

    This is a necessary check, not a sufficient one: an attacker who combines all rows and
    columns at once (linear programming) can sometimes narrow a suppressed cell to a small
    interval even when this function finds nothing.

    Parameters
    ----------
    table : pandas.DataFrame
        Values with a ``total`` row and column (see :func:`with_totals`).
    suppressed : pandas.DataFrame of bool
        Same rows and columns: True where the value is held back (totals included).
    """
    _check_table(table, suppressed, total)
    unknown = {(r, c) for r in table.index for c in table.columns if bool(suppressed.at[r, c])}
    revealed: list[tuple] = []
    changed = True
    while changed:
        changed = False
        for equation in _equations(table):
            hidden = [cell for cell in equation if cell in unknown]
            if len(hidden) == 1:
                unknown.discard(hidden[0])
                revealed.append(hidden[0])
                changed = True
    return revealed


def secondary_suppression(
    table: pd.DataFrame,
    primary: pd.DataFrame,
    *,
    total: str = "Total",
    protection: float = 0.1,
) -> pd.DataFrame:
    """Hold back more cells so that no row or column total gives a suppressed cell away.

    A simple greedy heuristic: while some row or column (totals included) has exactly one
    suppressed cell, suppress one more cell of it, a *complementary* cell, chosen among its
    published cells with a positive value:

    1. cells inside the table before totals (a total is suppressed only when the row or column
       has no other candidate, as when its only non-empty cell is sensitive);
    2. among those, the smallest cell whose value is at least ``protection`` times the value of
       the cell to protect, so that the sum of the two does not pin that cell down within a
       narrow margin; if none is large enough, the largest candidate.

    Empty and zero cells are never chosen: they are often known to be empty (no trade of those
    goods by that mode), so hiding them protects nothing.

    Limits: see the module's docstring. The result passes :func:`revealed_cells`, but the
    heuristic does not bound what linear programming over the whole table can infer, does not
    handle hierarchical or linked tables, and may suppress more than an optimal method.

    Parameters
    ----------
    table : pandas.DataFrame
        Values with a ``total`` row and column (see :func:`with_totals`).
    primary : pandas.DataFrame of bool
        Same rows and columns; True for the cells that the primary rules hold back.
    total : str, default="Total"
    protection : float, default=0.1
        Smallest complementary value as a share of the value it protects, from 0 to 1.

    Returns
    -------
    pandas.DataFrame of bool
        The primary cells and the complementary cells: everything to hold back.

    Raises
    ------
    ValueError
        If the totals do not add up, the masks do not match, ``protection`` is out of range,
        or a row or column cannot be protected (only the grand total is left to suppress).
    """
    _check_table(table, primary, total)
    if not 0 <= protection <= 1:
        raise ValueError(f"protection is a share: choose 0 <= protection <= 1, got {protection}")
    values = table.fillna(0.0)
    suppressed = primary.copy()
    grand = (total, total)
    changed = True
    while changed:
        changed = False
        for equation in _equations(table):
            hidden = [cell for cell in equation if suppressed.at[cell]]
            if len(hidden) != 1:
                continue
            target = values.at[hidden[0]]
            candidates = [cell for cell in equation
                          if not suppressed.at[cell] and values.at[cell] > 0 and cell != grand]
            inner = [cell for cell in candidates if total not in cell]
            pool = inner or candidates
            if not pool:
                raise ValueError(
                    f"cannot protect cell {hidden[0]}: its row or column has no other non-empty "
                    "cell to suppress; publish a coarser table"
                )
            pool = sorted(pool, key=lambda cell: values.at[cell])
            large_enough = [cell for cell in pool if values.at[cell] >= protection * target]
            chosen = large_enough[0] if large_enough else pool[-1]
            suppressed.at[chosen] = True
            changed = True
    return suppressed


def information_loss(
    table: pd.DataFrame, suppressed: pd.DataFrame, *, total: str = "Total"
) -> pd.Series:
    """Return the share of the non-empty inner cells held back, and the share of their value.

    Totals are left out of both shares. The result has the entries ``cells`` and ``value``.
    """
    _check_table(table, suppressed, total)
    inner = table.drop(index=total, columns=total).fillna(0.0)
    held = suppressed.drop(index=total, columns=total)
    non_empty = inner > 0
    n_cells = int(non_empty.to_numpy().sum())
    if n_cells == 0:
        raise ValueError("the table has no non-empty cell")
    return pd.Series({
        "cells": float((held & non_empty).to_numpy().sum()) / n_cells,
        "value": float(inner.where(held, 0.0).to_numpy().sum()) / float(inner.to_numpy().sum()),
    })


def _class_sizes(microdata: pd.DataFrame, quasi_identifiers) -> pd.Series:
    columns = _as_list(quasi_identifiers, "quasi_identifiers")
    _columns_present(microdata, columns, "microdata")
    if len(microdata) == 0:
        raise ValueError("microdata has no rows")
    # Missing values form a class of their own (dropna=False): a blank is also a value.
    return microdata.groupby(columns, observed=True, dropna=False)[columns[0]].transform("size")


def k_anonymity(microdata: pd.DataFrame, quasi_identifiers: str | Sequence[str]) -> int:
    """Return k: the size of the smallest group of records sharing their quasi-identifiers.

    A file is k-anonymous when every combination of quasi-identifier values (for example
    office, HS code, origin and month) that occurs is shared by at least k records, so no
    record can be singled out by those columns. k = 1 means some record is unique.
    """
    sizes = _class_sizes(microdata, quasi_identifiers)
    return int(sizes.min())


def records_at_risk(
    microdata: pd.DataFrame, quasi_identifiers: str | Sequence[str], *, k: int
) -> pd.Series:
    """Return True for each record whose quasi-identifier combination has fewer than k records.

    Aligned with ``microdata``. Generalise the quasi-identifiers (HS6 to chapter, date to
    quarter) or drop these records before release.
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 2:
        raise ValueError(f"k should be a whole number of 2 or more, got {k!r}")
    return _class_sizes(microdata, quasi_identifiers) < k
