"""`pilot check` and `pilot map`: an administration's file, checked and written in the course's
schema, in bounded memory.

DuckDB reads the file and parses it (:mod:`customs_course.pilot.source`) into batches of
``BATCH_ROWS`` lines; pandera checks each batch (:mod:`customs_course.pilot.checks`); `map`
then drops or empties what the checks found and appends the batch to a Parquet file with the
canonical schema. Repeated lines (the same declaration and line number) are found first by a
DuckDB aggregate over the whole file, which spills to disk rather than grow. Memory follows the
batch size and DuckDB's limit, not the file's length. The user's file is only read; the output
appears only when everything went well (it is written under a temporary name, then renamed).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from customs_course.datasets.editions import sha256_of
from customs_course.pilot import checks
from customs_course.pilot.canonical import CANONICAL, arrow_schema, arrow_type
from customs_course.pilot.mapping import Mapping, load_mapping
from customs_course.pilot.source import connect, file_format, scan_sql

__all__ = ["CheckResult", "check_data", "map_to_canonical", "format_report", "sha256_of"]

BATCH_ROWS = 500_000


@dataclass
class CheckResult:
    """What `check` found: the problems, and the lines a `map` would drop."""

    data: Path
    mapping: Mapping
    rows: int = 0
    dropped: int = 0
    problems: list[checks.Problem] = field(default_factory=list)

    @property
    def blocking(self) -> list[checks.Problem]:
        return [p for p in self.problems if p.severity == "blocking"]



def _duplicates(con, sql: str) -> pd.DataFrame:
    """Keys seen on more than one line, with the first line that has each."""
    return con.execute(
        "SELECT declaration_id, line_number, min(source_row) AS first_row, count(*) AS n "
        f"FROM ({sql}) WHERE declaration_id IS NOT NULL AND line_number IS NOT NULL "
        "GROUP BY declaration_id, line_number HAVING count(*) > 1").df()


def _repeated(frame: pd.DataFrame, duplicates: pd.DataFrame) -> np.ndarray:
    """Index labels of the lines of ``frame`` that repeat an earlier line's key."""
    if duplicates.empty:
        return np.array([], dtype=np.int64)
    keys = frame[["declaration_id", "line_number", "source_row"]].dropna()
    keys = keys.astype({"declaration_id": "int64", "line_number": "int64"})
    joined = keys.reset_index().merge(duplicates.astype({"line_number": "int64"}),
                                      on=["declaration_id", "line_number"])
    return joined.loc[joined["source_row"] != joined["first_row"], "index"].to_numpy()


def _batches(con, sql: str):
    """The query's rows as data frames of about ``BATCH_ROWS`` lines (DuckDB hands out
    smaller record batches; pandera's cost is per call, so they are gathered first)."""
    pending, rows = [], 0
    for batch in con.sql(sql).to_arrow_reader(BATCH_ROWS):
        pending.append(batch)
        rows += batch.num_rows
        if rows >= BATCH_ROWS:
            yield pa.Table.from_batches(pending).to_pandas()
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending).to_pandas()


def _scan(data: Path, mapping: Mapping, work_dir: Path, sink=None) -> CheckResult:
    """Read, parse and check ``data``; give each cleaned batch to ``sink`` if any."""
    con = connect(work_dir)
    try:
        sql = scan_sql(con, data, mapping)
        rules = checks.rules_for(mapping)
        schemas = checks.schemas_for(rules)
        tally = checks.Tally(rules)
        duplicates = _duplicates(con, sql)
        result = CheckResult(data=data, mapping=mapping)
        repeated_first = None
        for frame in _batches(con, sql):
            found = checks.failures(frame, schemas)
            tally.add(frame, found)
            repeated = _repeated(frame, duplicates)
            if len(repeated) and repeated_first is None:
                first = frame.loc[repeated[0]]
                repeated_first = (int(first["source_row"]), f"declaration "
                                  f"{first['raw__declaration_id']}, line "
                                  f"{first['raw__line_number']}")
            result.rows += len(frame)
            drop = set(repeated.tolist())
            for number, rule in enumerate(rules):
                if rule.action == "drop" and number in found:
                    drop.update(found[number].tolist())
            result.dropped += len(drop)
            if sink is not None:
                sink(_cleaned(frame, rules, found, drop))
    finally:
        con.close()
    result.problems = tally.problems(mapping, result.rows)
    if not duplicates.empty:
        extra = int((duplicates["n"] - 1).sum())
        share = extra / max(result.rows, 1)
        result.problems.append(checks.Problem(
            "declaration_id, line_number",
            f"{mapping.sources['declaration_id'].column}, "
            f"{mapping.sources['line_number'].column}", "repeated line (same declaration "
            "and line number)", "blocking" if share > mapping.tolerance else "warning", extra,
            share, *repeated_first, "later copies dropped, the first kept"))
    result.problems += [checks.Problem(name, None, "not in the file (mapping: missing)", "note",
                                       result.rows, 1.0, None, None,
                                       "empty column; pilots that need it say so")
                        for name in mapping.missing if name != "inspected"]
    if result.rows == 0:
        result.problems.append(checks.Problem("", None, "the file has no lines", "blocking", 0,
                                              0.0, None, None, "nothing to map"))
    elif result.dropped == result.rows:
        result.problems.append(checks.Problem("", None, "no line left to map", "blocking",
                                              result.rows, 1.0, None, None, "nothing to map"))
    return result


