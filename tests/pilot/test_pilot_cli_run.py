"""Does `customs-course pilot run` work end to end on a table the course did not make for itself,
and do the pilots find on it what they find on the sandbox's own file? (issue 18, item 5)

The foreign table is the sandbox's lines in another administration's layout (other names and
order, codes as numbers, semicolons and decimal commas, a local currency, dirt of every kind
`pilot check` names): see tests/pilot/conftest.py. One full run of the four pilots through the
command line, then the valuation pilot alone on the clean foreign table and on the sandbox's own
file, whose published tables must agree.
"""

from __future__ import annotations

import pandas as pd
import pytest

from customs_course.cli import main
from customs_course.pilot.canonical import CANONICAL_NAMES
from customs_course.pilot.ingest import map_to_canonical
from customs_course.pilot.run import run_pilots

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


def run(data, mapping, out, *extra) -> int:
    return main(["pilot", "run", str(data), str(mapping), "--out", str(out), *extra])


def test_does_pilot_run_work_on_the_dirty_foreign_table_and_refuse_to_overwrite(
    foreign, sandbox, tmp_path, sha256, capsys
):
    before = sha256(foreign.path)
    out = tmp_path / "run"
    assert run(foreign.path, foreign.mapping, out) == 0
    report = (out / "report.html").read_text(encoding="utf-8")
    assert sha256(foreign.path) in report, "the report names its input by sha256"
    assert sha256(foreign.mapping) in report
    ids = set(sandbox["declaration_id"].astype(str)) | set(sandbox["importer_id"].astype(str))
    assert not any(f">{i}<" in report or f" {i} " in report for i in ids if len(i) > 4)
    for pilot in ("quality", "valuation", "targeting"):
        assert list((out / "results" / pilot / "tables").glob("*.csv")), pilot
    assert sha256(foreign.path) == before, "the user's file is never changed"

    capsys.readouterr()
    written = (out / "report.html").stat().st_mtime_ns
    assert run(foreign.path, foreign.mapping, out) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "report.html").stat().st_mtime_ns == written, "nothing replaced"


def own_canonical(sandbox, path):
    own = sandbox[[c for c in CANONICAL_NAMES if c in sandbox.columns]]
    own.to_parquet(path, index=False)
    return path


def test_does_the_valuation_pilot_find_the_same_on_the_foreign_table_as_on_the_sandbox(
    clean_foreign, sandbox, tmp_path
):
    mapped = tmp_path / "mapped.parquet"
    provenance = map_to_canonical(clean_foreign.path, clean_foreign.mapping, mapped)
    foreign_out = run_pilots(mapped, tmp_path / "foreign", provenance, pilots=("valuation",),
                             pdf=False).parent
    own = own_canonical(sandbox, tmp_path / "own.parquet")
    own_out = run_pilots(own, tmp_path / "own", {"input_file": "own"}, pilots=("valuation",),
                         pdf=False).parent
    tables = sorted(p.name for p in (own_out / "results" / "valuation" / "tables").glob("*.csv"))
    assert tables, "the valuation pilot published no table"
    for name in tables:
        mine = pd.read_csv(own_out / "results" / "valuation" / "tables" / name, dtype=str)
        theirs = pd.read_csv(foreign_out / "results" / "valuation" / "tables" / name, dtype=str)
        pd.testing.assert_frame_equal(theirs, mine, obj=name)
