"""Statistical disclosure control for open Customs statistics: sensitivity rules, protection
levels, secondary suppression checked by linear programming, and k-anonymity.

A published table of trade by HS code, partner or mode must not reveal the business of one
trader. The methods follow the Handbook on Statistical Disclosure Control (Hundepool et al.,
2012), chapter 4 on magnitude tables. They work on a table of **cells** (one row per cell, with
the cell's total value, its number of contributors and the values of its largest contributors):

- :func:`cell_statistics` builds that table from microdata (declaration lines);
- the sensitivity rules: :func:`threshold_rule` (minimum frequency: fewer than
  ``min_contributors`` traders), :func:`dominance_rule` (the ``(n, k)`` rule: the ``n`` largest
  hold ``k`` percent or more) and :func:`p_percent_rule` (the second largest trader could
  estimate the largest to within ``p`` percent);
- :func:`primary_suppression`: the cells that the rules hold back;
- :func:`protection_levels`: for each sensitive cell, how far above and below its true value an
  attacker's best bounds must stay, as the handbook derives it from each rule.

A table that also publishes its totals can give a suppressed cell away, exactly by subtraction
or approximately by combining all its equations. On a two-way table *with* its row and column
totals (see :func:`with_totals`):

- :func:`audit_suppression` computes, by linear programming, the interval in which each
  suppressed cell must lie given everything published, and fails the cells whose interval is
  narrower than their protection levels;
- :func:`secondary_suppression` holds back complementary cells until that audit passes;
- :func:`revealed_cells` is the quick check for cells recomputable exactly by subtraction;
- :func:`information_loss` says how much of the table the suppression hides.

And for microdata (a file of records, not a table), :func:`k_anonymity` and
:func:`records_at_risk` check how many *entities* (importers, not lines) share each combination
of quasi-identifiers.

Limits, stated once here and again where they apply: one two-way table with its margins; no
hierarchical or linked tables (a chapter table and a heading table published side by side); the
suppression is a greedy heuristic, correct (its result passes the audit) but not optimal.
Statistical offices use dedicated software for those: tau-ARGUS, or the R package sdcTable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from customs_course.suppression import (
    _columns_present,
    audit_suppression,
    information_loss,
    revealed_cells,
    secondary_suppression,
    with_totals,
)

__all__ = [
    "cell_statistics",
    "threshold_rule",
    "dominance_rule",
    "p_percent_rule",
    "primary_suppression",
    "protection_levels",
    "with_totals",
    "revealed_cells",
    "audit_suppression",
    "secondary_suppression",
    "information_loss",
    "k_anonymity",
    "records_at_risk",
]


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


def _check_n_k(n, k) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n should be a whole number of 1 or more, got {n!r}")
    if not 0 < k <= 100:
        raise ValueError(f"k is a percentage: choose 0 < k <= 100, got {k!r}")


def _check_p(p) -> None:
    if isinstance(p, bool) or not 0 < p <= 100:
        raise ValueError(f"p is a percentage: choose 0 < p <= 100, got {p!r}")


def dominance_rule(cells: pd.DataFrame, *, n: int = 1, k: float = 75.0) -> pd.Series:
    """Return True for each cell where the ``n`` largest contributors hold ``k``% or more.

    The ``(n, k)`` dominance rule (Hundepool et al. 2012, section 4.2): with ``n=1, k=75``, a
    cell where one importer brings 75% of the value is sensitive, however many small importers
    share the rest, because the total is a close estimate of that importer's business. A cell at
    exactly ``k``% is sensitive. ``(2, 85)`` is another common choice.

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
    _check_n_k(n, k)
    tops = [f"top_{i}" for i in range(1, n + 1)]
    _columns_present(cells, ["value", *tops], "cells")
    largest = cells[tops].sum(axis=1)
    # 100 * part >= k * whole, not part >= k / 100 * whole: k / 100 is rounded in binary.
    return (cells["value"] > 0) & (100 * largest >= k * cells["value"])


