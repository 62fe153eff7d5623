"""Checks of user input with messages that say what to do, and the random streams.

Every generator draws from one :class:`numpy.random.SeedSequence` per call. Each group of columns
gets its own :class:`numpy.random.Generator`, keyed by the dataset's and the group's names, so
that adding a draw to one group never shifts the numbers of another.
"""

from __future__ import annotations

import datetime as dt
import numbers
import zlib

import numpy as np
import pandas as pd

#: Largest table a generator makes in one call; past that, memory runs out on a laptop.
MAX_ROWS = 20_000_000


def check_n_rows(n_rows: object, *, name: str = "n_rows", maximum: int = MAX_ROWS) -> int:
    """Return ``n_rows`` as an int, or raise an error that says how to fix it."""
    if isinstance(n_rows, bool) or not isinstance(n_rows, numbers.Integral):
        hint = ""
        if isinstance(n_rows, float) and n_rows.is_integer():
            hint = f" Write {int(n_rows):_} instead of {n_rows!r}."
        elif isinstance(n_rows, str) and n_rows.strip().replace("_", "").isdigit():
            hint = f" Write {n_rows.strip()} without quotes."
        raise TypeError(
            f"{name} must be a whole number of rows such as 10_000, "
            f"got {n_rows!r} ({type(n_rows).__name__}).{hint}"
        )
    n = int(n_rows)
    if n < 1:
        raise ValueError(f"{name} must be at least 1, got {n}. Ask for a positive number of rows.")
    if n > maximum:
        raise ValueError(
            f"{name}={n:_} is more than the {maximum:_} rows one call can make in memory. "
            "Ask for fewer rows, or make several parts with different random_state values "
            "and write each to disk."
        )
    return n


def check_random_state(random_state: object) -> int:
    """Return the seed as a non-negative int; ``None`` draws a fresh one from the OS."""
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        hint = ""
        if isinstance(random_state, float) and random_state.is_integer():
            hint = f" Write {int(random_state)} instead of {random_state!r}."
        raise TypeError(
            "random_state must be a whole number such as 2022 (or None for a fresh seed), "
            f"got {random_state!r} ({type(random_state).__name__}).{hint}"
        )
    seed = int(random_state)
    if seed < 0:
        raise ValueError(f"random_state must be 0 or more, got {seed}. Use a seed such as 2022.")
    return seed


def check_choice(value: object, *, name: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise an error that lists them."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}.")
    return value


def check_period(start: object, end: object) -> tuple[np.datetime64, int]:
    """Return the first day and the number of days of the period from ``start`` to ``end``."""
    days = []
    for label, value in (("start", start), ("end", end)):
        if not isinstance(value, str | dt.date | pd.Timestamp | np.datetime64):
            raise TypeError(
                f"{label} must be a date such as '2022-01-31', got {value!r} "
                f"({type(value).__name__})."
            )
        try:
            day = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{label}={value!r} is not a date pandas can read; write it as 'YYYY-MM-DD'."
            ) from exc
        if pd.isna(day):
            raise ValueError(f"{label} is missing; write it as 'YYYY-MM-DD'.")
        days.append(np.datetime64(day.date(), "D"))
    first, last = days
    if first > last:
        raise ValueError(
            f"start ({first}) is after end ({last}): swap them, or choose an end date "
            "after the start date."
        )
    n_days = int((last - first).astype(int)) + 1
    if n_days > 366 * 20:
        raise ValueError(f"The period from {first} to {last} is longer than 20 years; shorten it.")
    return first, n_days


def key(text: str) -> int:
    """A stable 32-bit integer for a name, for SeedSequence spawn keys."""
    return zlib.crc32(text.encode("utf-8"))


def streams(seed: int, dataset: str, *groups: str) -> dict[str, np.random.Generator]:
    """Return one Generator per column group, all derived from ``seed`` and the names."""
    return {
        group: np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key(dataset), key(group))))
        )
        for group in groups
    }
