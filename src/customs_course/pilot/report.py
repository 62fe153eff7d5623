"""What the pilots publish, checked for disclosure, and the report for leaders built from it.

Every table a pilot notebook publishes goes through :func:`publish_table`, which applies the
course's disclosure rules (lesson L3-05, :mod:`customs_course.disclosure`) to its cells before
anything is written: a cell with fewer than ``min_contributors`` importers, one where the largest
importer holds ``k``% or more (dominance), or one where the second largest could estimate the
largest within ``p``% is suppressed; when the table also publishes a total, complementary cells
are suppressed until the linear-programming audit passes (:func:`disclosure.secondary_suppression`).
Figures are drawn from the published tables only, so they show nothing a table holds back.

A pilot's folder (the ``out_dir`` parameter of its notebook) then holds, machine-readable:

- ``pilot.json``: title, summary and status (``done`` or ``skipped`` with the reason);
- ``notes.json``: the statements the report must carry (cautions, selection bias, sampling);
- ``tables/<name>.csv`` (suppressed cells empty, a ``status`` column saying why) and
  ``tables/<name>.json`` (title, note, how many cells were suppressed and by which rule);
- ``figures/<name>.png`` and ``figures/<name>.json`` (alt text and caption).

:func:`write_report` renders those folders into ``report.html`` through the jinja2 templates
shipped with the package: inline CSS, figures as inline PNG, no external address. Row-level data
(declaration or importer ids, single lines) never reaches these files: tables hold aggregates of
cells, and the contributors' counts and largest values that the rules need stay in memory.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pandas as pd

from customs_course import __version__, disclosure

__all__ = [
    "RULES",
    "TOTAL",
    "cells_from_duckdb",
    "cells_from_frame",
    "find_chromium",
    "publish_figure",
    "publish_note",
    "publish_table",
    "set_pilot",
    "write_pdf",
    "write_report",
]

#: The disclosure rules of lesson L3-05: at least 3 importers, none holding 75% or more (1, 75),
#: and the rest of a cell at least 10% of its largest importer (p% rule).
RULES: dict = {"min_contributors": 3, "n": 1, "k": 75.0, "p": 10.0}
TOTAL = "Total"
PILOT_ORDER = ("quality", "valuation", "targeting", "clearance")


# ---------------------------------------------------------------------------------------------
# Cells: what the rules need to know of each published cell


def cells_from_frame(lines: pd.DataFrame, by: str | Sequence[str], *, weight: str | None = None,
                     contributor: str = "importer_id") -> pd.DataFrame:
    """The cells of ``lines`` grouped ``by``, for the rules: ``value`` (the sum of ``weight``,
    or the number of lines when ``weight`` is None), ``contributors``, ``top_1``, ``top_2``.

    A missing contributor counts as one unknown importer (fewer contributors: more suppression).
    """
    by = [by] if isinstance(by, str) else list(by)
    frame = lines[by].copy()
    frame["_weight"] = 1.0 if weight is None else pd.to_numeric(lines[weight]).fillna(0.0)
    frame["_weight"] = frame["_weight"].clip(lower=0.0)
    frame["_who"] = lines[contributor].astype("string").fillna("(unknown)")
    return disclosure.cell_statistics(frame, by=by, contributor="_who", value="_weight", top=2)


def cells_from_duckdb(con, source: str, by: Sequence[str], *, weight: str = "1",
                      contributor: str = "importer_id", where: str = "TRUE") -> pd.DataFrame:
    """As :func:`cells_from_frame`, computed by DuckDB on ``source`` (a table or a query).

    ``by`` and ``weight`` are SQL expressions; ``by`` names the index levels of the result.
    """
    keys = ", ".join(f"{expr} AS k{i}" for i, expr in enumerate(by))
    groups = ", ".join(f"k{i}" for i in range(len(by)))
    query = f"""
        WITH per_contributor AS (
            SELECT {keys}, coalesce(CAST({contributor} AS VARCHAR), '(unknown)') AS who,
                   sum(greatest(coalesce(CAST({weight} AS DOUBLE), 0), 0)) AS v
            FROM {source} WHERE {where} GROUP BY ALL),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY {groups} ORDER BY v DESC, who) AS r
            FROM per_contributor)
        SELECT {groups}, sum(v) AS value, count(*) AS contributors,
               coalesce(max(v) FILTER (WHERE r = 1), 0) AS top_1,
               coalesce(max(v) FILTER (WHERE r = 2), 0) AS top_2
        FROM ranked GROUP BY {groups} ORDER BY {groups}"""
    cells = con.sql(query).df()
    cells = cells.rename(columns={f"k{i}": str(expr) for i, expr in enumerate(by)})
    return cells.set_index([str(expr) for expr in by])


# ---------------------------------------------------------------------------------------------
# Publishing: the only way a notebook writes a table, a figure or a statement


def _label(index: pd.Index) -> pd.Index:
    """One text label per cell ('a / b' for several keys), for the one-way audit."""
    if isinstance(index, pd.MultiIndex):
        return pd.Index([" / ".join(map(str, key)) for key in index])
    return pd.Index([str(key) for key in index])


def suppression_status(cells: pd.DataFrame, *, total: bool, rules: Mapping = RULES) -> pd.Series:
    """Why each cell is held back: '' (published), the primary rules, or 'complementary'.

    With ``total``, a total of ``value`` over the cells is published too: complementary cells
    are held back until the audit by linear programming passes; when no choice can protect the
    sensitive cells, every cell is held back (only the total stays).
    """
    protection = disclosure.protection_levels(cells, **rules)
    status = pd.Series(protection["rules"].where(protection["sensitive"], ""), index=cells.index)
    if not total or not protection["sensitive"].any():
        return status
    labels = _label(cells.index)
    table = disclosure.with_totals(pd.DataFrame({"cell": cells["value"].to_numpy()},
                                                index=labels))
    held = pd.DataFrame(False, index=table.index, columns=table.columns)
    held.loc[labels[protection["sensitive"].to_numpy()], "cell"] = True
    levels = protection.copy()
    levels.index = pd.MultiIndex.from_arrays([labels, ["cell"] * len(labels)])
    try:
        # a one-column table: its row totals repeat the cells, so the audit sees every
        # subtraction the published total allows
        suppressed = disclosure.secondary_suppression(table, held, levels)
        hidden = (suppressed["cell"] | suppressed[TOTAL]).loc[labels].to_numpy()
    except ValueError:  # nothing can protect them: hold back every cell
        hidden = pd.Series(True, index=labels).to_numpy()
    return status.where(~hidden | (status != ""), "complementary")


def publish_table(folder: str | Path, name: str, table: pd.DataFrame, cells: pd.DataFrame, *,
                  title: str, total: Mapping | None = None, note: str = "",
                  rules: Mapping = RULES) -> pd.DataFrame:
    """Apply the disclosure rules to ``table`` and write what may be published.

    Parameters
    ----------
    folder : path
        The pilot's output folder; the table goes to ``tables/<name>.csv`` and ``.json``.
    table : pandas.DataFrame
        The measures to publish, one row per cell, indexed like ``cells``.
    cells : pandas.DataFrame
        From :func:`cells_from_frame` or :func:`cells_from_duckdb`: what the rules test.
    title, note : str
        Shown in the report above and below the table.
    total : mapping or None
        The measures of a total row published with the table (then complementary cells are
        suppressed too, so that the total gives no suppressed cell away).

    Returns
    -------
    pandas.DataFrame
        The published table: suppressed measures missing, a ``status`` column, the total last.
    """
    if not table.index.equals(cells.index):
        raise ValueError(f"table {name!r}: the table and its cells must have the same index")
    status = suppression_status(cells, total=total is not None, rules=rules)
    published = table.astype(object)
    published.loc[status.ne("").to_numpy()] = None
    published["status"] = ["published" if s == "" else f"suppressed ({s})" for s in status]
    published = published.reset_index()
    if total is not None:
        first = published.columns[0]
        total_row = {first: TOTAL, **dict(total), "status": "published"}
        published = pd.concat([published, pd.DataFrame([total_row])], ignore_index=True)
    tables = Path(folder) / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    published.to_csv(tables / f"{name}.csv", index=False)
    primary = status.ne("") & status.ne("complementary")
    meta = {"name": name, "title": title, "note": note, "rules": dict(rules),
            "cells": int(len(status)), "suppressed_primary": int(primary.sum()),
            "suppressed_complementary": int(status.eq("complementary").sum()),
            "columns": list(published.columns), "order": len(list(tables.glob("*.json")))}
    (tables / f"{name}.json").write_text(json.dumps(meta, indent=2))
    return published


def publish_figure(folder: str | Path, name: str, figure, *, caption: str, alt: str) -> Path:
    """Save a matplotlib figure (drawn from published tables only) with its caption and alt."""
    figures = Path(folder) / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    path = figures / f"{name}.png"
    figure.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    meta = {"name": name, "caption": caption, "alt": alt,
            "order": len(list(figures.glob("*.json")))}
    (figures / f"{name}.json").write_text(json.dumps(meta, indent=2))
    return path


def publish_note(folder: str | Path, text: str, *, kind: str = "finding") -> None:
    """Add a statement to the pilot's notes: ``finding``, ``caution`` or ``method``."""
    path = Path(folder) / "notes.json"
    notes = json.loads(path.read_text()) if path.exists() else []
    notes.append({"kind": kind, "text": text})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notes, indent=2))


