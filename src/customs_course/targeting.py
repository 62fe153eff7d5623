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

Real tables are dirty, and the helpers say what they do with it:

- a line whose value or mass is zero or missing has no unit value. :func:`log_unit_value`
  refuses it by default with an error naming the column, the count and an example row, or gives
  NaN with ``invalid="nan"``. Reference lines without a unit value are left out of the
  reference and counted (``reference_prices(...).attrs["excluded_lines"]``); lines to score get
  the error, or a missing z-score (NaN: "no unit value") with ``invalid="nan"``;
- a group whose MAD is (nearly) 0, such as heaped prices where every line costs the same and
  the MAD is floating-point residue (1e-16), would give z-scores of 1e16. The MAD is floored at
  ``min_mad`` = 0.01 in log units, a spread of 1% of the group's median unit value; the reference
  table flags floored groups (column ``floored``). Groups with fewer than ``min_lines`` lines are
  thin and not used (their count is in ``attrs["thin_groups"]``); their lines fall back on the
  next level;
- dates stored as text are parsed (ISO dates such as ``2022-10-01``); text that is no date, and
  missing dates, are refused with the count and an example row;
- a missing column is reported by name with the columns present (:class:`MissingColumnError`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "MIN_MAD",
    "MissingColumnError",
    "log_unit_value",
    "pilot_features",
    "reference_prices",
    "temporal_split",
    "unit_value_z",
]

PILOT_CATEGORICAL = ("origin_country", "office", "mode_of_transport", "procedure")
MAD_SCALE = 0.6745
#: Floor on the MAD of log unit values: 0.01 in log units is a spread of 1% of the median price.
MIN_MAD = 0.01
DEFAULT_LEVELS: tuple[tuple[str, ...], ...] = (("hs6", "origin_country"), ("hs6",))
INVALID_CHOICES = ("raise", "nan")


class MissingColumnError(KeyError):
    """A column the helper needs is not in the table; the message lists the columns present."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def _require(frame: pd.DataFrame, columns: Sequence[str], *, hint: str = "") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns)) or "none"
        raise MissingColumnError(
            f"no column {', '.join(map(repr, missing))} in the table (its columns: {present})"
            + (f"; {hint}" if hint else ""))


def _example(mask: pd.Series) -> str:
    count = int(mask.sum())
    first = mask[mask].index[0]
    first = first.item() if hasattr(first, "item") else first  # 11, not np.int64(11)
    return f"{count} line{'s' if count != 1 else ''} (first: row {first!r})"


def _dates(lines: pd.DataFrame, column: str) -> pd.Series:
    """The column as datetimes: ISO text parsed; unparsable text and missing dates refused."""
    raw = lines[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        when = raw
    else:
        when = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        unparsed = when.isna() & raw.notna()
        if unparsed.any():
            first = raw[unparsed].iloc[0]
            raise ValueError(f"{column} holds text that is not a date in {_example(unparsed)}, "
                             f"such as {first!r}; write dates as 2022-10-01")
    if when.isna().any():
        raise ValueError(f"{column} is missing in {_example(when.isna())}; those lines cannot "
                         "be placed before or after a date: drop or date them first")
    return when


def temporal_split(
    lines: pd.DataFrame, cutoff, *, date_column: str = "lodgement_date"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``lines`` into those lodged before ``cutoff`` (the past) and from it on (the future).

    Parameters
    ----------
    lines : pandas.DataFrame
        Declaration lines with a date column (datetimes, or ISO dates as text).
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
    MissingColumnError
        If ``date_column`` is not a column of ``lines`` (a ``KeyError``).
    ValueError
        If the cutoff is not a date, or leaves one side empty; if a date is missing or is text
        that is not a date.

    Examples
    --------
    >>> frame = pd.DataFrame({"lodgement_date": pd.to_datetime(["2022-09-30", "2022-10-01"])})
    >>> past, future = temporal_split(frame, "2022-10-01")
    >>> len(past), len(future)
    (1, 1)
    """
    _require(lines, [date_column], hint="give date_column=... to split on")
    try:
        when = pd.Timestamp(cutoff)
    except (TypeError, ValueError):
        raise ValueError(f"cutoff {cutoff!r} is not a date such as '2022-10-01'") from None
    before = _dates(lines, date_column) < when
    if before.all() or not before.any():
        side = "future" if before.all() else "past"
        raise ValueError(f"cutoff {when.date()} leaves the {side} empty; choose a date inside "
                         "the period of the lines")
    return lines[before].copy(), lines[~before].copy()


