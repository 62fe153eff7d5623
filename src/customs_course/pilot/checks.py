"""What `pilot check` looks for, as pandera schemas, and the problems it reports.

Each :class:`Rule` is a named pandera check on one canonical column (with its ``raw__`` text
beside it): where it fails, the line has that problem. The same failures drive
:func:`customs_course.pilot.ingest.map_to_canonical`, which drops the line (no id, line number
or date) or empties the value (a negative mass, an unknown code), so that what `check` reports
is exactly what `map` does. A problem is blocking when it touches more than the mapping's
``tolerance`` of the lines (then the mapping is likely wrong, not the odd line); zeros, missing
values the pilots can do without, and heaped masses are warnings: the pilots handle them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from customs_course.pilot.canonical import BY_NAME, REQUIRED
from customs_course.pilot.mapping import Mapping

__all__ = ["Problem", "Rule", "Tally", "rules_for", "schemas_for"]

#: Chapters of the Harmonized System (77 is reserved, 98-99 are national).
HS_CHAPTERS = frozenset(f"{c:02d}" for c in range(1, 98) if c != 77)
#: Columns whose lines are dropped when empty or unreadable: no pilot can place them.
KEYS = ("declaration_id", "line_number", "lodgement_date")
#: Columns where a zero is a warning (the unit-value pilots leave such lines out).
ZERO_MATTERS = ("net_mass_kg", "fob_value", "customs_value", "quantity")
#: Columns known only for controlled declarations.
CONTROL_ONLY = ("selection", "inspection_outcome")
#: Heaping is reported when at least this share of masses of 1 kg or more are whole kilograms.
HEAPING_SHARE = 0.2


@dataclass(frozen=True)
class Rule:
    """A named check on one column; ``test`` is True where the line is fine."""

    column: str
    kind: str
    test: Callable[[pd.DataFrame], pd.Series]
    severity: str  # "tolerance" (blocking above the mapping's tolerance) or "warning"
    action: str  # "drop" the line, "empty" the value, or "keep"
    handling: str


@dataclass
class Problem:
    """One kind of problem in one column, as `check` prints it."""

    column: str
    source_column: str | None
    kind: str
    severity: str  # blocking, warning or note
    count: int
    share: float
    example_row: int | None
    example_value: str | None
    handling: str

    def as_dict(self) -> dict:
        return asdict(self)


def _unreadable_kind(name: str, mapping: Mapping) -> str:
    column = BY_NAME[name]
    if column.kind in ("id", "int"):
        return "not a whole number"
    if column.kind in ("number", "money"):
        return "not a number" + (f" (decimal separator {mapping.decimal!r})"
                                 if mapping.decimal != "." else "")
    if column.kind == "date":
        return f"not a date in the format {mapping.date_format}"
    if column.kind == "timestamp":
        return f"not a time in the format {mapping.timestamp_format}"
    if column.kind == "bool":
        return "neither a true nor a false value of the mapping"
    if name == "hs6":
        return "not an HS code (6 digits or more)"
    return "unknown code (not in the mapping's values)"


def _column_rules(name: str, mapping: Mapping) -> list[Rule]:
    column = BY_NAME[name]
    raw = f"raw__{name}"
    parsed = f"lcy__{name}" if column.kind == "money" else name
    key = name in KEYS
    lost = "line dropped" if key else "value left empty"
    rules = []
    if name in CONTROL_ONLY:
        rules.append(Rule(name, "missing for a controlled line",
                          lambda f: f[raw].notna() | ~f["inspected"].fillna(False).astype(bool),
                          "warning", "keep", "kept: the pilots learn from recorded results only"))
    else:
        severity = "tolerance" if name in REQUIRED else "warning"
        rules.append(Rule(name, "missing", lambda f: f[raw].notna(), severity,
                          "drop" if key else "keep",
                          lost if key else "kept empty: the pilots leave such lines out "
                          "where they need the value"))
    rules.append(Rule(name, _unreadable_kind(name, mapping),
                      lambda f: f[raw].isna() | f[parsed].notna(), "tolerance",
                      "drop" if key else "empty", lost))
    if column.kind == "money" and mapping.monthly_rates:
        rules.append(Rule(name, "no exchange rate for its month",
                          lambda f: f[parsed].isna() | f[name].notna(), "tolerance", "empty",
                          "value left empty"))
    if column.kind in ("number", "money"):
        rules.append(Rule(name, "negative", lambda f: ~(f[name] < 0), "tolerance", "empty",
                          "value left empty"))
    if name in ZERO_MATTERS:
        rules.append(Rule(name, "zero", lambda f: ~(f[name] == 0), "warning", "keep",
                          "kept: unit values leave such lines out (invalid='nan')"))
    if name == "hs6":
        rules.append(Rule(name, "unknown HS chapter",
                          lambda f: f[name].isna() | f[name].str[:2].isin(HS_CHAPTERS),
                          "tolerance", "empty", "value left empty"))
    return rules


def rules_for(mapping: Mapping) -> list[Rule]:
    """Every rule for the mapped columns, in the order of the canonical schema."""
    return [rule for name in BY_NAME if name in mapping.sources
            for rule in _column_rules(name, mapping)]


def schemas_for(rules: list[Rule]) -> dict[str, pa.DataFrameSchema]:
    """One pandera schema per column, its checks named by their position in ``rules``."""
    by_column: dict[str, list[pa.Check]] = {}
    for number, rule in enumerate(rules):
        by_column.setdefault(rule.column, []).append(
            pa.Check(rule.test, name=str(number), ignore_na=False))
    return {column: pa.DataFrameSchema(checks=checks) for column, checks in by_column.items()}


def companions(name: str) -> list[str]:
    """The columns a column's checks read."""
    extra = [f"lcy__{name}"] if BY_NAME[name].kind == "money" else []
    control = ["inspected"] if name in CONTROL_ONLY else []
    return [name, f"raw__{name}", *extra, *control]