def set_pilot(folder: str | Path, *, title: str, summary: str, status: str = "done",
              reason: str = "") -> None:
    """Write the pilot's title, summary and status (``done`` or ``skipped`` with a reason)."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / "pilot.json").write_text(json.dumps(
        {"title": title, "summary": summary, "status": status, "reason": reason}, indent=2))


# ---------------------------------------------------------------------------------------------
# The report


def _read_table(path: Path) -> dict:
    meta = json.loads(path.read_text())
    frame = pd.read_csv(path.with_suffix(".csv"), dtype=str, keep_default_na=False)
    return {**meta, "header": list(frame.columns), "rows": frame.to_numpy().tolist()}


def _read_figure(path: Path) -> dict:
    meta = json.loads(path.read_text())
    png = base64.b64encode(path.with_suffix(".png").read_bytes()).decode("ascii")
    return {**meta, "src": f"data:image/png;base64,{png}"}


def _read_pilot(folder: Path, name: str, failure: str | None) -> dict:
    info_path = folder / "pilot.json"
    info = (json.loads(info_path.read_text()) if info_path.exists()
            else {"title": name, "summary": "", "status": "failed", "reason": ""})
    if failure:
        info = {**info, "status": "failed", "reason": failure}
    notes_path = folder / "notes.json"
    return {**info, "name": name,
            "notes": json.loads(notes_path.read_text()) if notes_path.exists() else [],
            "tables": _in_order(_read_table(p) for p in (folder / "tables").glob("*.json")),
            "figures": _in_order(_read_figure(p) for p in (folder / "figures").glob("*.json"))}


def _in_order(items) -> list[dict]:
    """In the order the notebook published them (then by name)."""
    return sorted(items, key=lambda item: (item.get("order", 0), item["name"]))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("customs_course.pilot", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined)


def write_report(out_dir: Path, provenance: Mapping, *, results: Path,
                 failures: Mapping[str, str] | None = None, pdf_note: str = "") -> Path:
    """Render the pilots' folders under ``results`` into ``out_dir/report.html``."""
    failures = dict(failures or {})
    names = [n for n in PILOT_ORDER if (results / n).is_dir() or n in failures]
    pilots = [_read_pilot(results / n, n, failures.get(n)) for n in names]
    html = _environment().get_template("report.html.j2").render(
        pilots=pilots, provenance=dict(provenance), rules=RULES, version=__version__,
        pdf_note=pdf_note,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        suppressed=sum(t["suppressed_primary"] + t["suppressed_complementary"]
                       for p in pilots for t in p["tables"]))
    path = out_dir / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def find_chromium() -> str | None:
    """The path of a headless-capable Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(html: Path, *, work: Path, timeout: float = 120) -> tuple[Path | None, str]:
    """Print ``html`` to a PDF beside it with headless Chromium; (path, '') or (None, why not).

    Chromium's profile lives in a temporary folder under ``work``, deleted afterwards (or, when
    that path is too long for the socket Chromium opens in it, in a private temporary folder of
    the system, deleted afterwards too); the page has no external address to load anyway.
    """
    chromium = find_chromium()
    if chromium is None:
        return None, "no Chromium found on this machine: the report is in HTML only"
    pdf = html.with_suffix(".pdf")
    work.mkdir(parents=True, exist_ok=True)
    # a Unix socket path holds at most 107 bytes; Chromium adds about 50 to its temp folder
    short_enough = len(str(work.resolve())) < 50
    with tempfile.TemporaryDirectory(dir=work if short_enough else None) as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-component-update",
                   "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
                   "--proxy-server=127.0.0.1:9", "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  env={"HOME": profile, "PATH": "/usr/bin:/bin",
                                       "TMPDIR": profile})
        except subprocess.TimeoutExpired:
            return None, f"Chromium did not print the PDF within {timeout:.0f} s"
    if done.returncode != 0 or not pdf.exists():
        return None, f"Chromium could not print the PDF (exit {done.returncode})"
    return pdf, ""
