"""Does every table the pilots publish pass the disclosure rules, and does the report say so?

Fast checks of customs_course.pilot.report on hand-made cells (no notebook runs here);
tests/pilot/test_pilot_run.py runs the pilots end to end.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import duckdb
import nbformat
import pandas as pd
import pytest

from customs_course.pilot.report import (
    RULES,
    cells_from_duckdb,
    cells_from_frame,
    publish_table,
    set_pilot,
    suppression_status,
    write_report,
)

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "datasets" / "declarations" / "declarations_small.parquet"


def cells(rows: dict[str, tuple[float, int, float, float]]) -> pd.DataFrame:
    """Cells from {label: (value, contributors, top_1, top_2)}."""
    frame = pd.DataFrame(rows, index=["value", "contributors", "top_1", "top_2"]).T
    frame.index.name = "cell"
    return frame.astype({"contributors": int})


# Three importers of equal size: published under every rule.
SAFE = (300.0, 3, 100.0, 100.0)


def test_is_a_cell_of_two_importers_suppressed_and_one_of_three_published():
    status = suppression_status(cells({"two": (200.0, 2, 100.0, 100.0), "three": SAFE,
                                       "more": (900.0, 9, 100.0, 100.0)}), total=False)
    assert status["two"].startswith("threshold")
    assert status["three"] == "" and status["more"] == ""


def test_is_a_cell_where_one_importer_holds_exactly_75_percent_suppressed():
    status = suppression_status(cells({
        "at_75": (400.0, 5, 300.0, 25.0),  # 300 / 400 = 75%: dominant
        "below": (400.0, 5, 299.0, 25.0),  # 74.75%: not dominant, and p% holds
        "other": (900.0, 9, 100.0, 100.0)}), total=False)
    assert "dominance" in status["at_75"]
    assert status["below"] == ""


def test_does_a_published_total_force_a_complementary_cell():
    table = cells({"a": (1000.0, 10, 100.0, 100.0), "b": (800.0, 8, 100.0, 100.0),
                   "c": (700.0, 7, 100.0, 100.0), "small": (50.0, 1, 50.0, 0.0)})
    alone = suppression_status(table, total=False)
    assert list(alone[alone != ""].index) == ["small"]
    with_total = suppression_status(table, total=True)
    assert with_total["small"].startswith("threshold")
    complementary = with_total[with_total == "complementary"]
    assert len(complementary) >= 1, "the total minus the published cells would give 'small'"
    # the smallest safe cell is the cheapest complement
    assert list(complementary.index) == ["c"]


def test_is_every_cell_held_back_when_nothing_can_protect_the_sensitive_one():
    table = cells({"big": (1000.0, 1, 1000.0, 0.0), "tiny": (1.0, 5, 0.2, 0.2)})
    status = suppression_status(table, total=True)
    assert (status != "").all()


def test_does_the_published_csv_hide_the_suppressed_values_and_say_why(tmp_path):
    table_cells = cells({"a": SAFE, "b": (900.0, 9, 100.0, 100.0),
                         "c": (800.0, 8, 100.0, 100.0), "x": (77.0, 2, 40.0, 37.0)})
    measures = pd.DataFrame({"lines": [11, 12, 13, 4321]}, index=table_cells.index)
    published = publish_table(tmp_path, "demo", measures, table_cells, title="Demo",
                              total={"lines": 11 + 12 + 13 + 4321})
    text = (tmp_path / "tables" / "demo.csv").read_text()
    assert "4321" not in text.replace("4357", "")
    row = published.set_index("cell").loc["x"]
    assert pd.isna(row["lines"]) and row["status"].startswith("suppressed (threshold")
    meta = json.loads((tmp_path / "tables" / "demo.json").read_text())
    assert meta["suppressed_primary"] == 1 and meta["suppressed_complementary"] >= 1
    assert "contributors" not in text and "top_1" not in text  # what the rules used stays out


def test_does_the_report_show_a_suppressed_cell_as_suppressed(tmp_path):
    results = tmp_path / "results"
    set_pilot(results / "quality", title="Quality", summary="s")
    table_cells = cells({"a": SAFE, "b": (900.0, 9, 100.0, 100.0),
                         "solo": (5.0, 1, 5.0, 0.0)})
    publish_table(results / "quality", "demo", pd.DataFrame(
        {"lines": [98765, 87654, 5]}, index=table_cells.index), table_cells, title="Demo")
    html = write_report(tmp_path, {"input_sha256": "f" * 64}, results=results).read_text()
    assert '<td>solo</td><td class="suppressed">suppressed</td>' in html
    assert "98765" in html
    assert "1 cell suppressed by the disclosure rules" in html


def test_does_duckdb_count_the_cells_as_the_course_function_does():
    lines = pd.read_parquet(SMALL, columns=["lodgement_date", "importer_id", "customs_value"])
    lines["month"] = lines["lodgement_date"].dt.strftime("%Y-%m")
    expected = cells_from_frame(lines, "month", weight="customs_value")
    con = duckdb.connect()
    con.read_parquet(str(SMALL)).create_view("lines")
    found = cells_from_duckdb(con, "lines", ["strftime(lodgement_date, '%Y-%m')"],
                              weight="customs_value")
    found.index.name = "month"
    pd.testing.assert_frame_equal(found.astype(float), expected.astype(float), rtol=1e-9)


@pytest.mark.parametrize("name", ["quality", "valuation", "targeting", "clearance"])
def test_is_each_pilot_notebook_shipped_clean_with_its_parameters(name):
    source = resources.files("customs_course.pilot") / "notebooks" / f"{name}.ipynb"
    notebook = nbformat.reads(source.read_text(), as_version=4)
    nbformat.validate(notebook)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "papermill needs one cell tagged 'parameters'"
    for parameter in ("canonical", "out_dir", "work_dir", "budgets"):
        assert f"{parameter} = " in tagged[0].source
    assert not any(c.get("outputs") or c.get("execution_count") for c in notebook.cells
                   if c.cell_type == "code"), "ship the notebooks without outputs"


def test_are_the_rules_those_of_the_disclosure_lesson():
    lesson = (ROOT / "modules" / "level3_statistics" / "05_disclosure_control.md").read_text()
    assert f"MIN_IMPORTERS = {RULES['min_contributors']}" in lesson
    assert f"DOMINANCE_N, DOMINANCE_K = {RULES['n']}, {int(RULES['k'])}" in lesson
    assert f"P_PERCENT = {int(RULES['p'])}" in lesson
