"""Planted data-quality problems in the sandbox declarations, with their ground truth.

The sandbox datasets are clean, but a lesson on data quality needs the problems that real
declaration data has, and needs to know exactly where they are. :func:`add_quality_problems`
returns a damaged copy of the declarations and a log of every problem it planted:

>>> from customs_course.datasets import load_dataset
>>> from customs_course.quality import add_quality_problems
>>> declarations = load_dataset("declarations", edition="small")  # doctest: +SKIP
>>> dirty, problems = add_quality_problems(declarations, random_state=7)  # doctest: +SKIP

Learners look for the problems in ``dirty``; ``problems`` is the answer key, to check their
findings against.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_RATES",
    "IMPOSSIBLE_COLUMNS",
    "MISSING_COLUMNS",
    "PROBLEMS",
    "add_quality_problems",
]

#: The kinds of problem, in the order they are planted (each draws from its own generator).
PROBLEMS = (
    "duplicate",
    "missing",
    "grams_not_kg",
    "impossible_value",
    "date_outside_period",
    "date_unparseable",
    "cif_below_fob",
)

#: Share of the input's lines that receive each problem (a duplicate adds a copy of a line).
DEFAULT_RATES = {
    "duplicate": 0.01,
    "missing": 0.02,
    "grams_not_kg": 0.01,
    "impossible_value": 0.005,
    "date_outside_period": 0.003,
    "date_unparseable": 0.003,
    "cif_below_fob": 0.005,
}

#: Columns that lose values (the missing lines are shared evenly between them).
MISSING_COLUMNS = ("origin_country", "net_mass_kg", "customs_value")

#: Columns that receive an impossible value (zero, or the true value with a minus sign).
IMPOSSIBLE_COLUMNS = ("quantity", "fob_value")

REQUIRED_COLUMNS = (
    "declaration_id",
    "line_number",
    "lodgement_date",
    "hs6",
    "origin_country",
    "quantity",
    "net_mass_kg",
    "fob_value",
    "customs_value",
)

#: A line gets a mass in grams only if its mass per unit lies within these multiples of the
#: median of its HS code (some honest or misdeclared lines are far lighter than usual).
ORDINARY_MASS = (0.5, 2.0)

#: Years added to the true lodgement date for a date outside the period (a slip of the decade).
YEAR_SHIFTS = (-10, 10)

MAX_TOTAL_RATE = 0.5
DATE_FORMAT = "%Y-%m-%d"


def _check_input(declarations, rates, random_state) -> dict[str, float]:
    if not isinstance(declarations, pd.DataFrame):
        raise TypeError(
            "declarations must be a pandas DataFrame, such as "
            f"load_dataset('declarations', edition='small'); got {type(declarations).__name__}."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in declarations.columns]
    if missing:
        raise ValueError(
            f"declarations lacks the column(s) {', '.join(missing)}; pass the sandbox "
            "declarations as load_dataset('declarations', ...) returns them."
        )
    if not pd.api.types.is_datetime64_any_dtype(declarations["lodgement_date"]):
        raise ValueError(
            "lodgement_date must hold dates (datetime64), got dtype "
            f"{declarations['lodgement_date'].dtype}; was the table already damaged once?"
        )
    if declarations["lodgement_date"].isna().any():
        raise ValueError("lodgement_date has missing dates; pass the clean sandbox declarations.")
    if random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer))
    ):
        raise TypeError(f"random_state must be a whole number or None, got {random_state!r}.")
    if random_state is not None and random_state < 0:
        raise ValueError(f"random_state must be 0 or more, got {random_state}.")

    merged = dict(DEFAULT_RATES)
    if rates is not None:
        if not isinstance(rates, Mapping):
            raise TypeError("rates must be a mapping such as {'duplicate': 0.02}.")
        unknown = sorted(set(rates) - set(PROBLEMS))
        if unknown:
            raise ValueError(
                f"unknown problem(s) in rates: {', '.join(map(str, unknown))}; "
                f"the problems are {', '.join(PROBLEMS)}."
            )
        merged.update(rates)
    for problem, rate in merged.items():
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)):
            raise ValueError(f"the rate of {problem} must be a number, got {rate!r}.")
        if not 0 <= rate <= MAX_TOTAL_RATE:
            raise ValueError(
                f"the rate of {problem} must be a share between 0 and {MAX_TOTAL_RATE}, "
                f"got {rate}."
            )
    total = sum(merged.values())
    if total > MAX_TOTAL_RATE:
        raise ValueError(
            f"the rates add up to {total:.3f}; keep them at {MAX_TOTAL_RATE} or less so that "
            "most lines stay clean."
        )
    return {problem: float(merged[problem]) for problem in PROBLEMS}


def _pick(rng: np.random.Generator, candidates: np.ndarray, n: int) -> np.ndarray:
    """Draw ``n`` distinct positions among ``candidates`` (fewer if there are not enough)."""
    n = min(n, len(candidates))
    return np.sort(rng.choice(candidates, size=n, replace=False)) if n else candidates[:0]


def _unparseable(rng: np.random.Generator, dates: pd.Series) -> list[str]:
    """Texts that are not a date in the format YYYY-MM-DD, made from the true dates."""
    forms = rng.integers(0, 3, size=len(dates))
    texts = []
    for form, date in zip(forms, dates, strict=True):
        if form == 0:  # day first, as a spreadsheet in another locale writes it
            texts.append(date.strftime("%d/%m/%Y"))
        elif form == 1:  # a day that does not exist
            texts.append(f"{date.year}-02-30")
        else:  # the placeholder some systems export for "no date"
            texts.append("0000-00-00")
    return texts


def add_quality_problems(
    declarations: pd.DataFrame,
    *,
    random_state: int | None = None,
    rates: Mapping[str, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a copy of the declarations with planted data-quality problems, and their log.

    Each damaged line receives exactly one problem, so the log is an exact answer key. The
    input is not changed.

    Parameters
    ----------
    declarations : pandas.DataFrame
        Sandbox declarations, as ``load_dataset("declarations", edition=...)`` returns them
        (clean: no missing values in the damaged columns, dates as datetime64, CIF > FOB).
    random_state : int or None, default=None
        Seed of the ``numpy.random.SeedSequence`` from which each problem gets its own
        generator. The same seed and input give the same result; None draws a fresh seed.
    rates : mapping of str to float or None, default=None
        Share of the input's lines that receive each problem, overriding ``DEFAULT_RATES``
        (duplicate 0.01, missing 0.02, grams_not_kg 0.01, impossible_value 0.005,
        date_outside_period 0.003, date_unparseable 0.003, cif_below_fob 0.005). Each count
        is the rate times the number of input lines, rounded. The rates may add up to 0.5.

    Returns
    -------
    dirty : pandas.DataFrame
        The damaged copy, with a fresh index 0, 1, 2, ... and the same columns. Its
        ``lodgement_date`` is text in the format YYYY-MM-DD, as a CSV export gives it, so
        that unreadable dates can be planted; the other columns keep their dtypes.
    problems : pandas.DataFrame
        The ground truth, one row per planted problem, sorted by row: ``row`` (the index of
        the damaged line in ``dirty``), ``column`` (the column changed; ``"*"`` for a
        duplicate, which is a whole line) and ``problem`` (one of ``PROBLEMS``).

    Raises
    ------
    TypeError
        If ``declarations`` is not a DataFrame, ``rates`` not a mapping, or ``random_state``
        not a whole number or None.
    ValueError
        If a required column is missing, ``lodgement_date`` does not hold dates, a rate
        names an unknown problem or lies outside [0, 0.5], the rates add up to more than
        0.5, or ``random_state`` is negative.

    Notes
    -----
    What is planted, and how each problem is found in ``dirty``:

    ``duplicate``
        A clean line is repeated just after itself, as when a system sends a line twice.
        Found by ``dirty.duplicated()`` (which marks the second copy).
    ``missing``
        ``origin_country``, ``net_mass_kg`` or ``customs_value`` is emptied (NaN), the lines
        shared evenly between the three columns. Found by ``dirty[column].isna()``.
    ``grams_not_kg``
        ``net_mass_kg`` holds the mass in grams (the true value times 1,000), on lines whose
        mass per unit was ordinary for their HS code (from half to twice the median). Found by
        comparing the mass per unit of quantity, ``net_mass_kg / quantity``, with its median
        for the same ``hs6``: a ratio above 100, on lines with a positive quantity.
    ``impossible_value``
        ``quantity`` or ``fob_value`` becomes zero or the true value with a minus sign.
        Found by ``dirty[column] <= 0``.
    ``date_outside_period``
        The year of ``lodgement_date`` moves 10 years back or forward. Found by reading the
        dates with ``pd.to_datetime(..., format="%Y-%m-%d", errors="coerce")`` and keeping
        those before the first or after the last lodgement date of the input.
    ``date_unparseable``
        ``lodgement_date`` is not a date in the format YYYY-MM-DD: written day first
        (``31/01/2022``), a day that does not exist (``2022-02-30``) or ``0000-00-00``.
        Found as the texts that the same ``pd.to_datetime`` call turns into ``NaT``.
    ``cif_below_fob``
        ``fob_value`` and ``customs_value`` are swapped, so the CIF customs value is below
        the FOB value although CIF = FOB + insurance + freight. Found by
        ``dirty["customs_value"] < dirty["fob_value"]``.

    Lines that already break a rule in the input are not logged.

    Examples
    --------
    >>> from customs_course.datasets import load_dataset
    >>> declarations = load_dataset("declarations", edition="small")
    >>> dirty, problems = add_quality_problems(declarations, random_state=7)
    >>> len(dirty) - len(declarations)  # the duplicates
    100
    >>> sorted(problems.loc[problems["problem"] == "duplicate", "row"]) == sorted(
    ...     dirty.index[dirty.duplicated()])
    True
    """
    rates = _check_input(declarations, rates, random_state)
    seeds = np.random.SeedSequence(random_state).spawn(len(PROBLEMS))
    rngs = dict(zip(PROBLEMS, (np.random.default_rng(s) for s in seeds), strict=True))

    frame = declarations.reset_index(drop=True).copy()
    n = len(frame)
    dates = frame["lodgement_date"]
    frame["lodgement_date"] = dates.dt.strftime(DATE_FORMAT).astype(str)

    free = np.ones(n, dtype=bool)  # lines not yet damaged
    log: list[tuple[int, str, str]] = []  # (position in frame, column, problem)

    def take(problem: str, eligible: np.ndarray | None = None, count: int | None = None):
        mask = free if eligible is None else free & eligible
        count = round(rates[problem] * n) if count is None else count
        chosen = _pick(rngs[problem], np.flatnonzero(mask), count)
        free[chosen] = False
        return chosen

    # Duplicates first: the copies are exact copies of lines that stay clean.
    duplicated = take("duplicate")

    # Missing values, shared evenly between the columns.
    n_missing = round(rates["missing"] * n)
    for k, column in enumerate(MISSING_COLUMNS):
        share = n_missing // len(MISSING_COLUMNS) + (k < n_missing % len(MISSING_COLUMNS))
        rows = take("missing", count=share)
        frame.loc[rows, column] = np.nan
        log += [(r, column, "missing") for r in rows]

    # Only lines of ordinary mass for their HS code, so that the grams stand out clearly.
    per_unit = frame["net_mass_kg"] / frame["quantity"]
    typical = per_unit.groupby(frame["hs6"], observed=True).transform("median")
    ordinary = (per_unit / typical).between(*ORDINARY_MASS).to_numpy()
    rows = take("grams_not_kg", eligible=ordinary)
    frame.loc[rows, "net_mass_kg"] = frame.loc[rows, "net_mass_kg"] * 1000
    log += [(r, "net_mass_kg", "grams_not_kg") for r in rows]

    rng = rngs["impossible_value"]
    rows = take("impossible_value")
    columns = rng.choice(IMPOSSIBLE_COLUMNS, size=len(rows))
    zero = rng.random(len(rows)) < 0.5
    for r, column, is_zero in zip(rows, columns, zero, strict=True):
        frame.loc[r, column] = 0.0 if is_zero else -abs(frame.loc[r, column])
        log.append((r, str(column), "impossible_value"))

    rng = rngs["date_outside_period"]
    rows = take("date_outside_period")
    shifts = rng.choice(YEAR_SHIFTS, size=len(rows))
    shifted = [
        (dates.iloc[r] + pd.DateOffset(years=int(s))).strftime(DATE_FORMAT)
        for r, s in zip(rows, shifts, strict=True)
    ]
    frame.loc[rows, "lodgement_date"] = shifted
    log += [(r, "lodgement_date", "date_outside_period") for r in rows]

    rows = take("date_unparseable")
    frame.loc[rows, "lodgement_date"] = _unparseable(rngs["date_unparseable"], dates.iloc[rows])
    log += [(r, "lodgement_date", "date_unparseable") for r in rows]

    eligible = (frame["customs_value"] > frame["fob_value"]).to_numpy()
    rows = take("cif_below_fob", eligible=eligible)
    fob = frame.loc[rows, "fob_value"].to_numpy()
    frame.loc[rows, "fob_value"] = frame.loc[rows, "customs_value"].to_numpy()
    frame.loc[rows, "customs_value"] = fob
    log += [(r, "customs_value", "cif_below_fob") for r in rows]

    # Insert each duplicate just after its original and renumber the rows.
    order = np.concatenate([np.arange(n), duplicated])
    tie = np.concatenate([np.zeros(n, dtype=int), np.ones(len(duplicated), dtype=int)])
    sequence = np.lexsort((tie, order))
    dirty = frame.iloc[order[sequence]].reset_index(drop=True)
    new_row = np.empty(n, dtype=np.int64)  # position in dirty of each original line
    is_original = tie[sequence] == 0
    new_row[order[sequence][is_original]] = np.flatnonzero(is_original)
    copies = np.flatnonzero(~is_original)

    entries = [(int(new_row[r]), column, problem) for r, column, problem in log]
    entries += [(int(row), "*", "duplicate") for row in copies]
    problems = pd.DataFrame(entries, columns=["row", "column", "problem"])
    problems = problems.astype({"row": "int64", "column": str, "problem": str})
    problems = problems.sort_values(["row", "column"], ignore_index=True)
    return dirty, problems
