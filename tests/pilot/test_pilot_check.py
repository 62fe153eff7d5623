"""Does `pilot check` report every kind of dirt with its column, count and an example row?"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from customs_course.cli import main
from customs_course.pilot.ingest import BlockingProblems, check_data, map_to_canonical

#: Planted dirt -> (canonical column, the problem's name, the example value of its first row)
EXPECTED = {
    "zero value": ("fob_value", "zero", None),
    "missing mass": ("net_mass_kg", "missing", None),
    "missing origin": ("origin_country", "missing", None),
    "bad date": ("lodgement_date", "not a date in the format %d/%m/%Y", None),
    "unknown procedure": ("procedure", "unknown code (not in the mapping's values)", "999"),
    "unknown channel": ("risk_channel", "unknown code (not in the mapping's values)", "X"),
    "text in a number": ("net_mass_kg", "not a number (decimal separator ',')", None),
    "negative mass": ("net_mass_kg", "negative", None),
    "repeated line": ("declaration_id, line_number",
                      "repeated line (same declaration and line number)", None),
}


@pytest.fixture(scope="module")
def checked(foreign):
    return check_data(foreign.path, foreign.mapping)


@pytest.mark.parametrize("kind", EXPECTED)
def test_is_each_kind_of_dirt_reported_with_column_count_and_first_row(foreign, checked, kind):
    column, problem, value = EXPECTED[kind]
    rows = foreign.ledger[kind]
    assert rows, f"the writer planted no {kind} in {foreign.rows} lines"
    found = [p for p in checked.problems if p.column == column and p.kind == problem]
    assert len(found) == 1, [(p.column, p.kind) for p in checked.problems]
    assert found[0].count == len(rows)
    assert found[0].example_row == rows[0]
    assert found[0].severity == "warning"  # about 0.1% of the lines: below the tolerance
    if value is not None:
        assert found[0].example_value == value


def test_are_the_sandboxs_own_zero_masses_and_heaping_reported(checked, sandbox, foreign):
    zero = next(p for p in checked.problems if (p.column, p.kind) == ("net_mass_kg", "zero"))
    assert zero.count == int((sandbox["net_mass_kg"] == 0).sum()) > 0
    heaped = next(p for p in checked.problems if p.kind.startswith("heaped"))
    heavy = sandbox["net_mass_kg"] >= 1
    whole = heavy & (sandbox["net_mass_kg"] % 1 == 0)
    assert heaped.severity == "warning" and 0.5 < heaped.share < 1
    assert heaped.share == pytest.approx(whole.sum() / heavy.sum(), abs=0.01)  # dirt aside


def test_does_the_command_print_column_count_and_row_and_exit_0_on_warnings(foreign, capsys):
    assert main(["pilot", "check", str(foreign.path), str(foreign.mapping)]) == 0
    out = capsys.readouterr().out
    first = foreign.ledger["bad date"][0]
    assert re.search(rf"lodgement_date \(your column REG_DATE\): not a date .*: "
                     rf"{len(foreign.ledger['bad date'])} lines .* row {first:,} \(line "
                     rf"{first + 1:,} of the file\)", out)
    assert "No blocking problem" in out


def with_tolerance(foreign, tmp_path: Path, tolerance: float) -> Path:
    text = foreign.mapping.read_text().replace("tolerance: 0.01", f"tolerance: {tolerance!r}")
    path = tmp_path / f"tolerance_{tolerance!r}.yml"
    path.write_text(text)
    return path


def test_is_a_problem_blocking_just_above_the_tolerance_and_not_at_it(foreign, checked,
                                                                      tmp_path):
    warnings_only = ("zero", "not in the file (mapping: missing)")
    tolerated = [p for p in checked.problems if p.kind not in warnings_only
                 and not p.kind.startswith("heaped")
                 and p.column != "quantity"]  # optional columns: missing is only a warning
    largest = max(p.count for p in tolerated)
    share = largest / foreign.rows
    at = check_data(foreign.path, with_tolerance(foreign, tmp_path, share))
    assert not at.blocking
    below = with_tolerance(foreign, tmp_path, share * (1 - 1e-9))
    blocked = check_data(foreign.path, below)
    assert sorted((p.column, p.kind) for p in blocked.blocking) == sorted(
        (p.column, p.kind) for p in tolerated if p.count == largest)


def test_does_a_blocking_problem_exit_1_and_write_nothing(foreign, tmp_path, capsys, sha256):
    mapping = tmp_path / "us_dates.yml"
    mapping.write_text(foreign.mapping.read_text().replace('format: "%d/%m/%Y"',
                                                           'format: "%m/%d/%Y"'))
    before = sha256(foreign.path)
    assert main(["pilot", "check", str(foreign.path), str(mapping)]) == 1
    assert "BLOCKING lodgement_date (your column REG_DATE)" in capsys.readouterr().out
    out = tmp_path / "new" / "lines.parquet"
    assert main(["pilot", "map", str(foreign.path), str(mapping), "--out", str(out)]) == 1
    assert not out.parent.exists()
    with pytest.raises(BlockingProblems):
        map_to_canonical(foreign.path, mapping, tmp_path / "lines.parquet")
    assert list(tmp_path.iterdir()) == [mapping]  # no partial file, no spill folder
    assert sha256(foreign.path) == before


def test_do_check_and_map_leave_the_users_file_unchanged(foreign, tmp_path, sha256):
    before, stat = sha256(foreign.path), foreign.path.stat()
    assert main(["pilot", "check", str(foreign.path), str(foreign.mapping)]) == 0
    out = tmp_path / "lines.parquet"
    assert main(["pilot", "map", str(foreign.path), str(foreign.mapping), "--out", str(out)]) == 0
    assert out.exists() and (tmp_path / "lines.provenance.json").exists()
    assert sha256(foreign.path) == before
    assert foreign.path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in foreign.path.parent.iterdir()) == ["lines.csv",
                                                                      "lines.mapping.yml"]


def test_does_map_refuse_to_replace_an_output_without_force(foreign, tmp_path):
    out = tmp_path / "lines.parquet"
    out.write_bytes(b"earlier")
    assert main(["pilot", "map", str(foreign.path), str(foreign.mapping), "--out", str(out)]) == 2
    assert out.read_bytes() == b"earlier"