def failures(frame: pd.DataFrame, schemas: dict[str, pa.DataFrameSchema]
             ) -> dict[int, np.ndarray]:
    """Rule number -> index labels of the lines of ``frame`` that fail it (pandera, lazily)."""
    found: dict[int, np.ndarray] = {}
    for name, schema in schemas.items():
        try:
            schema.validate(frame[companions(name)], lazy=True)
        except pa.errors.SchemaErrors as errors:
            cases = errors.failure_cases[["check", "index"]]
            if cases["index"].isna().any():  # a check that raised, not a line that failed
                raise RuntimeError(f"a check of {name} could not run: "
                                   f"{errors.failure_cases['failure_case'].iloc[0]}") from None
            for check, group in cases.groupby("check", sort=False):
                found[int(check)] = np.unique(group["index"].to_numpy(dtype=np.int64))
    return found


class Tally:
    """Counts and first examples of each rule's failures over the batches of a file.

    Heaping is a share, not a fault of a line: it is counted here, outside pandera, as the
    share of masses of 1 kg or more that are whole kilograms.
    """

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.counts = [0] * len(rules)
        self.examples: list[tuple[int, str | None] | None] = [None] * len(rules)
        self.heaped, self.heavy, self.heaped_example = 0, 0, None

    def add(self, frame: pd.DataFrame, found: dict[int, np.ndarray]) -> None:
        for number, rule in enumerate(self.rules):
            index = found.get(number)
            if index is None or not len(index):
                continue
            self.counts[number] += len(index)
            if self.examples[number] is None:
                self.examples[number] = _example(frame, index[0], rule.column)
        if "raw__net_mass_kg" in frame:
            mass = frame["net_mass_kg"]
            heavy = mass >= 1
            whole = heavy & (mass == np.round(mass))
            self.heaped += int(whole.sum())
            self.heavy += int(heavy.sum())
            if self.heaped_example is None and whole.any():
                self.heaped_example = _example(frame, whole.idxmax(), "net_mass_kg")

    def problems(self, mapping: Mapping, rows: int) -> list[Problem]:
        found = []
        for number, rule in enumerate(self.rules):
            count = self.counts[number]
            if not count:
                continue
            share = count / max(rows, 1)
            blocking = rule.severity == "tolerance" and share > mapping.tolerance
            found.append(Problem(rule.column, mapping.sources[rule.column].column, rule.kind,
                                 "blocking" if blocking else "warning", count, share,
                                 *self.examples[number], rule.handling))
        share = self.heaped / max(self.heavy, 1)
        if share >= HEAPING_SHARE:
            found.append(Problem(
                "net_mass_kg", mapping.sources["net_mass_kg"].column,
                "heaped on whole kilograms (share of masses of 1 kg or more)", "warning",
                self.heaped, share, *self.heaped_example,
                "kept: reference prices floor tiny spreads (min_mad)"))
        return found


def _example(frame: pd.DataFrame, label, column: str) -> tuple[int, str | None]:
    value = frame.at[label, f"raw__{column}"]
    return int(frame.at[label, "source_row"]), None if pd.isna(value) else str(value)
