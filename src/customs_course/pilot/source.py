"""Read an administration's file through DuckDB and parse it into the canonical columns.

One SQL query reads the file (CSV as text, so that no code loses a zero to type guessing, or
Parquet as it is typed), numbers each line in file order (a streaming window, so nothing is
held in memory) and parses every mapped column: numbers with the file's decimal separator,
dates with the mapping's format, codes zero-padded and translated, money converted to US
dollars. What cannot be parsed becomes NULL; the original text stays beside it as
``raw__<column>`` so that a problem can be shown with an example. Nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from customs_course.pilot.canonical import CANONICAL, Column
from customs_course.pilot.mapping import Mapping, MappingError, Source, required_sources

__all__ = ["connect", "scan_sql", "source_columns"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
_DUCK_TYPES = {"id": "BIGINT", "int": "SMALLINT", "date": "TIMESTAMP", "timestamp": "TIMESTAMP",
               "number": "DOUBLE", "money": "DOUBLE", "bool": "BOOLEAN", "code": "VARCHAR"}


def connect(work_dir: Path | None, memory_limit: str = "2GB") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection of bounded memory that spills only into ``work_dir``."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    if work_dir is not None:
        con.execute(f"SET temp_directory = {_literal(str(work_dir))}")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def file_format(data: Path, mapping: Mapping) -> str:
    if mapping.file_format != "auto":
        return mapping.file_format
    suffix = data.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise MappingError(f"cannot tell the format of {data.name} from its extension; set "
                       "`file: {format: csv}` or `parquet` in the mapping")


def relation_sql(data: Path, mapping: Mapping) -> str:
    """The table function that reads ``data`` (every CSV column as text)."""
    path = _literal(str(data))
    if file_format(data, mapping) == "parquet":
        return f"read_parquet({path})"
    return (f"read_csv({path}, delim={_literal(mapping.delimiter)}, header=true, "
            f"quote={_literal(mapping.quote)}, escape={_literal(mapping.quote)}, "
            f"encoding={_literal(mapping.encoding)}, all_varchar=true, "
            "null_padding=true, strict_mode=false)")


def source_columns(con: duckdb.DuckDBPyConnection, data: Path, mapping: Mapping
                   ) -> dict[str, str]:
    """Column name -> DuckDB type of the file (read from its header or Parquet schema)."""
    if not data.is_file():
        raise FileNotFoundError(f"no file {data}: give the path of your declarations file")
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation_sql(data, mapping)}").fetchall()
    except duckdb.Error as exc:
        raise ValueError(f"cannot read {data} as {file_format(data, mapping)}: {exc}. Check "
                         "`file:` in the mapping (delimiter, encoding, format)") from None
    return {name: kind for name, kind, *_ in rows}


def _text(column: str, duck_type: str, *, code: bool = False) -> str:
    """The column as trimmed text (NULL when empty); numbers as written, 40.0 as 40."""
    c = _ident(column)
    if duck_type == "VARCHAR":
        text = f"NULLIF(trim({c}), '')"
        return f"regexp_replace({text}, '^([0-9]+)\\.0+$', '\\1')" if code else text
    if duck_type in ("DOUBLE", "FLOAT") or duck_type.startswith("DECIMAL"):
        return (f"CASE WHEN {c} = trunc({c}) THEN CAST(CAST({c} AS HUGEINT) AS VARCHAR) "
                f"ELSE CAST({c} AS VARCHAR) END")
    return f"CAST({c} AS VARCHAR)"


def _number(source: Source, duck_type: str, mapping: Mapping, target: str) -> str:
    if duck_type != "VARCHAR" and duck_type not in ("DATE", "TIMESTAMP", "BOOLEAN"):
        return f"TRY_CAST({_ident(source.column)} AS {target})"
    text = _text(source.column, duck_type)
    if mapping.thousands:
        text = f"replace({text}, {_literal(mapping.thousands)}, '')"
    if mapping.decimal != ".":
        text = f"replace({text}, {_literal(mapping.decimal)}, '.')"
    if target in ("BIGINT", "SMALLINT"):
        text = f"regexp_replace({text}, '^([0-9]+)\\.0+$', '\\1')"
    return f"TRY_CAST({text} AS {target})"


def _date(source: Source, duck_type: str, fmt: str) -> str:
    if duck_type.startswith(("DATE", "TIMESTAMP")):
        return f"CAST({_ident(source.column)} AS TIMESTAMP)"
    return f"CAST(try_strptime({_text(source.column, duck_type)}, {_literal(fmt)}) AS TIMESTAMP)"


def _code(column: Column, source: Source, duck_type: str) -> str:
    code = _text(source.column, duck_type, code=True)
    if source.width:
        code = (f"(CASE WHEN regexp_full_match({code}, '[0-9]+') AND length({code}) < "
                f"{source.width} THEN lpad({code}, {source.width}, '0') ELSE {code} END)")
    if column.name == "hs6":
        return f"(CASE WHEN regexp_full_match({code}, '[0-9]{{6,}}') THEN left({code}, 6) END)"
    if source.values is not None:
        cases = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}"
                         for k, v in source.values.items())
        return f"(CASE {code} {cases} END)"
    if column.categories:
        allowed = ", ".join(map(_literal, column.categories))
        return f"(CASE WHEN {code} IN ({allowed}) THEN {code} END)"
    return code


def _bool(source: Source, duck_type: str) -> str:
    if duck_type == "BOOLEAN":
        return _ident(source.column)
    text = f"lower({_text(source.column, duck_type)})"
    yes = ", ".join(map(_literal, source.true_values))
    no = ", ".join(map(_literal, source.false_values))
    return f"(CASE WHEN {text} IN ({yes}) THEN true WHEN {text} IN ({no}) THEN false END)"


def _rate(mapping: Mapping, date_sql: str) -> str:
    if mapping.usd_per_unit is not None:
        return repr(float(mapping.usd_per_unit))
    cases = " ".join(f"WHEN {_literal(month)} THEN {float(rate)!r}"
                     for month, rate in sorted(mapping.monthly_rates.items()))
    return f"(CASE strftime({date_sql}, '%Y-%m') {cases} END)"


def parsed_expressions(mapping: Mapping, types: dict[str, str]) -> dict[str, str]:
    """Canonical column (and its ``raw__``/``lcy__`` companions) -> SQL expression."""
    exprs: dict[str, str] = {}
    date_sql = None
    if "lodgement_date" in mapping.sources:
        source = mapping.sources["lodgement_date"]
        date_sql = _date(source, types[source.column], mapping.date_format)
    for column in CANONICAL:
        source = mapping.sources.get(column.name)
        if source is None:
            exprs[column.name] = f"CAST(NULL AS {_DUCK_TYPES[column.kind]})"
            continue
        duck_type = types[source.column]
        kind = column.kind
        if kind in ("id", "int"):
            sql = _number(source, duck_type, mapping, _DUCK_TYPES[kind])
        elif kind == "number":
            sql = _number(source, duck_type, mapping, "DOUBLE")
        elif kind == "money":
            local = _number(source, duck_type, mapping, "DOUBLE")
            exprs[f"lcy__{column.name}"] = local
            sql = f"({local} * {_rate(mapping, date_sql)})"
        elif kind == "date":
            sql = date_sql
        elif kind == "timestamp":
            sql = _date(source, duck_type, mapping.timestamp_format)
        elif kind == "bool":
            sql = _bool(source, duck_type)
        else:
            sql = _code(column, source, duck_type)
        exprs[column.name] = sql
        exprs[f"raw__{column.name}"] = _text(source.column, duck_type)
    if "inspected" not in mapping.sources:
        exprs["inspected"] = _derived_inspected(mapping, exprs)
    return exprs


def _derived_inspected(mapping: Mapping, exprs: dict[str, str]) -> str:
    """Controlled = yellow or red channel; without a (known) channel, an outcome recorded."""
    recorded = (f"({exprs['raw__inspection_outcome']} IS NOT NULL)"
                if "inspection_outcome" in mapping.sources else "CAST(NULL AS BOOLEAN)")
    if "risk_channel" in mapping.sources:
        channel = exprs["risk_channel"]
        return (f"(CASE WHEN {channel} IS NULL THEN {recorded} "
                f"ELSE {channel} IN ('yellow', 'red') END)")
    return recorded


def scan_sql(con: duckdb.DuckDBPyConnection, data: Path, mapping: Mapping) -> str:
    """The query that yields ``source_row`` (1 = first data line) and the parsed columns."""
    types = source_columns(con, data, mapping)
    if len(types) == 1 and file_format(data, mapping) == "csv":
        (header,) = types
        seen = [d for d in ";,\t|" if d in header and d != mapping.delimiter]
        if seen:
            raise MappingError(
                f"{mapping.path}: {data.name} has a single column {header[:60]!r} with "
                f"{mapping.delimiter!r} as delimiter; its lines seem to be separated by "
                f"{seen[0]!r}: set `file: {{delimiter: {seen[0]!r}}}` in the mapping")
    required_sources(mapping, list(types))
    exprs = parsed_expressions(mapping, types)
    select = ",\n  ".join(f"{sql} AS {_ident(name)}" for name, sql in exprs.items())
    return (f"SELECT row_number() OVER () AS source_row,\n  {select}\n"
            f"FROM {relation_sql(data, mapping)}")
