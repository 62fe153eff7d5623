"""The course's declaration-lines schema: what the pilot kit writes and the lessons read.

The columns and dtypes of the sandbox's declarations file (``datasets/declarations/card.yml``),
less the two ground-truth columns that only a sandbox has (``fraud_type``, ``revenue_at_risk``),
plus the two clearance timestamps of the clearance-time pilot (from the clearance events'
card), which an administration may hold on the same table. Money is in US dollars.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

__all__ = ["CANONICAL", "CANONICAL_NAMES", "REQUIRED", "MONEY", "Column", "arrow_schema"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id, int, date, timestamp, code, number, money, bool
    categories: tuple[str, ...] | None = None  # a closed list (None: open, such as importers)
    ordered: bool = False


CANONICAL: tuple[Column, ...] = (
    Column("declaration_id", "id"),
    Column("line_number", "int"),
    Column("lodgement_date", "date"),
    Column("office", "code"),
    Column("procedure", "code", ("home_use", "warehousing", "inward_processing",
                                 "temporary_admission", "re_import")),
    Column("mode_of_transport", "code", ("sea", "air", "road", "rail", "post")),
    Column("importer_id", "code"),
    Column("declarant_id", "code"),
    Column("seller_country", "code"),
    Column("hs6", "code"),
    Column("origin_country", "code"),
    Column("departure_country", "code"),
    Column("quantity", "number"),
    Column("quantity_unit", "code", ("kg", "l", "pair", "u")),
    Column("net_mass_kg", "number"),
    Column("fob_value", "money"),
    Column("customs_value", "money"),
    Column("currency", "code"),
    Column("tariff_rate", "number"),
    Column("duty_and_taxes", "money"),
    Column("preference_claimed", "bool"),
    Column("risk_channel", "code", ("green", "yellow", "red"), ordered=True),
    Column("inspected", "bool"),
    Column("selection", "code", ("rule", "random")),
    Column("inspection_outcome", "code", ("no_irregularity", "undervaluation",
                                          "misclassification", "origin", "procedural")),
    Column("arrival_time", "timestamp"),
    Column("release_time", "timestamp"),
)
CANONICAL_NAMES = tuple(c.name for c in CANONICAL)
BY_NAME = {c.name: c for c in CANONICAL}
#: Columns without which no pilot runs: the mapping may not declare them missing.
REQUIRED = ("declaration_id", "line_number", "lodgement_date", "hs6", "origin_country",
            "importer_id", "fob_value", "net_mass_kg")
MONEY = tuple(c.name for c in CANONICAL if c.kind == "money")
#: What each kind of column becomes in the Parquet file (as in the sandbox's file).
_ARROW = {"id": pa.int64(), "int": pa.int16(), "date": pa.timestamp("us"),
          "timestamp": pa.timestamp("us"), "number": pa.float64(), "money": pa.float64(),
          "bool": pa.bool_()}


def arrow_type(column: Column) -> pa.DataType:
    if column.kind == "code":
        index = pa.int8() if column.categories else pa.int32()
        return pa.dictionary(index, pa.string(), ordered=column.ordered)
    return _ARROW[column.kind]


def arrow_schema() -> pa.Schema:
    """The canonical table's Arrow schema (codes as dictionaries: pandas reads categories)."""
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in CANONICAL])
