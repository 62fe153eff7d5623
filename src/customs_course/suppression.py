"""Disclosure control for a two-way table published with its totals: the audit by linear
programming, secondary suppression that passes it, and the quick checks around them.

Part of :mod:`customs_course.disclosure`, which re-exports these functions and documents the
method (Hundepool et al., Handbook on Statistical Disclosure Control, 2012, chapter 4); the
protection levels come from :func:`customs_course.disclosure.protection_levels`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linprog

__all__ = [
    "with_totals",
    "revealed_cells",
    "audit_suppression",
    "secondary_suppression",
    "information_loss",
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


def _equations(table: pd.DataFrame, total: str) -> list[list[tuple]]:
    """Each row and each column, totals included, as ((row, column), sign) pairs adding to 0."""
    inner_rows = [r for r in table.index if r != total]
    inner_cols = [c for c in table.columns if c != total]
    rows = [[*(((r, c), 1.0) for c in inner_cols), ((r, total), -1.0)] for r in table.index]
    cols = [[*(((r, c), 1.0) for r in inner_rows), ((total, c), -1.0)] for c in table.columns]
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
    columns at once (linear programming) can often narrow a suppressed cell to a small interval
    when this function finds nothing, and an importer who knows its own suppressed cell can
    subtract it. :func:`audit_suppression` checks both.

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
        for equation in _equations(table, total):
            hidden = [cell for cell, _ in equation if cell in unknown]
            if len(hidden) == 1:
                unknown.discard(hidden[0])
                revealed.append(hidden[0])
                changed = True
    return revealed


def audit_suppression(
    table: pd.DataFrame,
    suppressed: pd.DataFrame,
    protection: pd.DataFrame,
    *,
    total: str = "Total",
) -> pd.DataFrame:
    """Check by linear programming that every suppressed sensitive cell keeps its protection.

    For each suppressed cell, the attacker's best bounds are the minimum and the maximum of the
    cell over all tables that agree with what is published: the published cells and totals,
    every row and column adding up, no value below 0, and empty cells known to be empty
    (``scipy.optimize.linprog`` solves the two linear programs). Two attackers are considered:

    - an **outsider**, who knows only the published table: columns ``lower`` and ``upper``;
    - the **insiders**: the sole importers of the other suppressed cells, who know their own
      cell exactly and pool that knowledge (a worst case; it catches two one-importer cells in a
      row that give each other away): columns ``insider_lower`` and ``insider_upper``.

    A sensitive cell passes when the insiders' bounds (never narrower than the outsider's) stay
    ``upper`` protection above and ``lower`` protection below its value, and do not pin it down
    exactly; the p% rule's attacker, the cell's second largest contributor, is already in its
    protection level (see :func:`protection_levels`). A sensitive cell left published fails.
    Complementary cells need no protection and always pass; they are listed for their intervals.

    Limits: one two-way table with its margins; an insider's contributions to *other* cells are
    not used; the table's row and column totals are taken as having several contributors.

    Parameters
    ----------
    table : pandas.DataFrame
        Values with a ``total`` row and column (see :func:`with_totals`).
    suppressed : pandas.DataFrame of bool
        Same rows and columns: True where the value is held back (totals included).
    protection : pandas.DataFrame
        From :func:`protection_levels`, indexed by (row, column) of the inner cells.

    Returns
    -------
    pandas.DataFrame
        One row per suppressed or sensitive cell, with columns ``row``, ``column``, ``value``,
        ``sensitive``, ``rules``, ``lower``, ``upper``, ``insider_lower``, ``insider_upper``,
        ``required_lower``, ``required_upper`` and ``passed``; the cells that fail first.
    """
    _check_table(table, suppressed, total)
    levels = _protection_by_cell(table, protection, total)
    system = _System(table, suppressed, total)
    report = pd.DataFrame([_audit_cell(system, levels, cell)
                           for cell in _cells_to_audit(suppressed, levels)],
                          columns=_REPORT_COLUMNS)
    return report.sort_values("passed", kind="stable").reset_index(drop=True)


_REPORT_COLUMNS = ["row", "column", "value", "sensitive", "rules", "lower", "upper",
                   "insider_lower", "insider_upper", "required_lower", "required_upper", "passed"]


def _protection_by_cell(table: pd.DataFrame, protection: pd.DataFrame, total: str) -> dict:
    """{(row, column): the cell's row of protection_levels}, checked against the table."""
    _columns_present(protection, ["sensitive", "rules", "lower", "upper", "contributors"],
                     "protection")
    if protection.index.nlevels != 2:
        raise ValueError("protection should be indexed by (row, column): use protection_levels "
                         "on the cells the table was made of")
    levels = {}
    for cell, row in protection.iterrows():
        if cell[0] not in table.index or cell[1] not in table.columns or total in cell:
            raise ValueError(f"protection has a cell {cell} that is not an inner cell of table")
        if not np.isclose(row["value"], 0.0 if pd.isna(table.at[cell]) else table.at[cell],
                          rtol=1e-9, atol=1e-6):
            raise ValueError(f"protection and table disagree on the value of cell {cell}")
        levels[cell] = row
    return levels


def _cells_to_audit(suppressed: pd.DataFrame, levels: dict) -> list[tuple]:
    held = [(r, c) for r in suppressed.index for c in suppressed.columns
            if bool(suppressed.at[r, c])]
    published_sensitive = [cell for cell, row in levels.items()
                           if bool(row["sensitive"]) and not bool(suppressed.at[cell])]
    return held + published_sensitive


def _audit_cell(system: _System, levels: dict, cell: tuple, *, outsider: bool = True) -> dict:
    value = system.value(cell)
    level = levels.get(cell)
    sensitive = level is not None and bool(level["sensitive"])
    required_lower = float(level["lower"]) if sensitive else 0.0
    required_upper = float(level["upper"]) if sensitive else 0.0
    if cell in system.position:
        insiders = [other for other, row in levels.items() if other != cell
                    and other in system.position and row["contributors"] == 1]
        insider = system.bounds(cell, known=insiders)
        # The insiders know at least what the outsider knows: skip the outsider when not asked.
        outside = system.bounds(cell) if outsider and insiders else insider
    else:
        outside = insider = (value, value)
    tolerance = 1e-9 * system.scale
    passed = (value - insider[0] >= required_lower - tolerance
              and insider[1] - value >= required_upper - tolerance
              and (not sensitive or insider[1] - insider[0] > tolerance))
    return {"row": cell[0], "column": cell[1], "value": value, "sensitive": sensitive,
            "rules": level["rules"] if sensitive else "", "lower": outside[0],
            "upper": outside[1], "insider_lower": insider[0], "insider_upper": insider[1],
            "required_lower": required_lower, "required_upper": required_upper,
            "passed": bool(passed)}


class _System:
    """The published table as linear equations in its suppressed cells (the unknowns)."""

    def __init__(self, table: pd.DataFrame, suppressed: pd.DataFrame, total: str):
        self.values = table.fillna(0.0).to_numpy(dtype=float)
        self.held = suppressed.to_numpy(dtype=bool)
        self.rows, self.columns = list(table.index), list(table.columns)
        # Values in units of the largest cell keep the solver's tolerances meaningful.
        self.scale = max(1.0, float(np.abs(self.values).max()))
        flat = _equation_matrix(len(self.rows), len(self.columns),
                                self.rows.index(total), self.columns.index(total))
        held = self.held.ravel()
        self.unknown = [(self.rows[i], self.columns[j]) for i, j in zip(*np.nonzero(self.held),
                                                                          strict=True)]
        self.position = {cell: n for n, cell in enumerate(self.unknown)}
        a_eq = flat[:, held]
        b_eq = -flat[:, ~held] @ (self.values.ravel()[~held] / self.scale)
        used = np.abs(a_eq).sum(axis=1) > 0  # equations with no unknown say nothing
        self.a_eq, self.b_eq = a_eq[used], b_eq[used]

    def value(self, cell: tuple) -> float:
        return float(self.values[self.rows.index(cell[0]), self.columns.index(cell[1])])

    def bounds(self, cell: tuple, known: Sequence[tuple] = ()) -> tuple[float, float]:
        """The minimum and maximum of ``cell`` when the ``known`` cells are known exactly."""
        limits = [(0.0, None)] * len(self.unknown)
        for other in known:
            exact = self.value(other) / self.scale
            limits[self.position[other]] = (exact, exact)
        objective = np.zeros(len(self.unknown))
        objective[self.position[cell]] = 1.0
        found = []
        for direction in (1.0, -1.0):
            result = linprog(direction * objective, A_eq=self.a_eq, b_eq=self.b_eq,
                             bounds=limits, method="highs")
            if result.status == 3:  # unbounded: only the maximum can be, when totals are held
                found.append(np.inf)
            elif result.status != 0:
                raise RuntimeError(f"the linear program for cell {cell} failed: {result.message}")
            else:
                found.append(direction * float(result.fun) * self.scale)
        return found[0], found[1]


def _equation_matrix(n_rows: int, n_columns: int, total_row: int, total_column: int):
    """One equation per row and per column of the table (totals included), over its cells
    flattened row by row: the inner cells with +1, the total with -1, adding up to 0."""
    equations = np.zeros((n_rows + n_columns, n_rows * n_columns))
    cell = np.arange(n_rows * n_columns).reshape(n_rows, n_columns)
    for i in range(n_rows):
        equations[i, cell[i]] = 1.0
        equations[i, cell[i, total_column]] = -1.0
    for j in range(n_columns):
        equations[n_rows + j, cell[:, j]] = 1.0
        equations[n_rows + j, cell[total_row, j]] = -1.0
    return equations


def secondary_suppression(
    table: pd.DataFrame,
    primary: pd.DataFrame,
    protection: pd.DataFrame,
    *,
    total: str = "Total",
) -> pd.DataFrame:
    """Hold back complementary cells until :func:`audit_suppression` passes.

    A greedy heuristic in the spirit of the hypercube method of tau-ARGUS: for each sensitive
    cell that the audit fails, largest first, it considers every *rectangle* of four cells with
    that cell at one corner (the other corners in its row, its column, and where they cross,
    totals included but not the grand total). Moving the sensitive cell up by some amount and
    the corners up or down by the same amount keeps every total, so a rectangle whose corners
    are large enough gives the cell room. It takes the cheapest rectangle (the least value newly
    held back) that the audit, with its linear programs and insiders, accepts; if none does on
    its own, the one that narrows the shortfall most, and tries again. Cells that are already
    held back cost nothing, so complementary cells are shared between sensitive cells. Empty and
    zero cells are never chosen: they are known to be empty, so hiding them protects nothing.

    The result passes the audit by construction; it is not optimal (it may hold back more than
    needed), and it handles one two-way table with its margins, not linked tables.

    Parameters
    ----------
    table : pandas.DataFrame
        Values with a ``total`` row and column (see :func:`with_totals`).
    primary : pandas.DataFrame of bool
        Same rows and columns; True for the cells that the primary rules hold back (the
        sensitive cells of ``protection`` are held back in any case).
    protection : pandas.DataFrame
        From :func:`protection_levels`, indexed by (row, column) of the inner cells.

    Returns
    -------
    pandas.DataFrame of bool
        The primary cells and the complementary cells: everything to hold back.

    Raises
    ------
    ValueError
        If the totals do not add up, the masks do not match, or a sensitive cell cannot be
        protected without holding back the grand total (publish a coarser table).
    """
    _check_table(table, primary, total)
    levels = _protection_by_cell(table, protection, total)
    suppressed = primary.copy()
    for cell, level in levels.items():
        if bool(level["sensitive"]):
            suppressed.at[cell] = True
    while True:
        report = audit_suppression(table, suppressed, protection, total=total)
        failing = report[~report["passed"]].sort_values("value", ascending=False, kind="stable")
        if failing.empty:
            return suppressed
        for cell in zip(failing["row"], failing["column"], strict=True):
            _protect_cell(table, suppressed, levels, cell, total)


_TRIES = 25  # rectangles checked by linear programming per step, cheapest first


def _shortfall(system: _System, levels: dict, cell: tuple) -> float:
    """How much protection ``cell`` still lacks (0 when the audit passes it)."""
    audit = _audit_cell(system, levels, cell, outsider=False)
    if audit["passed"]:
        return 0.0
    lacking = max(audit["required_lower"] - (audit["value"] - audit["insider_lower"]),
                  audit["required_upper"] - (audit["insider_upper"] - audit["value"]))
    return max(lacking, 1e-9 * system.scale)  # failed on an exact disclosure: still lacking


def _protect_cell(table, suppressed, levels, cell, total) -> None:
    """Hold back rectangles around ``cell`` until the audit passes it (changes ``suppressed``)."""
    lacking = _shortfall(_System(table, suppressed, total), levels, cell)
    while lacking > 0:
        rectangles = _rectangles(table, suppressed, levels, cell, total)
        if not rectangles:
            raise ValueError(
                f"cannot protect cell {cell}: no complementary cells are left to hold back "
                "besides the grand total; publish a coarser table (merge small rows or columns)")
        best, best_lacking = None, lacking
        for _, _, new in rectangles[:_TRIES]:
            trial = suppressed.copy()
            for other in new:
                trial.at[other] = True
            after = _shortfall(_System(table, trial, total), levels, cell)
            if after < best_lacking:
                best, best_lacking = new, after
            if after == 0:
                break
        if best is None:
            raise ValueError(
                f"cannot protect cell {cell}: no rectangle of complementary cells widens its "
                "interval; publish a coarser table (merge small rows or columns)")
        for other in best:
            suppressed.at[other] = True
        lacking = best_lacking


def _rectangles(table, suppressed, levels, cell, total) -> list[tuple]:
    """The rectangles that could protect ``cell``, as (rank, cost, new cells), best first.

    Rectangles that give enough room on their own (ignoring every other suppressed cell, and
    insiders) come first, each group by cost: that room is a lower bound of what the outsider's
    linear program finds.
    """
    values = table.fillna(0.0).to_numpy(dtype=float)
    held = suppressed.to_numpy(dtype=bool)
    rows, columns = list(table.index), list(table.columns)
    i, j = rows.index(cell[0]), columns.index(cell[1])
    ti, tj = rows.index(total), columns.index(total)
    level = levels[cell]
    found = []
    for k in range(len(rows)):
        for m in range(len(columns)):
            if k == i or m == j or (k == ti and m == tj):
                continue
            # Moving the cell up by d moves each corner by sign * d and keeps every total.
            corners = {(i, m): 1 if m == tj else -1, (k, j): 1 if k == ti else -1,
                       (k, m): -1 if ti in (k,) or m == tj else 1}
            new = [c for c in corners if not held[c]]
            if not new or any(values[c] <= 0 for c in new):
                continue
            room_up = min(values[c] for c, sign in corners.items() if sign < 0)
            room_down = min([values[i, j]] + [values[c] for c, s in corners.items() if s > 0])
            enough = room_up >= level["upper"] and room_down >= level["lower"]
            found.append((0 if enough else 1, float(sum(values[c] for c in new)),
                          [(rows[a], columns[b]) for a, b in new]))
    return sorted(found, key=lambda rectangle: rectangle[:2])


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