def p_percent_rule(cells: pd.DataFrame, *, p: float = 10.0) -> pd.Series:
    """Return True for each cell where the second largest contributor could estimate the largest
    to within ``p`` percent.

    The p% rule (Hundepool et al. 2012, section 4.2): the second largest contributor knows its
    own value ``x2`` and can estimate the largest, ``x1``, by ``total - x2``; that estimate is
    too close when the rest of the cell, ``total - x1 - x2``, is less than ``p``% of ``x1``. A
    cell exactly at ``p``% is safe. Unlike the dominance rule, it flags a cell shared by two
    large importers, where each can subtract its own figure. A cell with one or two
    contributors is always sensitive.

    Parameters
    ----------
    cells : pandas.DataFrame
        From :func:`cell_statistics` with ``top=2`` or more: columns ``value``, ``top_1`` and
        ``top_2``.
    p : float, default=10.0
        A percentage, greater than 0 and at most 100.
    """
    _check_p(p)
    _columns_present(cells, ["value", "top_1", "top_2"], "cells")
    rest = cells["value"] - cells["top_1"] - cells["top_2"]
    return (cells["value"] > 0) & (100 * rest < p * cells["top_1"])


def primary_suppression(
    cells: pd.DataFrame,
    *,
    min_contributors: int = 3,
    n: int = 1,
    k: float = 75.0,
    p: float | None = None,
) -> pd.Series:
    """Return True for each cell that the threshold rule, the ``(n, k)`` dominance rule or, when
    ``p`` is given, the p% rule holds back.

    ``cells`` comes from :func:`cell_statistics` (columns ``value``, ``contributors``,
    ``top_1``...; ``top_2`` for the p% rule). The result is aligned with ``cells``.
    """
    _columns_present(cells, ["contributors"], "cells")
    held = threshold_rule(cells["contributors"], min_contributors=min_contributors)
    held = held | dominance_rule(cells, n=n, k=k)
    if p is not None:
        held = held | p_percent_rule(cells, p=p)
    return held


def protection_levels(
    cells: pd.DataFrame,
    *,
    min_contributors: int = 3,
    n: int = 1,
    k: float = 75.0,
    p: float | None = None,
    frequency_range: float = 10.0,
) -> pd.DataFrame:
    """Return, for each cell, whether it is sensitive and how much protection it needs.

    A suppressed cell is protected when an attacker's best bounds on it, computed from the
    published table, stay at least the *upper protection level* above its true value and the
    *lower protection level* below it. Each rule gives its own level (Hundepool et al. 2012,
    section 4.3), for a cell of total ``T`` with largest contributions ``x1 >= x2 >= ...``:

    - p% rule: ``p/100 * x1 - (T - x1 - x2)``: the second largest contributor, subtracting its
      own value from the attacker's upper bound, must not get within ``p``% of ``x1``;
    - (n, k) dominance rule: ``100/k * (x1 + ... + xn) - T``: the upper bound must allow a total
      in which the ``n`` largest would hold less than ``k``%;
    - threshold (minimum frequency) rule: ``frequency_range`` percent of ``T``, a safety range
      as tau-ARGUS uses for this rule.

    A cell that several rules flag gets the largest of their levels. The lower level is set
    equal to the upper one (as tau-ARGUS does by default), and at most the cell's value (a
    bound below 0 is impossible anyway). Cells that no rule flags need no protection (0).

    Parameters
    ----------
    cells : pandas.DataFrame
        From :func:`cell_statistics`, with ``top=max(n, 2)`` when ``p`` is given.
    min_contributors, n, k, p
        The rules, as in :func:`primary_suppression`; ``p=None`` leaves the p% rule out.
    frequency_range : float, default=10.0
        The protection of a cell that only the threshold rule flags, in percent of its value.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``cells``, with columns ``value``, ``contributors``, ``sensitive`` (bool),
        ``rules`` (the rules that flag the cell, such as ``"threshold, p%"``), ``lower`` and
        ``upper`` (the protection levels, in the unit of ``value``). Pass it to
        :func:`audit_suppression` and :func:`secondary_suppression`.
    """
    if isinstance(frequency_range, bool) or not 0 <= frequency_range <= 100:
        raise ValueError(f"frequency_range is a percentage from 0 to 100, got {frequency_range!r}")
    _columns_present(cells, ["value", "contributors"], "cells")
    value = cells["value"]
    levels, flags = {}, {}
    flags["threshold"] = threshold_rule(cells["contributors"], min_contributors=min_contributors)
    levels["threshold"] = frequency_range / 100 * value
    flags["dominance"] = dominance_rule(cells, n=n, k=k)
    levels["dominance"] = 100 / k * cells[[f"top_{i}" for i in range(1, n + 1)]].sum(axis=1) - value
    if p is not None:
        flags["p%"] = p_percent_rule(cells, p=p)
        rest = value - cells["top_1"] - cells["top_2"]
        levels["p%"] = p / 100 * cells["top_1"] - rest
    flagged = pd.DataFrame(flags)
    level = pd.DataFrame(levels).where(flagged, 0.0).clip(lower=0.0).max(axis=1)
    rules = [", ".join(name for name, hit in zip(flagged.columns, row, strict=True) if hit)
             for row in flagged.to_numpy()]
    return pd.DataFrame({
        "value": value.astype(float),
        "contributors": cells["contributors"],
        "sensitive": flagged.any(axis=1),
        "rules": pd.Series(rules, index=cells.index, dtype=object),
        "lower": np.minimum(level, value).astype(float),
        "upper": level.astype(float),
    }, index=cells.index)