def _cleaned(frame: pd.DataFrame, rules, found, drop: set) -> pa.Table:
    """The batch in the canonical schema: values emptied, lines dropped as the rules say."""
    for number, rule in enumerate(rules):
        if rule.action == "empty" and number in found:
            frame.loc[found[number], rule.column] = None
    if drop:
        frame = frame.drop(index=list(drop))
    arrays = []
    for column in CANONICAL:
        values = frame[column.name]
        kind = arrow_type(column)
        if column.kind == "code":
            text = pa.array(values.astype(object).where(values.notna(), None), pa.string())
            if column.categories:
                dictionary = pa.array(column.categories, pa.string())
                indices = pc.index_in(text, value_set=dictionary).cast(pa.int8())
                arrays.append(pa.DictionaryArray.from_arrays(indices, dictionary,
                                                             ordered=column.ordered))
            else:
                arrays.append(text.dictionary_encode().cast(kind))
        else:
            if column.kind in ("id", "int"):  # floats when a dropped line had none
                values = values.astype("int64")
            arrays.append(pa.array(values, type=kind, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=arrow_schema())


def _work_dir(parent: Path | None) -> Path:
    """A private folder for DuckDB's spill files, removed afterwards."""
    return Path(tempfile.mkdtemp(prefix=".customs-course-pilot-", dir=parent))


def check_data(data: str | Path, mapping: str | Path | Mapping) -> CheckResult:
    """Check ``data`` against ``mapping``; nothing is written (DuckDB may spill to a private
    temporary folder, removed afterwards)."""
    data = Path(data)
    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    work = _work_dir(None)
    try:
        return _scan(data, mapping, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def map_to_canonical(data: Path, mapping: Path, out: Path) -> dict:
    """Write ``data`` in the course's schema to the Parquet file ``out``; return provenance.

    Raises :class:`customs_course.pilot.mapping.MappingError` for a bad mapping and
    :class:`BlockingProblems` when the check finds a blocking problem; nothing is written then.
    The provenance holds the sha256 of the data and of the mapping, the line counts and every
    problem found (as dicts: column, kind, severity, count, share, example row and value).
    """
    data, out = Path(data), Path(out)
    mapping = load_mapping(mapping)
    made_parent = not out.parent.exists()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    work = _work_dir(out.parent)
    writer = pq.ParquetWriter(partial, arrow_schema(), compression="zstd")
    written = 0

    def sink(table: pa.Table) -> None:
        nonlocal written
        writer.write_table(table)
        written += table.num_rows

    try:
        result = _scan(data, mapping, work, sink)
        writer.close()
        if result.blocking:
            raise BlockingProblems(result)
        os.replace(partial, out)
    finally:
        writer.close()
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        if made_parent and not out.exists():
            shutil.rmtree(out.parent, ignore_errors=True)
    return {
        "data": str(data), "data_sha256": sha256_of(data), "data_format":
        file_format(data, mapping), "mapping": str(mapping.path),
        "mapping_sha256": mapping.sha256, "canonical": str(out),
        "rows_read": result.rows, "rows_written": written, "rows_dropped": result.dropped,
        "missing_columns": list(mapping.missing),
        "currency": mapping.currency, "usd_per_unit": mapping.usd_per_unit,
        "monthly_rates": mapping.monthly_rates or None,
        "problems": [p.as_dict() for p in result.problems],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


class BlockingProblems(ValueError):
    """`map` refused the file: the check found problems that block it."""

    def __init__(self, result: CheckResult):
        self.result = result
        super().__init__(f"{len(result.blocking)} blocking problem(s) in {result.data}; "
                         "run `customs-course pilot check` for the list")


def _example(problem: checks.Problem, csv: bool) -> str:
    if problem.example_row is None:
        return ""
    where = f"row {problem.example_row:,}"
    if csv:
        where += f" (line {problem.example_row + 1:,} of the file)"
    value = "empty" if problem.example_value is None else repr(problem.example_value)
    return f"; first: {where}, value {value}"


def format_report(result: CheckResult) -> str:
    """The problems as `check` prints them: column, count, share and an example row."""
    csv = file_format(result.data, result.mapping) == "csv"
    lines = [f"Checked {result.data} ({result.rows:,} lines) against {result.mapping.path}."]
    order = {"blocking": 0, "warning": 1, "note": 2}
    for p in sorted(result.problems, key=lambda p: order[p.severity]):
        where = p.column + (f" (your column {p.source_column})" if p.source_column else "")
        lines.append(f"{p.severity.upper():8} {where}: {p.kind}: {p.count:,} line"
                     f"{'s' if p.count != 1 else ''} ({p.share:.2%}){_example(p, csv)}"
                     f" -> {p.handling}")
    if result.blocking:
        lines.append(f"{len(result.blocking)} blocking problem(s): correct the mapping (or the "
                     f"file) before `pilot map`; a problem is blocking when it touches more "
                     f"than {result.mapping.tolerance:.0%} of the lines (mapping: tolerance).")
    else:
        kept = result.rows - result.dropped
        lines.append(f"No blocking problem: `pilot map` would write {kept:,} lines "
                     f"({result.dropped:,} dropped).")
    return "\n".join(lines)
