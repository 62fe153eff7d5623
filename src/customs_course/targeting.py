"""Small helpers shared by the pilot projects: a temporal split and unit-value outlier scores.

A pilot of a targeting method must be judged as it would be used: built on the past and tried on
the future (:func:`temporal_split`). The valuation pilot scores each declaration line by how far
its unit value lies below the usual unit value of the same goods from the same origin, in robust
standard deviations (:func:`unit_value_z`):

    z = 0.6745 x (log unit value - median) / MAD

where the median and the median absolute deviation (MAD) of the log unit values come from
reference lines (usually the past), per HS6 code x origin, falling back to the HS6 code alone
when a pair has too few reference lines. The factor 0.6745 makes the MAD comparable with a
standard deviation for normally distributed values (Iglewicz and Hoaglin's modified z-score).
A negative z is a unit value below the usual one: rank lines by ``-z`` to select the cheapest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["temporal_split", "log_unit_value", "reference_prices", "unit_value_z"]

MAD_SCALE = 0.6745
DEFAULT_LEVELS: tuple[tuple[str, ...], ...] = (("hs6", "origin_country"), ("hs6",))


def temporal_split(
    lines: pd.DataFrame, cutoff, *, date_column: str = "lodgement_date"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``lines`` into those lodged before ``cutoff`` (the past) and from it on (the future).

    Parameters
    ----------
    lines : pandas.DataFrame
        Declaration lines with a date column.
    cutoff : str or datetime-like
        First day of the future, such as ``"2022-10-01"``.
    date_column : str, default="lodgement_date"
        The column holding the dates.

    Returns
    -------
    (past, future) : tuple of pandas.DataFrame
        Copies of the rows before ``cutoff`` and from ``cutoff`` on, in their original order.

    Raises
    ------
    KeyError
        If ``date_column`` is not a column of ``lines``.
    ValueError
        If the cutoff is not a date, or leaves one side empty.

    Examples
    --------
    >>> frame = pd.DataFrame({"lodgement_date": pd.to_datetime(["2022-09-30", "2022-10-01"])})
    >>> past, future = temporal_split(frame, "2022-10-01")
    >>> len(past), len(future)
    (1, 1)
    """
    if date_column not in lines:
        raise KeyError(f"no column {date_column!r} to split on; give date_column=...")
    try:
        when = pd.Timestamp(cutoff)
    except (TypeError, ValueError):
        raise ValueError(f"cutoff {cutoff!r} is not a date such as '2022-10-01'") from None
    before = lines[date_column] < when
    if before.all() or not before.any():
        side = "future" if before.all() else "past"
        raise ValueError(f"cutoff {when.date()} leaves the {side} empty; choose a date inside "
                         "the period of the lines")
    return lines[before].copy(), lines[~before].copy()


def log_unit_value(
    lines: pd.DataFrame, *, value: str = "fob_value", mass: str = "net_mass_kg"
) -> pd.Series:
    """Natural log of value per kilogram of each line (FOB by default: freight is not fraud)."""
    if (lines[value] <= 0).any() or (lines[mass] <= 0).any():
        raise ValueError(f"{value} and {mass} must be positive to take a log unit value")
    return np.log(lines[value] / lines[mass]).rename("log_unit_value")


def reference_prices(
    reference: pd.DataFrame,
    *,
    by: Sequence[str] = ("hs6", "origin_country"),
    min_lines: int = 10,
    value: str = "fob_value",
    mass: str = "net_mass_kg",
) -> pd.DataFrame:
    """Median and MAD of the log unit value per group of ``by``, for usable groups only.

    A group is usable when it has at least ``min_lines`` reference lines and a MAD above 0.

    Returns
    -------
    pandas.DataFrame
        Indexed by the groups, with columns ``median``, ``mad`` and ``lines``.
    """
    if min_lines < 1:
        raise ValueError(f"min_lines should be at least 1, got {min_lines}")
    keys = [reference[column] for column in by]
    log_uv = log_unit_value(reference, value=value, mass=mass)
    grouped = log_uv.groupby(keys, observed=True)
    median = grouped.transform("median")
    table = pd.DataFrame({
        "median": grouped.median(),
        "mad": (log_uv - median).abs().groupby(keys, observed=True).median(),
        "lines": grouped.size(),
    })
    return table[(table["lines"] >= min_lines) & (table["mad"] > 0)]


def unit_value_z(
    lines: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    *,
    levels: Sequence[Sequence[str]] = DEFAULT_LEVELS,
    min_lines: int = 10,
    value: str = "fob_value",
    mass: str = "net_mass_kg",
) -> pd.Series:
    """Robust z-score of each line's log unit value against reference lines of the same goods.

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines to score.
    reference : pandas.DataFrame or None, default=None
        The lines that define usual prices, such as the past months; ``lines`` itself if None.
    levels : sequence of column lists, default=(("hs6", "origin_country"), ("hs6",))
        Groupings tried in order: a line is compared with the first level whose group has a
        usable reference (see :func:`reference_prices`).
    min_lines : int, default=10
        Fewest reference lines for a group to be usable.
    value, mass : str
        Columns of the unit value (``value / mass``).

    Returns
    -------
    pandas.Series
        One z-score per line, indexed like ``lines``; 0 where no level has a usable reference.

    Examples
    --------
    >>> ref = pd.DataFrame({"hs6": ["610910"] * 4, "origin_country": ["CN"] * 4,
    ...                     "fob_value": [10.0, 12.0, 8.0, 10.0], "net_mass_kg": [1.0] * 4})
    >>> new = pd.DataFrame({"hs6": ["610910"], "origin_country": ["CN"],
    ...                     "fob_value": [2.0], "net_mass_kg": [1.0]})
    >>> float(unit_value_z(new, ref, min_lines=3).round(2).iloc[0])
    -11.91
    """
    reference = lines if reference is None else reference
    log_uv = log_unit_value(lines, value=value, mass=mass)
    z = pd.Series(np.nan, index=lines.index, name="unit_value_z")
    for level in levels:
        level = list(level)
        table = reference_prices(reference, by=level, min_lines=min_lines, value=value, mass=mass)
        if len(level) == 1:
            table.index = table.index.astype(str)
            key = pd.Index(lines[level[0]].astype(str))
        else:
            table.index = pd.MultiIndex.from_arrays(
                [table.index.get_level_values(i).astype(str) for i in range(len(level))])
            key = pd.MultiIndex.from_arrays([lines[column].astype(str) for column in level])
        found = table.reindex(key)
        level_z = MAD_SCALE * (log_uv.to_numpy() - found["median"].to_numpy()) / found[
            "mad"].to_numpy()
        z = z.fillna(pd.Series(level_z, index=lines.index))
    return z.fillna(0.0)
