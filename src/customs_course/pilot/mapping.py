"""The mapping file: how an administration's columns become the course's schema.

A small YAML file (``customs-course pilot template`` writes a commented one) says, once, which
column of the administration's file holds each column of the course's schema
(:mod:`customs_course.pilot.canonical`), how its file is written (delimiter, decimal separator,
date formats), which currency its values are in and how to convert them to US dollars, how wide
its codes are (so that codes read as numbers get their leading zeros back), which of its values
mean each channel, procedure or outcome, and which columns it does not have.

The file is checked twice: against a JSON schema (:func:`mapping_schema`, built from the
canonical columns, so the two cannot drift), then for what a schema cannot say (every column of
the course is either mapped or declared missing, date formats that parse). Every problem comes
as a :class:`MappingError` naming the place in the file and what to write instead.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from customs_course.pilot.canonical import CANONICAL, MONEY, REQUIRED

__all__ = ["MappingError", "Mapping", "load_mapping", "mapping_schema", "template_text"]

OUTCOME_KINDS = ("undervaluation", "misclassification", "origin", "procedural")
DEFAULT_TRUE = ("1", "true", "t", "yes", "y")
DEFAULT_FALSE = ("0", "false", "f", "no", "n")
#: Largest share of lines a problem may touch before `check` calls it blocking.
DEFAULT_TOLERANCE = 0.01


class MappingError(ValueError):
    """The mapping file is wrong; the message says where and what to write instead."""


def _text_list() -> dict:
    return {"type": "array", "items": {"type": "string"}, "uniqueItems": True}


def _column_schema(column) -> dict:
    """The JSON schema of one entry of ``columns``: a column name, or an object with options."""
    options: dict[str, Any] = {"column": {"type": "string", "minLength": 1}}
    if column.kind == "code":
        options["width"] = {"type": "integer", "minimum": 1, "maximum": 20}
        target = ({"type": "string", "enum": list(column.categories)} if column.categories
                  else {"type": "string", "minLength": 1})
        if column.name == "inspection_outcome":
            options["no_irregularity"] = _text_list()
            options["irregularity_found"] = {
                "type": "object", "additionalProperties": {"enum": list(OUTCOME_KINDS)}}
        elif column.name != "hs6":  # HS codes are kept as they are, only zero-padded
            options["values"] = {"type": "object", "additionalProperties": target}
    if column.kind == "bool":
        options["true_values"] = _text_list()
        options["false_values"] = _text_list()
    required = ["column"]
    if column.name == "inspection_outcome":
        required += ["no_irregularity", "irregularity_found"]
    return {"oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "object", "properties": options, "required": required,
         "additionalProperties": False},
    ]}


def mapping_schema() -> dict:
    """The JSON schema of a mapping file (version 1)."""
    names = [c.name for c in CANONICAL]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["mapping_version", "columns"],
        "additionalProperties": False,
        "properties": {
            "mapping_version": {"const": 1},
            "administration": {"type": "string"},
            "file": {"type": "object", "additionalProperties": False, "properties": {
                "format": {"enum": ["auto", "csv", "parquet"]},
                "delimiter": {"type": "string", "minLength": 1, "maxLength": 1},
                "decimal": {"enum": [".", ","]},
                "thousands": {"enum": ["", ",", ".", " ", "'"]},
                "quote": {"type": "string", "maxLength": 1},
                "encoding": {"enum": ["utf-8", "utf-16", "latin-1"]},
                "header": {"const": True},
            }},
            "dates": {"type": "object", "additionalProperties": False, "properties": {
                "format": {"type": "string", "minLength": 2},
                "timestamp_format": {"type": "string", "minLength": 2},
            }},
            "currency": {"type": "object", "additionalProperties": False,
                         "required": ["code"],
                         "properties": {
                             "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                             "usd_per_unit": {"type": "number", "exclusiveMinimum": 0},
                             "monthly": {"type": "object", "minProperties": 1,
                                         "propertyNames": {"pattern": r"^\d{4}-\d{2}$"},
                                         "additionalProperties": {
                                             "type": "number", "exclusiveMinimum": 0}},
                         },
                         "oneOf": [{"required": ["usd_per_unit"]}, {"required": ["monthly"]}]},
            "tolerance": {"type": "number", "minimum": 0, "maximum": 1},
            "columns": {"type": "object", "additionalProperties": False,
                        "properties": {c.name: _column_schema(c) for c in CANONICAL}},
            "missing": {"type": "array", "uniqueItems": True,
                        "items": {"enum": names}},
        },
    }


@dataclass(frozen=True)
class Source:
    """Where one canonical column comes from."""

    column: str
    width: int | None = None
    values: dict[str, str] | None = None
    true_values: tuple[str, ...] = DEFAULT_TRUE
    false_values: tuple[str, ...] = DEFAULT_FALSE


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file."""

    path: Path
    sha256: str
    sources: dict[str, Source]  # canonical name -> where it comes from
    missing: tuple[str, ...]
    file_format: str = "auto"
    delimiter: str = ","
    decimal: str = "."
    thousands: str = ""
    quote: str = '"'
    encoding: str = "utf-8"
    date_format: str | None = None
    timestamp_format: str | None = None
    currency: str | None = None
    usd_per_unit: float | None = None
    monthly_rates: dict[str, float] = field(default_factory=dict)
    tolerance: float = DEFAULT_TOLERANCE


