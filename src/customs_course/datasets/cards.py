"""Data cards: read them, turn them into dtypes, and check a frame against its card.

A card is the YAML file ``datasets/<name>/card.yml`` (shipped in the package). For each column it
gives the dtype, the unit, the allowed values (``categories``, or ``categories_from`` a registry of
the shared world such as ``importer``), a range (``min``/``max``) and the missing-value rule:
``nullable: false`` (never missing), or ``missing_when`` another column has a given value (and
present otherwise).

A generator's parameters live once, in its code: a card names them with
``parameters_from: <module>:<name>``, and :func:`load_card` fills ``parameters`` from there and
renders the fields ``{p[...]}`` of the card's texts (``summary`` and ``planted``) with them, so
the text a learner reads always states the numbers the generator uses. The generator's version
is filled in the same way (``GENERATOR_VERSION``); a card that states one is refused.
"""

from __future__ import annotations

import copy
import importlib
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from customs_course.datasets._version import GENERATOR_VERSION
from customs_course.datasets._world import dtype_of

#: The six datasets, in the order lessons meet them.
DATASET_NAMES = (
    "declarations",
    "clearance_events",
    "seizures",
    "mirror_flows",
    "hs_nomenclature",
    "goods_descriptions",
)


def cards_dir() -> Path:
    """Return the folder that holds the data cards (``datasets/`` of the installed package's
    content, or of the checkout: :func:`customs_course.content.content_root`)."""
    from customs_course.content import content_root

    return content_root() / "datasets"


@cache
def load_card(name: str) -> dict[str, Any]:
    """Return the data card of dataset ``name`` as a dict."""
    if name not in DATASET_NAMES:
        raise ValueError(f"No dataset named {name!r}; choose one of {', '.join(DATASET_NAMES)}.")
    path = cards_dir() / name / "card.yml"
    with path.open(encoding="utf-8") as handle:
        card = yaml.safe_load(handle)
    if card.get("name") != name or not isinstance(card.get("columns"), list):
        raise ValueError(f"{path} is not a valid data card: it needs `name: {name}` and `columns`.")
    # the version lives once, in the code that makes the data
    return render_card(dict(card, generator_version=GENERATOR_VERSION))


