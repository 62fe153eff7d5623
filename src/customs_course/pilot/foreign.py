"""Sandbox declarations written the way another administration would hold them.

The proof that the pilot kit works on data the course did not make for itself: other column
names in another order, procedure, transport and tariff codes as numbers (their leading zeros
lost), a semicolon CSV with decimal commas, values in a local currency, day-first dates as
text, no seller country and no `inspected` flag, and dirt of every kind `pilot check` names
(zeros, missing values, bad dates, unknown codes, text in numbers, negative masses, repeated
lines), planted on about 0.1% of the lines each. :func:`write_foreign` also writes the mapping
that maps the table back (the package's commented template, which describes this layout).

DuckDB writes it in one streaming pass (``COPY ... TO``), so a table of 50 million lines
needs no more memory than one of ten thousand.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from customs_course.pilot.mapping import template_text

__all__ = ["DIRT", "USD_PER_UNIT", "ForeignTable", "write_foreign"]

#: US dollars per unit of the local currency (XLC) in the template: 1 USD = 400 XLC.
USD_PER_UNIT = 0.0025
#: Dirt planted, by kind: (the foreign column it touches, its bucket out of 1,000 lines).
DIRT = {
    "zero value": ("FOB_LCY", 0),
    "missing mass": ("NET_WEIGHT", 1),
    "missing origin": ("ORIGIN_CTY", 2),
    "bad date": ("REG_DATE", 3),
    "unknown procedure": ("CPC", 4),
    "unknown channel": ("LANE", 5),
    "text in a number": ("NET_WEIGHT", 6),
    "negative mass": ("NET_WEIGHT", 7),
    "repeated line": ("DECL_NO", 8),
}
#: The national 10-digit tariff code (HS6 + 0000) as a number: 0101210000 becomes 101210000.
TARIFF_AS_NUMBER = "CAST(CAST(hs6 AS VARCHAR) || '0000' AS BIGINT)"
_PROCEDURES = {"home_use": 40, "warehousing": 71, "inward_processing": 51,
               "temporary_admission": 53, "re_import": 61}
_MODES = {"sea": 1, "rail": 2, "road": 3, "air": 4, "post": 5}
_UNITS = {"kg": "KGM", "l": "LTR", "pair": "PR", "u": "NAR"}
_CHANNELS = {"green": "G", "yellow": "Y", "red": "R"}
_SELECTIONS = {"rule": "RISK", "random": "RANDOM"}
_OUTCOMES = {"no_irregularity": "NONE", "undervaluation": "VAL", "misclassification": "TAR",
             "origin": "ORI", "procedural": "DOC"}


@dataclass
class ForeignTable:
    path: Path
    mapping: Path
    rows: int
    #: kind of dirt -> rows of the written file (1 = first data line) that carry it
    ledger: dict[str, list[int]] = field(default_factory=dict)


def _case(column: str, table: dict) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in table.items())
    return f"(CASE CAST({column} AS VARCHAR) {whens} END)"


def _num(sql: str, csv: bool) -> str:
    """A number as the file holds it: text with a decimal comma (CSV), or a double."""
    return f"replace(CAST({sql} AS VARCHAR), '.', ',')" if csv else f"CAST({sql} AS DOUBLE)"


def _select(csv: bool, usd_per_unit: float) -> str:
    """The foreign table's columns, in its own order, from the numbered sandbox lines ``s``."""
    units_per_usd = 1 / usd_per_unit
    dirty = lambda kind: f"s.b = {DIRT[kind][1]}"  # noqa: E731
    money = lambda c: _num(f"round({c} * {units_per_usd!r}, 2)", csv)  # noqa: E731
    mass = (f"CASE WHEN {dirty('missing mass')} THEN NULL "
            f"WHEN {dirty('negative mass')} THEN {_num('-net_mass_kg - 1', csv)} "
            + (f"WHEN {dirty('text in a number')} THEN CAST(net_mass_kg AS VARCHAR) || ' kg' "
               if csv else "") + f"ELSE {_num('net_mass_kg', csv)} END")
    code = (lambda sql: f"CAST({sql} AS VARCHAR)") if csv else (lambda sql: sql)
    return ",\n".join([
        f"{code('declaration_id')} AS DECL_NO",
        f"CASE WHEN {dirty('bad date')} THEN (CASE WHEN s.r % 2 = 0 THEN '31/02/2022' "
        "ELSE 'n/a' END) ELSE strftime(lodgement_date, '%d/%m/%Y') END AS REG_DATE",
        f"{code('line_number')} AS ITEM_NO",
        "CAST(importer_id AS VARCHAR) AS TRADER_TIN",
        f"{code(TARIFF_AS_NUMBER)} AS TARIFF_CODE",
        f"{money('fob_value')} AS FOB_LCY",
        f"{money('customs_value')} AS CUSTOMS_VALUE_LCY",
        f"{mass} AS NET_WEIGHT",
        f"CASE WHEN {dirty('missing origin')} THEN NULL ELSE CAST(origin_country AS VARCHAR) "
        "END AS ORIGIN_CTY",
        f"CASE WHEN {dirty('unknown procedure')} THEN {code('999')} ELSE "
        f"{code(_case('procedure', _PROCEDURES) + '::INTEGER')} END AS CPC",
        f"{_case('mode_of_transport', _MODES)} AS TRANSPORT_MODE",
        "CAST(office AS VARCHAR) AS OFFICE",
        "CAST(declarant_id AS VARCHAR) AS BROKER",
        "CAST(departure_country AS VARCHAR) AS DISPATCH_CTY",
        f"{_num('quantity', csv)} AS SUPP_QTY",
        f"{_case('quantity_unit', _UNITS)} AS SUPP_UNIT",
        "CAST(currency AS VARCHAR) AS INVOICE_CCY",
        f"{_num('tariff_rate', csv)} AS DUTY_RATE",
        f"{money('duty_and_taxes')} AS TAXES_LCY",
        "CASE WHEN preference_claimed THEN 'Y' ELSE 'N' END AS PREF",
        f"CASE WHEN {dirty('unknown channel')} THEN 'X' ELSE "
        f"{_case('risk_channel', _CHANNELS)} END AS LANE",
        f"{_case('selection', _SELECTIONS)} AS SEL_REASON",
        f"{_case('inspection_outcome', _OUTCOMES)} AS FINDING",
    ]).replace(f"{money('fob_value')} AS FOB_LCY",
               f"CASE WHEN {dirty('zero value')} THEN {_num('0', csv)} ELSE "
               f"{money('fob_value')} END AS FOB_LCY")


