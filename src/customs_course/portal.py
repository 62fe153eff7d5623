"""The Data Portal pages of the book, rendered from the datasets' data cards.

Each portal page calls ``show_card(name)`` in a hidden cell; what it shows (summary, columns,
planted ground truth, measured recoverability, a preview) comes from ``datasets/<name>/card.yml``,
so the page and the loader never disagree.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from customs_course.datasets import DATASET_NAMES, load_card, load_dataset

MAX_LISTED_VALUES = 8


def _allowed_values(column: dict) -> str:
    if "categories" in column:
        values = [str(v) for v in column["categories"]]
        shown = ", ".join(values[:MAX_LISTED_VALUES])
        return shown + (f", ... ({len(values)} values)" if len(values) > MAX_LISTED_VALUES else "")
    if "categories_from" in column:
        return f"codes of the shared {column['categories_from']} registry"
    if "pattern" in column:
        return f"pattern {column['pattern']}"
    bounds = [f"min {column['min']}" if "min" in column else "",
              f"max {column['max']}" if "max" in column else ""]
    return ", ".join(b for b in bounds if b)


def _meaning(column: dict) -> str:
    described = column["description"]
    if column.get("ground_truth") and "ground truth" not in described.lower():
        return described + " (ground truth)"
    return described


def columns_table(name: str) -> pd.DataFrame:
    """One row per column: type, unit, allowed values, when it may be missing, meaning."""
    rows = []
    for column in load_card(name)["columns"]:
        if column.get("nullable"):
            missing = column.get("missing_when", "may be missing")
        else:
            missing = "never"
        rows.append({
            "column": column["name"],
            "type": column["dtype"],
            "unit": column.get("unit", ""),
            "allowed values": _allowed_values(column),
            "missing": missing,
            "meaning": _meaning(column),
        })
    return pd.DataFrame(rows)


def editions_table(name: str) -> pd.DataFrame:
    editions = load_card(name)["editions"]
    return pd.DataFrame([
        {"edition": edition, "rows": spec.get("n_rows", ""),
         "files": ", ".join(spec.get("formats", [])), "use": spec.get("use", "")}
        for edition, spec in editions.items()
    ])


def about_markdown(name: str) -> str:
    card = load_card(name)
    lines = [card["summary"], "",
             f"- **One row is** {card['row']}; key: {', '.join(card['primary_key'])}."]
    if "period" in card:
        lines.append(f"- **Period**: {card['period']}.")
    lines += [f"- **Made by** `{card['generator']}` version {card['generator_version']}, "
              f"seed {card['default_seed']}.", f"- **Licence**: {card['licence']}."]
    if card.get("joins"):
        joins = "; ".join(f"{other} on {how}" for other, how in card["joins"].items())
        lines.append(f"- **Joins**: {joins}.")
    return "\n".join(lines)


def planted_markdown(name: str) -> str:
    card = load_card(name)
    lines = []
    if card.get("ground_truth"):
        lines += [f"**Ground truth.** {card['ground_truth']}", ""]
    for mechanism, how in (card.get("planted") or {}).items():
        lines.append(f"- **{mechanism.replace('_', ' ').capitalize()}**: {' '.join(how.split())}")
    return "\n".join(lines)


def recoverable_table(name: str) -> pd.DataFrame | None:
    """What simple methods recover of the planted truth, as measured by the tests."""
    recoverable = load_card(name).get("recoverable")
    if not recoverable:
        return None
    rows = []
    for method, spec in recoverable.items():
        measured = spec.get("measured", {})
        rows.append({"method": method.replace("_", " "), "how": " ".join(spec["how"].split()),
                     **{k.replace("_", " "): round(v, 3) for k, v in measured.items()}})
    return pd.DataFrame(rows).fillna("")


def show_card(name: str) -> None:
    """Display a dataset's portal page body (everything but its figure)."""
    if name not in DATASET_NAMES:
        raise ValueError(f"no dataset {name!r}; the datasets are {', '.join(DATASET_NAMES)}")
    display(Markdown(about_markdown(name)))
    display(Markdown("## Editions"))
    display(editions_table(name).style.hide(axis="index"))
    display(Markdown("## Columns"))
    display(columns_table(name).style.hide(axis="index"))
    planted = planted_markdown(name)
    if planted:
        display(Markdown("## How the ground truth was planted"))
        display(Markdown(planted))
    recoverable = recoverable_table(name)
    if recoverable is not None:
        display(Markdown("## What simple methods recover (measured by the tests)"))
        display(recoverable.style.hide(axis="index"))
    display(Markdown("## Preview: the first rows of the small edition"))
    display(load_dataset(name, edition="small").head(5))


def overview_table() -> pd.DataFrame:
    """One row per dataset for the portal's front page."""
    rows = []
    for name in DATASET_NAMES:
        card = load_card(name)
        sizes = {e: spec.get("n_rows", "") for e, spec in card["editions"].items()}
        rows.append({"dataset": name, "title": card["title"], "one row is": card["row"],
                     **{f"{e} rows": n for e, n in sizes.items()}})
    return pd.DataFrame(rows)