def card_parameters(reference: str) -> dict[str, Any]:
    """Return a plain copy of the parameters that ``'<module>:<name>'`` names."""
    module, _, attribute = reference.partition(":")
    return _plain(copy.deepcopy(getattr(importlib.import_module(module), attribute)))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _render(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(p=params)
    if isinstance(value, dict):
        return {k: _render(v, params) for k, v in value.items()}
    return value


def render_card(card: dict[str, Any]) -> dict[str, Any]:
    """Fill ``parameters`` from ``parameters_from`` and render the ``{p[...]}`` fields of the
    card's ``summary`` and ``planted`` texts (a card without ``parameters_from`` is unchanged)."""
    reference = card.get("parameters_from")
    if reference is None:
        return card
    if "parameters" in card:
        raise ValueError(f"The card of {card['name']} has both parameters and parameters_from; "
                         "keep the parameters in the generator's code only.")
    params = card_parameters(reference)
    card = dict(card, parameters=params)
    for section in ("summary", "planted"):
        if section in card:
            card[section] = _render(card[section], params)
    return card


def column_dtype(column: dict[str, Any]) -> Any:
    """Return the pandas dtype that a card's column entry describes."""
    dtype = column["dtype"]
    if dtype != "category":
        return dtype
    if "categories_from" in column:
        return dtype_of(column["categories_from"])
    categories = pd.Index([str(c) for c in column["categories"]], dtype="str")
    return pd.CategoricalDtype(categories, ordered=bool(column.get("ordered", False)))


def card_dtypes(card: dict[str, Any]) -> dict[str, Any]:
    """Return ``{column: dtype}`` for every column of a card."""
    return {col["name"]: column_dtype(col) for col in card["columns"]}


def apply_card(frame: pd.DataFrame, card: dict[str, Any]) -> pd.DataFrame:
    """Cast the columns of ``frame`` to the card's dtypes and category order (in place)."""
    for name, dtype in card_dtypes(card).items():
        if name not in frame.columns:
            raise ValueError(f"The file has no column {name!r}; delete it and load it again.")
        series = frame[name]
        if series.dtype == dtype:
            continue
        if isinstance(dtype, pd.CategoricalDtype):
            if isinstance(series.dtype, pd.CategoricalDtype):
                series = series.astype("str")
            converted = series.astype(dtype)
            lost = converted.isna() & series.notna()
            if lost.any():
                raise ValueError(
                    f"Column {name!r} has values that its data card does not allow, such as "
                    f"{series[lost].iloc[0]!r}; delete the file and load it again."
                )
            frame[name] = converted
        elif str(dtype).startswith("datetime64"):
            frame[name] = pd.to_datetime(series).astype(dtype)
        else:
            frame[name] = series.astype(dtype)
    return frame


def _missing_rule(column: dict[str, Any], frame: pd.DataFrame) -> list[str]:
    name = column["name"]
    missing = frame[name].isna()
    rule = column.get("missing_when")
    if rule is None:
        if not column.get("nullable", False) and missing.any():
            return [f"{name}: {int(missing.sum())} missing values, but the card says none"]
        return []
    other = frame[rule["column"]]
    expected = other.isna() if rule.get("is_missing") else other == rule["equals"]
    expected = expected.fillna(False).astype(bool)
    if (missing != expected).any():
        bad = int((missing != expected).sum())
        return [f"{name}: {bad} rows break the rule 'missing when {rule}'"]
    return []


def validate_frame(frame: pd.DataFrame, card: dict[str, Any]) -> list[str]:
    """Return the problems of ``frame`` against its card (an empty list when it conforms)."""
    problems = []
    names = [col["name"] for col in card["columns"]]
    if list(frame.columns) != names:
        return [f"columns {list(frame.columns)} differ from the card's {names}"]
    for column in card["columns"]:
        name, series = column["name"], frame[column["name"]]
        dtype = column_dtype(column)
        if isinstance(dtype, pd.CategoricalDtype):
            if not isinstance(series.dtype, pd.CategoricalDtype):
                problems.append(f"{name}: dtype {series.dtype}, card says category")
            elif not series.dtype.categories.equals(dtype.categories) or (
                series.dtype.ordered != dtype.ordered
            ):
                problems.append(f"{name}: categories or their order differ from the card")
        elif str(series.dtype) != str(dtype):
            problems.append(f"{name}: dtype {series.dtype}, card says {dtype}")
        problems += _missing_rule(column, frame)
        present = series.dropna()
        for bound, op in (("min", "lt"), ("max", "gt")):
            if bound in column and len(present):
                limit = column[bound]
                if str(series.dtype).startswith("datetime64"):
                    limit = pd.Timestamp(limit)
                if getattr(present, op)(limit).any():
                    problems.append(f"{name}: values beyond the card's {bound} {column[bound]}")
        if "pattern" in column and len(present):
            if isinstance(series.dtype, pd.CategoricalDtype):
                used = pd.unique(series.cat.codes[series.cat.codes >= 0])
                present = pd.Series(series.cat.categories[used], dtype="str")
            ok = present.astype("str").str.fullmatch(column["pattern"])
            if not ok.all():
                problems.append(f"{name}: values that do not match {column['pattern']!r}")
    key = card.get("primary_key")
    if key and frame.duplicated(subset=key).any():
        problems.append(f"primary key {key} has duplicates")
    return problems


def check_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Raise ``ValueError`` listing every way ``frame`` breaks the card of ``name``."""
    problems = validate_frame(frame, load_card(name))
    if problems:
        raise ValueError(f"{name} does not match its data card:\n- " + "\n- ".join(problems))
    return frame
