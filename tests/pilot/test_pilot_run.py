"""Do the pilots run end to end on a canonical file, and is their report local and private?

One run of every pilot notebook (papermill) on the small sandbox edition, with the clearance
timestamps joined in, five lines of one importer planted in a month of their own (a cell
that the disclosure rules must suppress) and three negative masses (which `pilot check` lets
through as a warning). Issue 18 items 2 and 4. The run takes about a
minute on an idle 2-core machine, more on a busy one; the other tests here need no kernel.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from browser_support import needs_chromium

from customs_course import __version__
from customs_course.pilot.report import find_chromium
from customs_course.pilot.run import PilotError, check_canonical, prepare_output, run_pilots

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets"
PLANTED_MONTH = "2021-12"
PROVENANCE = {"input_file": "declarations_export.csv", "input_sha256": "a1" * 32,
              "mapping_name": "national.yml", "mapping_sha256": "b2" * 32}


def small_canonical() -> pd.DataFrame:
    lines = pd.read_parquet(DATASETS / "declarations" / "declarations_small.parquet")
    events = pd.read_parquet(DATASETS / "clearance_events" / "clearance_events_small.parquet",
                             columns=["declaration_id", "arrival_time", "release_time"])
    lines = lines.merge(events, on="declaration_id", how="left")
    planted = lines[lines["importer_id"] == lines["importer_id"].iloc[0]].head(1)
    planted = pd.concat([planted] * 5, ignore_index=True)
    planted["lodgement_date"] = pd.Timestamp(f"{PLANTED_MONTH}-15")
    planted["line_number"] = range(1, 6)
    lines = pd.concat([planted, lines], ignore_index=True)
    # a negative mass, as a foreign file mapped by `pilot run` may keep (a warning of the check)
    late = lines.index[lines["lodgement_date"] >= "2022-11-01"][:3]
    lines.loc[late, "net_mass_kg"] = -5.0
    return lines


def snapshot(*folders: Path) -> set[str]:
    return {str(p) for folder in folders if folder.exists() for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def pilot_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("pilot")
    data = base / "input"
    data.mkdir()
    lines = small_canonical()
    canonical = data / "canonical.parquet"
    lines.to_parquet(canonical, index=False)
    out = base / "out"
    watched = [base, Path.home() / ".local" / "share" / "jupyter" / "runtime",
               Path.home() / ".cache" / "matplotlib", Path.home() / ".ipython"]
    before = snapshot(*watched)
    report = run_pilots(canonical, out, PROVENANCE)
    after = snapshot(*watched)
    return {"report": report, "out": out, "lines": lines, "canonical": canonical,
            "new_files": {p for p in after - before if not p.startswith(str(out))}}


def published(out: Path, pilot: str, table: str) -> pd.DataFrame:
    return pd.read_csv(out / "results" / pilot / "tables" / f"{table}.csv", dtype=str,
                       keep_default_na=False)


@pytest.mark.slow
@pytest.mark.notebooks
def test_does_every_pilot_run_and_publish(pilot_run):
    out = pilot_run["out"]
    assert pilot_run["report"] == out / "report.html"
    for pilot in ("quality", "valuation", "targeting", "clearance"):
        assert (out / "notebooks" / f"{pilot}.ipynb").is_file()
        info = json.loads((out / "results" / pilot / "pilot.json").read_text())
        assert info["status"] == "done", (pilot, info)
        assert list((out / "results" / pilot / "tables").glob("*.csv")), pilot
    hit_rates = published(out, "targeting", "hit_rates")
    assert {"lowest", "highest"} <= set(hit_rates.columns), "spread over the test months"
    assert hit_rates["method"].str.startswith("rule").any()
    assert hit_rates["method"].str.startswith("model").any()
    valuation_notes = json.loads((out / "results" / "valuation" / "notes.json").read_text())
    assert any(n["text"].startswith("3 lines with a negative value or mass")
               for n in valuation_notes)
    notes = json.loads((out / "results" / "targeting" / "notes.json").read_text())
    assert any(n["kind"] == "caution" and "chose most of them" in n["text"] for n in notes)
    channels = published(out, "clearance", "channel").set_index("channel")
    assert float(channels.loc["red", "median hours"]) > float(channels.loc["green",
                                                                           "median hours"])


@pytest.mark.slow
@pytest.mark.notebooks
def test_is_the_planted_one_importer_month_suppressed_with_a_complement(pilot_run):
    months = published(pilot_run["out"], "quality", "months").set_index("month")
    assert months.loc[PLANTED_MONTH, "lines"] == ""
    assert months.loc[PLANTED_MONTH, "status"].startswith("suppressed (threshold")
    # the total is published, so another month is held back with it
    assert (months["status"] == "suppressed (complementary)").sum() >= 1
    assert months.loc["Total", "lines"] == str(len(pilot_run["lines"]))
    html = pilot_run["report"].read_text()
    assert f'<td>{PLANTED_MONTH}</td><td class="suppressed">suppressed</td>' in html
    assert "suppressed by the disclosure rules" in html


def _tokens(text: str) -> set[str]:
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    return set(re.findall(r"[A-Za-z0-9_]+", text))


@pytest.mark.slow
@pytest.mark.notebooks
def test_does_no_row_level_id_reach_the_report_or_the_published_files(pilot_run):
    lines, out = pilot_run["lines"], pilot_run["out"]
    ids = (set(lines["declaration_id"].astype(str)) | set(lines["importer_id"].astype(str))
           | set(lines["declarant_id"].astype(str)))
    assert "IMP" in next(iter(set(lines["importer_id"].astype(str))))
    files = [pilot_run["report"], *(out / "results").rglob("*.csv"),
             *(out / "results").rglob("*.json"), *(out / "notebooks").glob("*.ipynb")]
    leaked = {f.name: sorted(_tokens(f.read_text()) & ids)[:3] for f in files}
    assert not {name: found for name, found in leaked.items() if found}


@pytest.mark.slow
@pytest.mark.notebooks
def test_does_the_report_name_its_input_mapping_version_and_date(pilot_run):
    html = pilot_run["report"].read_text()
    for value in PROVENANCE.values():
        assert value in html
    digest = hashlib.sha256(pilot_run["canonical"].read_bytes()).hexdigest()
    assert digest in html
    assert f"customs-course {__version__}" in html
    assert re.search(r"report created</th><td>20\d\d-\d\d-\d\d \d\d:\d\d UTC", html)


@pytest.mark.slow
@pytest.mark.notebooks
def test_is_nothing_written_outside_the_output_folder(pilot_run):
    assert pilot_run["new_files"] == set()
    assert not (pilot_run["out"] / ".pilot-scratch").exists()


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.notebooks
def test_does_the_report_open_in_chromium_with_no_external_request(pilot_run, browser):
    html = pilot_run["report"].read_text()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE)
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(pilot_run["report"].as_uri())
    page.wait_for_load_state("load")
    widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
    page.close()
    assert requests and all(url.startswith("file:") for url in requests), requests
    assert not errors
    assert len(widths) >= 4 and all(w > 0 for w in widths), "every figure drawn inline"
    if find_chromium():
        assert (pilot_run["out"] / "report.pdf").read_bytes()[:5] == b"%PDF-"


# ---------------------------------------------------------------------------------------------
# Bad input: a clear message, nothing written, nothing lost (no kernel needed)


def test_is_a_file_without_a_needed_column_refused_by_name(tmp_path):
    lines = pd.read_parquet(DATASETS / "declarations" / "declarations_small.parquet")
    canonical = tmp_path / "canonical.parquet"
    lines.drop(columns=["hs6"]).head(50).to_parquet(canonical)
    with pytest.raises(PilotError, match=r"no column hs6.*mapping"):
        run_pilots(canonical, tmp_path / "out", PROVENANCE)
    assert not (tmp_path / "out").exists()


def test_is_an_empty_file_refused(tmp_path):
    lines = pd.read_parquet(DATASETS / "declarations" / "declarations_small.parquet")
    canonical = tmp_path / "canonical.parquet"
    lines.head(0).to_parquet(canonical)
    with pytest.raises(PilotError, match="has no lines"):
        run_pilots(canonical, tmp_path / "out", PROVENANCE)


def test_is_a_file_of_two_importers_refused_and_one_of_three_accepted(tmp_path):
    lines = pd.read_parquet(DATASETS / "declarations" / "declarations_small.parquet")
    importers = lines["importer_id"].drop_duplicates().head(3)
    canonical = tmp_path / "canonical.parquet"
    lines[lines["importer_id"].isin(importers[:2])].to_parquet(canonical)
    with pytest.raises(PilotError, match="holds 2 importer"):
        run_pilots(canonical, tmp_path / "out", PROVENANCE)
    assert not (tmp_path / "out").exists()
    lines[lines["importer_id"].isin(importers)].to_parquet(canonical)
    assert check_canonical(canonical) == int(lines["importer_id"].isin(importers).sum())


def test_is_a_file_that_is_not_parquet_refused(tmp_path):
    canonical = tmp_path / "canonical.parquet"
    canonical.write_text("declaration_id;hs6\n1;010121\n")
    with pytest.raises(PilotError, match="cannot be read as Parquet"):
        run_pilots(canonical, tmp_path / "out", PROVENANCE)


def test_is_a_non_empty_output_folder_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "minutes.txt").write_text("the leaders' notes")
    with pytest.raises(PilotError, match="not empty.*--force"):
        run_pilots(DATASETS / "declarations" / "declarations_small.parquet", out, PROVENANCE)
    assert (out / "minutes.txt").read_text() == "the leaders' notes"
    assert sorted(p.name for p in out.iterdir()) == ["minutes.txt"]


def test_does_force_replace_only_the_pilots_outputs(tmp_path):
    out = tmp_path / "out"
    (out / "results" / "quality").mkdir(parents=True)
    (out / "results" / "quality" / "old.csv").write_text("old")
    (out / "report.html").write_text("old report")
    (out / "minutes.txt").write_text("the leaders' notes")
    prepare_output(out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["minutes.txt"]


def test_may_the_canonical_file_already_be_in_the_output_folder(tmp_path):
    canonical = tmp_path / "canonical.parquet"
    canonical.write_bytes(b"")
    prepare_output(tmp_path, force=False, canonical=canonical)
    (tmp_path / "other.txt").write_text("x")
    with pytest.raises(PilotError, match="not empty"):
        prepare_output(tmp_path, force=False, canonical=canonical)


@pytest.mark.slow
@pytest.mark.notebooks
def test_is_the_clearance_pilot_skipped_with_a_reason_without_timestamps(tmp_path):
    report = run_pilots(DATASETS / "declarations" / "declarations_small.parquet",
                        tmp_path / "out", PROVENANCE, pilots=["clearance"], pdf=False)
    html = report.read_text()
    assert "<strong>Not run:</strong> the data has no arrival_time and no release_time" in html
    assert "no PDF: not asked for" in html


def test_are_budgets_outside_0_1_refused(tmp_path):
    with pytest.raises(PilotError, match=r"each in \(0, 1\]"):
        run_pilots(DATASETS / "declarations" / "declarations_small.parquet", tmp_path / "o",
                   PROVENANCE, budgets=[5])


@pytest.mark.slow
@pytest.mark.notebooks
def test_does_a_failing_pilot_stop_the_run_after_the_report_says_why(tmp_path):
    lines = pd.read_parquet(DATASETS / "declarations" / "declarations_small.parquet").head(500)
    lines["arrival_time"] = "yesterday"  # text where a timestamp is needed
    lines["release_time"] = "today"
    canonical = tmp_path / "canonical.parquet"
    lines.to_parquet(canonical)
    with pytest.raises(PilotError, match=r"1 pilot\(s\) failed \(clearance\)"):
        run_pilots(canonical, tmp_path / "out", PROVENANCE, pilots=["clearance"], pdf=False)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<strong>This pilot failed:</strong>" in html
    assert "notebooks/clearance.ipynb shows the failing cell" in html