def _where(error: jsonschema.ValidationError) -> str:
    return " > ".join(map(str, error.absolute_path)) or "the top level"


def _explain(error: jsonschema.ValidationError) -> str:
    """One schema error as a sentence that says what to write."""
    place = _where(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and "properties" in schema:
        extra = sorted(set(error.instance) - set(schema["properties"]))
        allowed = ", ".join(schema["properties"])
        hints = [difflib.get_close_matches(str(k), list(schema["properties"]), n=1)
                 for k in extra]
        near = "; ".join(f"did you mean {h[0]!r} for {k!r}?"
                         for k, h in zip(extra, hints, strict=True) if h)
        return (f"at {place}: unknown key {', '.join(map(repr, extra))}; the keys allowed "
                f"here are {allowed}" + (f" ({near})" if near else ""))
    if error.validator == "oneOf" and isinstance(error.instance, dict) and "currency" in place:
        return (f"at {place}: give the conversion either as usd_per_unit (one fixed rate) or "
                "as monthly (a rate per month, such as '2022-01': 0.0016), not both or none")
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        # a column given as an object: explain what is wrong in the object form (branch 1)
        in_object = [e for e in error.context if e.relative_schema_path[0] == 1]
        if in_object:
            return _explain(jsonschema.exceptions.best_match(in_object))
    if error.validator == "oneOf":
        return (f"at {place}: write the name of your file's column (such as DECL_NO), or an "
                "object with `column:` and its options; got "
                f"{error.instance!r}")
    if error.validator == "type" and schema.get("type") == "string":
        return (f"at {place}: {error.instance!r} should be text; put codes in quotes "
                "(such as '040') so that YAML keeps them as written, leading zeros included")
    if error.validator == "required":
        return f"at {place}: {error.message}"
    return f"at {place}: {error.message}"


def _check_keys_are_text(raw: dict) -> None:
    for name, entry in (raw.get("columns") or {}).items():
        if not isinstance(entry, dict):
            continue
        for option in ("values", "irregularity_found"):
            table = entry.get(option) or {}
            if isinstance(table, dict):
                numbers = [k for k in table if not isinstance(k, str)]
                if numbers:
                    raise MappingError(
                        f"at columns > {name} > {option}: the code {numbers[0]!r} is not in "
                        f"quotes; write '{numbers[0]}': ... (YAML reads 040 as a number and "
                        "drops or changes its leading zero)")


def _check_date_format(fmt: str, key: str, *, needs_time: bool = False) -> None:
    import duckdb

    try:
        duckdb.sql("SELECT try_strptime('2022-01-01', ?)", params=[fmt]).fetchall()
    except duckdb.Error as exc:
        raise MappingError(f"at dates > {key}: {fmt!r} is not a date format ({exc}). Use the "
                           "codes of strptime: %d day, %m month, %Y year, %H:%M hours and "
                           "minutes, such as '%d/%m/%Y' for 31/12/2022") from None
    parts = {"year": r"%-?[Yy]", "month": r"%-?[mbB]", "day": r"%-?[dj]"}
    if needs_time:
        parts["hour"] = r"%-?[HI]"
    for part, pattern in parts.items():
        if not re.search(pattern, fmt):
            raise MappingError(
                f"at dates > {key}: {fmt!r} has no {part}; write the whole format of your "
                "file's dates, such as '%d/%m/%Y' for 31/12/2022 or '%Y%m%d' for 20221231"
                + (" and '%d/%m/%Y %H:%M' for 31/12/2022 14:05" if needs_time else ""))


def _sources(raw_columns: dict) -> dict[str, Source]:
    sources = {}
    for name, entry in raw_columns.items():
        if isinstance(entry, str):
            sources[name] = Source(column=entry)
            continue
        values = entry.get("values")
        if name == "inspection_outcome":
            values = {code: "no_irregularity" for code in entry["no_irregularity"]}
            clash = set(values) & set(entry["irregularity_found"])
            if clash:
                raise MappingError(
                    f"at columns > inspection_outcome: {sorted(clash)} is both in "
                    "no_irregularity and irregularity_found; a result is one or the other")
            values.update(entry["irregularity_found"])
        sources[name] = Source(
            column=entry["column"], width=entry.get("width"), values=values,
            true_values=tuple(v.lower() for v in entry.get("true_values", DEFAULT_TRUE)),
            false_values=tuple(v.lower() for v in entry.get("false_values", DEFAULT_FALSE)))
    return sources


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; raise :class:`MappingError` with a clear message."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"cannot read the mapping file {path}: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise MappingError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path} should hold a mapping such as `customs-course pilot "
                           "template` writes; it holds no keys")
    try:
        _check_keys_are_text(raw)
        errors = sorted(jsonschema.Draft202012Validator(mapping_schema()).iter_errors(raw),
                        key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            raise MappingError("; ".join(_explain(e) for e in errors[:5]))
        return _checked(path, data, raw)
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from None


def _checked(path: Path, data: bytes, raw: dict) -> Mapping:
    columns, missing = raw["columns"], tuple(raw.get("missing", ()))
    both = sorted(set(columns) & set(missing))
    if both:
        raise MappingError(f"{', '.join(both)} is both mapped and listed as missing; "
                           "keep one of the two")
    required_missing = [c for c in REQUIRED if c in missing]
    if required_missing:
        raise MappingError(
            f"{', '.join(required_missing)} cannot be missing: no pilot runs without "
            f"{', '.join(REQUIRED)}. Map them to your file's columns")
    forgotten = [c.name for c in CANONICAL if c.name not in columns and c.name not in missing]
    if forgotten:
        raise MappingError(
            f"say where each course column is: {', '.join(forgotten)} is neither under "
            "`columns` nor under `missing`; map it, or list it under `missing` if your file "
            "does not have it")
    dates = raw.get("dates", {})
    if "format" not in dates:
        raise MappingError("at dates: give `format`, the format of your lodgement dates, "
                           "such as '%d/%m/%Y' for 31/12/2022")
    _check_date_format(dates["format"], "format")
    if {"arrival_time", "release_time"} & set(columns):
        if "timestamp_format" not in dates:
            raise MappingError("at dates: give `timestamp_format` for arrival_time and "
                               "release_time, such as '%d/%m/%Y %H:%M'")
        _check_date_format(dates["timestamp_format"], "timestamp_format", needs_time=True)
    currency = raw.get("currency")
    if currency is None and set(MONEY) & set(columns):
        raise MappingError("give `currency`: the currency of your values and its rate in US "
                           "dollars (usd_per_unit), so that the values can be compared with "
                           "the course's")
    file = raw.get("file", {})
    if file.get("thousands") and file.get("thousands") == file.get("decimal", "."):
        raise MappingError("at file: the thousands separator and the decimal separator "
                           "must differ")
    if file.get("delimiter") and file.get("delimiter") == file.get("decimal"):
        raise MappingError("at file: the delimiter and the decimal separator must differ")
    currency = currency or {}
    return Mapping(
        path=path, sha256=hashlib.sha256(data).hexdigest(), sources=_sources(columns),
        missing=missing, file_format=file.get("format", "auto"),
        delimiter=file.get("delimiter", ","), decimal=file.get("decimal", "."),
        thousands=file.get("thousands", ""), quote=file.get("quote", '"'),
        encoding=file.get("encoding", "utf-8"), date_format=dates["format"],
        timestamp_format=dates.get("timestamp_format"), currency=currency.get("code"),
        usd_per_unit=currency.get("usd_per_unit"),
        monthly_rates=dict(currency.get("monthly", {})),
        tolerance=raw.get("tolerance", DEFAULT_TOLERANCE))


def template_text() -> str:
    """The commented mapping template shipped with the package."""
    return resources.files("customs_course.pilot").joinpath("mapping_template.yml").read_text(
        encoding="utf-8")


def required_sources(mapping: Mapping, file_columns: list[str]) -> None:
    """Raise :class:`MappingError` if a column the mapping names is not in the file."""
    absent = [(name, s.column) for name, s in mapping.sources.items()
              if s.column not in file_columns]
    if absent:
        lines = []
        for name, column in absent:
            near = difflib.get_close_matches(column, file_columns, n=1)
            lines.append(f"{column!r} (for {name})" + (f", did you mean {near[0]!r}?" if near
                                                         else ""))
        raise MappingError(
            f"{mapping.path}: the file has no column " + "; no column ".join(lines)
            + f". Its columns are: {', '.join(file_columns)}. Correct the names under "
            "`columns`, or list the course column under `missing`")