def _class_sizes(
    microdata: pd.DataFrame, quasi_identifiers, entity: str | None
) -> pd.Series:
    """For each record, how many entities share its quasi-identifiers."""
    columns = _as_list(quasi_identifiers, "quasi_identifiers")
    _columns_present(microdata, [*columns, *([entity] if entity is not None else [])],
                     "microdata")
    if len(microdata) == 0:
        raise ValueError("microdata has no rows")
    # Missing values form a class of their own (dropna=False): a blank is also a value.
    groups = microdata.groupby(columns, observed=True, dropna=False)
    if entity is None:
        return groups[columns[0]].transform("size")
    if microdata[entity].isna().any():
        raise ValueError(f"{entity!r} has missing values: every record needs its entity")
    return groups[entity].transform("nunique")


def k_anonymity(
    microdata: pd.DataFrame, quasi_identifiers: str | Sequence[str], *, entity: str | None
) -> int:
    """Return k: the fewest entities that share a combination of quasi-identifiers.

    A file is k-anonymous when every combination of quasi-identifier values (for example
    office, HS code, origin and month) that occurs is shared by at least k *entities*, so no
    entity can be singled out by those columns. k = 1 means some entity is alone in its group.

    Parameters
    ----------
    microdata : pandas.DataFrame
    quasi_identifiers : str or list of str
    entity : str or None
        The column that identifies whom the file must protect, such as ``"importer_id"``
        (kept for the check, even when it is not released): five lines of one importer are one
        importer, not five. ``None`` only when each record is a different entity.
    """
    return int(_class_sizes(microdata, quasi_identifiers, entity).min())


def records_at_risk(
    microdata: pd.DataFrame,
    quasi_identifiers: str | Sequence[str],
    *,
    k: int,
    entity: str | None,
) -> pd.Series:
    """Return True for each record whose quasi-identifier combination has fewer than k entities.

    Aligned with ``microdata``; ``entity`` as in :func:`k_anonymity`. Generalise the
    quasi-identifiers (HS6 to chapter, date to quarter) or drop these records before release.
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 2:
        raise ValueError(f"k should be a whole number of 2 or more, got {k!r}")
    return _class_sizes(microdata, quasi_identifiers, entity) < k