def _numbered(source: str, seed: int, dirt: bool) -> str:
    bucket = f"hash(r, {int(seed)}) % 1000" if dirt else "-1"
    return (f"SELECT *, {bucket} AS b FROM (SELECT row_number() OVER () AS r, * "
            f"FROM {source})")


def write_foreign(declarations: str | os.PathLike | pd.DataFrame, out: str | os.PathLike, *,
                  mapping_out: str | os.PathLike | None = None, usd_per_unit: float =
                  USD_PER_UNIT, dirt: bool = True, seed: int = 18, ledger: bool = True,
                  memory_limit: str = "1GB") -> ForeignTable:
    """Write sandbox ``declarations`` (a Parquet file or a DataFrame) in a foreign layout.

    ``out`` ending in ``.csv`` gives the semicolon CSV with decimal commas; ``.parquet`` a typed
    file (codes as integers, numbers as doubles, dates as text). ``mapping_out`` (default: beside
    ``out``, ``<stem>.mapping.yml``) gets the mapping back to the course's schema. With
    ``dirt``, about 0.1% of the lines carry each kind of :data:`DIRT`; ``ledger`` lists them
    (one extra pass; leave it off for very large tables).
    """
    out = Path(out)
    csv = out.suffix.lower() == ".csv"
    mapping_out = Path(mapping_out) if mapping_out else out.with_name(f"{out.stem}.mapping.yml")
    spill = Path(tempfile.mkdtemp(prefix=".customs-course-foreign-", dir=out.parent))
    try:
        return _write(declarations, out, mapping_out, csv, spill, usd_per_unit=usd_per_unit,
                      dirt=dirt, seed=seed, ledger=ledger, memory_limit=memory_limit)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _write(declarations, out: Path, mapping_out: Path, csv: bool, spill: Path, *,
           usd_per_unit: float, dirt: bool, seed: int, ledger: bool, memory_limit: str
           ) -> ForeignTable:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    # DuckDB spills into ./.tmp unless told: keep its files beside the output, then remove them
    con.execute("SET temp_directory = '" + str(spill).replace("'", "''") + "'")
    if isinstance(declarations, pd.DataFrame):
        con.register("sandbox", declarations)
        source = "sandbox"
    else:
        source = "read_parquet('" + str(declarations).replace("'", "''") + "')"
    numbered = _numbered(source, seed, dirt)
    repeat = f"CASE WHEN b = {DIRT['repeated line'][1]} THEN [1, 2] ELSE [1] END"
    query = (f"SELECT {_select(csv, usd_per_unit)} FROM (SELECT *, unnest({repeat}) AS copy "
             f"FROM ({numbered})) AS s")
    target = "'" + str(out).replace("'", "''") + "'"
    options = "FORMAT csv, DELIMITER ';', HEADER true" if csv else "FORMAT parquet"
    rows = con.execute(f"COPY ({query}) TO {target} ({options})").fetchone()[0]
    table = ForeignTable(out, mapping_out, int(rows))
    if dirt and ledger:
        table.ledger = _ledger(con, numbered, csv)
    con.close()
    text = template_text().replace("usd_per_unit: 0.0025  # US dollars for one unit of it "
                                   "(1 USD = 400 XLC)",
                                   f"usd_per_unit: {usd_per_unit!r}")
    if not csv:
        text = text.replace('format: auto ', 'format: parquet')
    mapping_out.write_text(text, encoding="utf-8")
    return table


def _ledger(con, numbered: str, csv: bool) -> dict[str, list[int]]:
    """Rows of the written file (1 = first data line) that carry each kind of dirt."""
    repeated = DIRT["repeated line"][1]
    placed = con.execute(
        f"SELECT r + coalesce(sum(CASE WHEN b = {repeated} THEN 1 ELSE 0 END) OVER "
        "(ORDER BY r ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS row, b "
        f"FROM ({numbered}) WHERE b < {len(DIRT)} ORDER BY r").df()
    found = {}
    for kind, (_, bucket) in DIRT.items():
        rows = placed.loc[placed["b"] == bucket, "row"].astype(int).tolist()
        if kind == "repeated line":
            rows = [row + 1 for row in rows]  # the copy, right after its original
        if kind == "text in a number" and not csv:
            continue  # a typed Parquet column cannot hold text
        found[kind] = rows
    return found