def log_unit_value(
    lines: pd.DataFrame, *, value: str = "fob_value", mass: str = "net_mass_kg",
    invalid: str = "raise",
) -> pd.Series:
    """Natural log of value per kilogram of each line (FOB by default: freight is not fraud).

    A zero or missing value or mass leaves the unit value undefined: ``invalid="raise"``
    (default) refuses it, naming the column, the count and an example row; ``invalid="nan"``
    gives NaN for those lines. Negative or infinite values are always refused.
    """
    if invalid not in INVALID_CHOICES:
        raise ValueError(f"invalid should be 'raise' or 'nan', got {invalid!r}")
    _require(lines, [value, mass])
    undefined = pd.Series(False, index=lines.index)
    for column in (value, mass):
        numbers = pd.to_numeric(lines[column], errors="coerce").astype(float)
        impossible = (numbers < 0) | np.isinf(numbers)
        if impossible.any():
            raise ValueError(f"{column} is negative or infinite in {_example(impossible)}: "
                             "correct those lines before taking a unit value")
        empty = numbers.isna() | numbers.eq(0)
        if empty.any() and invalid == "raise":
            raise ValueError(
                f"{column} must be positive to take a unit value; it is 0 or missing in "
                f"{_example(empty)}. Drop those lines, or pass invalid='nan' to get NaN for them")
        undefined |= empty
    ratio = (pd.to_numeric(lines[value]).astype(float)
             / pd.to_numeric(lines[mass]).astype(float)).where(~undefined)
    return np.log(ratio).rename("log_unit_value")


def reference_prices(
    reference: pd.DataFrame,
    *,
    by: Sequence[str] = ("hs6", "origin_country"),
    min_lines: int = 10,
    value: str = "fob_value",
    mass: str = "net_mass_kg",
    min_mad: float = MIN_MAD,
) -> pd.DataFrame:
    """Median and MAD of the log unit value per group of ``by``, for usable groups only.

    A group is usable when it has at least ``min_lines`` reference lines with a unit value.
    Its MAD is floored at ``min_mad`` (0.01 in log units: 1% of the median unit value), so that
    groups of identical (heaped) prices do not give infinite or 1e16 z-scores.

    Returns
    -------
    pandas.DataFrame
        Indexed by the groups, with columns ``median``, ``mad`` (floored), ``lines`` and
        ``floored`` (True where the MAD was raised to the floor). ``attrs["excluded_lines"]``
        counts the reference lines left out for a zero or missing value or mass,
        ``attrs["thin_groups"]`` the groups left out for having fewer than ``min_lines``.
    """
    if min_lines < 1:
        raise ValueError(f"min_lines should be at least 1, got {min_lines}")
    if not (np.isfinite(min_mad) and min_mad > 0):
        raise ValueError(f"min_mad should be a positive number, got {min_mad}")
    _require(reference, [*by, value, mass])
    log_uv = log_unit_value(reference, value=value, mass=mass, invalid="nan")
    usable_lines = log_uv.notna()
    log_uv = log_uv[usable_lines]
    keys = [reference.loc[usable_lines, column] for column in by]
    grouped = log_uv.groupby(keys, observed=True)
    median = grouped.transform("median")
    raw_mad = (log_uv - median).abs().groupby(keys, observed=True).median()
    table = pd.DataFrame({
        "median": grouped.median(),
        "mad": raw_mad.clip(lower=min_mad),
        "lines": grouped.size(),
        "floored": raw_mad < min_mad,
    })
    thin = table["lines"] < min_lines
    table = table[~thin].copy()
    table.attrs = {"excluded_lines": int((~usable_lines).sum()), "thin_groups": int(thin.sum())}
    return table


def unit_value_z(
    lines: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    *,
    levels: Sequence[Sequence[str]] = DEFAULT_LEVELS,
    min_lines: int = 10,
    value: str = "fob_value",
    mass: str = "net_mass_kg",
    min_mad: float = MIN_MAD,
    invalid: str = "raise",
) -> pd.Series:
    """Robust z-score of each line's log unit value against reference lines of the same goods.

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines to score.
    reference : pandas.DataFrame or None, default=None
        The lines that define usual prices, such as the past months; ``lines`` itself if None.
        Reference lines with a zero or missing value or mass are left out.
    levels : sequence of column lists, default=(("hs6", "origin_country"), ("hs6",))
        Groupings tried in order: a line is compared with the first level whose group has a
        usable reference (see :func:`reference_prices`).
    min_lines : int, default=10
        Fewest reference lines for a group to be usable.
    value, mass : str
        Columns of the unit value (``value / mass``).
    min_mad : float, default=0.01
        Floor on a group's MAD, in log units (1% of the median unit value).
    invalid : {'raise', 'nan'}, default='raise'
        What a line to score with a zero or missing value or mass gets: an error naming the
        column, the count and an example row, or a missing z-score (NaN).

    Returns
    -------
    pandas.Series
        One z-score per line, indexed like ``lines``; 0 where no level has a usable reference;
        NaN for a line without a unit value when ``invalid="nan"``.

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
    needed = {column for level in levels for column in level}
    _require(lines, sorted(needed))
    log_uv = log_unit_value(lines, value=value, mass=mass, invalid=invalid)
    z = pd.Series(np.nan, index=lines.index, name="unit_value_z")
    for level in levels:
        level = list(level)
        table = reference_prices(reference, by=level, min_lines=min_lines, value=value,
                                 mass=mass, min_mad=min_mad)
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
    return z.fillna(0.0).where(log_uv.notna())


def pilot_features(
    lines: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    recorded=None,
    prior_weight: float = 5.0,
) -> pd.DataFrame:
    """The features of lesson L4-02's model: what is known of each line when it is lodged.

    The declared data of each line (value, unit value against ``reference`` lines, CIF/FOB,
    duty rate, preference, departure, HS chapter, and the codes of ``PILOT_CATEGORICAL``) and
    its importer's record: ``importer_controls``, the controls of the importer whose result was
    recorded before the line's lodgement day, and ``importer_hit_rate``, the share of them that
    found an irregularity, shrunk towards the overall rate by ``prior_weight`` imaginary
    controls (:func:`customs_course.calibration.past_record`). ``recorded`` is when each
    controlled line's result was recorded (aligned with ``lines``, such as the end of the
    inspection from the clearance events); by default, its lodgement day. A line's own label,
    and every result recorded on or after its day, never reach its features.

    ``lines`` must hold every line whose control results may count (the whole table, not only
    the lines to score); lines without a unit value get a missing ``unit_value_z``.
    """
    from customs_course.calibration import past_record  # calibration imports the model stack

    record = past_record(lines, ["importer_id"], known=recorded, prior_weight=prior_weight)
    value = pd.to_numeric(lines["customs_value"]).astype(float)
    fob = pd.to_numeric(lines["fob_value"]).astype(float)
    table = pd.DataFrame({
        "log_value": np.log(value.where(value > 0)),  # missing where no value was declared
        "unit_value_z": unit_value_z(lines, reference, invalid="nan"),
        "cif_over_fob": value / fob.where(fob > 0),
        "tariff_rate": lines["tariff_rate"].astype(float),
        "preference": lines["preference_claimed"].astype(int),
        "other_departure": (lines["departure_country"].astype(str)
                            != lines["origin_country"].astype(str)).astype(int),
        "chapter": lines["hs6"].astype(str).str[:2].astype(int),
        "importer_hit_rate": record["rate"],
        "importer_controls": record["controls"],
    }, index=lines.index)
    for column in PILOT_CATEGORICAL:
        table[column] = lines[column].astype("category").cat.codes
    return table
