"""Does a foreign administration's table map back to the sandbox's own lines?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customs_course.pilot.canonical import CANONICAL_NAMES
from customs_course.pilot.foreign import USD_PER_UNIT, write_foreign
from customs_course.pilot.ingest import map_to_canonical
from customs_course.targeting import reference_prices, temporal_split, unit_value_z

GROUND_TRUTH = ("fraud_type", "revenue_at_risk")
MONEY = ("fob_value", "customs_value", "duty_and_taxes")
CLEARANCE = ("arrival_time", "release_time")


def mapped(table, tmp_path, name="canonical.parquet"):
    provenance = map_to_canonical(table.path, table.mapping, tmp_path / name)
    return provenance, pd.read_parquet(tmp_path / name)


def assert_same_lines(canonical: pd.DataFrame, sandbox: pd.DataFrame) -> None:
    """Every column equal, money within the rounding of the local currency (0.01 XLC)."""
    for column in sandbox.columns.drop(list(GROUND_TRUTH)):
        ours, theirs = canonical[column], sandbox[column]
        if column == "seller_country":  # not in the foreign file: empty
            assert ours.isna().all()
        elif column in MONEY:
            assert np.allclose(ours, theirs, rtol=1e-12, atol=0.005 * USD_PER_UNIT), column
        else:
            pd.testing.assert_series_equal(ours.astype(object), theirs.astype(object),
                                           check_names=False, obj=column)


def test_does_the_clean_foreign_table_map_back_to_the_sandbox_lines(clean_foreign, sandbox,
                                                                     tmp_path):
    provenance, canonical = mapped(clean_foreign, tmp_path)
    assert provenance["rows_read"] == provenance["rows_written"] == len(sandbox)
    assert_same_lines(canonical, sandbox)
    assert canonical["hs6"].astype(str).str.startswith("0").sum() > 50  # zeros restored
    assert (canonical["procedure"] == "home_use").mean() > 0.8  # '40' read back as '040'


def test_does_the_canonical_table_have_the_sandbox_files_columns_and_dtypes(
        clean_foreign, sandbox_file, tmp_path):
    _, canonical = mapped(clean_foreign, tmp_path)
    own = pd.read_parquet(sandbox_file).drop(columns=list(GROUND_TRUTH))
    assert list(canonical.columns) == [*own.columns, *CLEARANCE] == list(CANONICAL_NAMES)
    assert canonical[own.columns].dtypes.astype(str).to_dict() == own.dtypes.astype(str).to_dict()
    assert canonical["risk_channel"].cat.ordered
    assert list(canonical["risk_channel"].cat.categories) == ["green", "yellow", "red"]


def test_does_the_typed_parquet_layout_map_back_too(sandbox_file, sandbox, tmp_path):
    table = write_foreign(sandbox_file, tmp_path / "lines.parquet", dirt=False)
    _, canonical = mapped(table, tmp_path)
    assert_same_lines(canonical, sandbox)


def test_are_the_dirty_lines_dropped_or_emptied_and_the_others_unchanged(foreign, sandbox,
                                                                        tmp_path):
    provenance, canonical = mapped(foreign, tmp_path)
    ledger = foreign.ledger
    dropped = len(ledger["bad date"]) + len(ledger["repeated line"])
    assert provenance["rows_read"] == foreign.rows == len(sandbox) + len(ledger["repeated line"])
    assert provenance["rows_written"] == len(canonical) == provenance["rows_read"] - dropped
    # the file row of each sandbox line: every row of the file but the copies
    file_row = pd.Series(np.arange(1, foreign.rows + 1))[
        ~np.isin(np.arange(1, foreign.rows + 1), ledger["repeated line"])].to_numpy()
    by_row = sandbox.assign(file_row=file_row)
    dirty = {row for rows in ledger.values() for row in rows}
    bad_dates = by_row[by_row["file_row"].isin(ledger["bad date"])]
    assert not canonical.set_index(["declaration_id", "line_number"]).index.isin(
        bad_dates.set_index(["declaration_id", "line_number"]).index).any()
    clean = by_row[~by_row["file_row"].isin(dirty)]
    merged = clean[["declaration_id", "line_number"]].merge(canonical, how="left")
    assert_same_lines(merged, clean.reset_index(drop=True).drop(columns="file_row"))
    emptied = {"negative mass": "net_mass_kg", "text in a number": "net_mass_kg",
               "missing mass": "net_mass_kg", "missing origin": "origin_country",
               "unknown procedure": "procedure", "unknown channel": "risk_channel"}
    for kind, column in emptied.items():
        lines = by_row[by_row["file_row"].isin(ledger[kind])][["declaration_id", "line_number"]]
        assert len(lines) and canonical.merge(lines)[column].isna().all(), kind
    zero = by_row[by_row["file_row"].isin(ledger["zero value"])][["declaration_id",
                                                                  "line_number"]]
    assert (canonical.merge(zero)["fob_value"] == 0).all()
    assert canonical.duplicated(["declaration_id", "line_number"]).sum() == 0


def test_do_the_lessons_helpers_run_on_the_mapped_dirty_table(foreign, tmp_path):
    _, canonical = mapped(foreign, tmp_path)
    past, future = temporal_split(canonical, "2022-10-01")
    z = unit_value_z(future, past, invalid="nan")
    no_unit_value = (future["net_mass_kg"].fillna(0) <= 0) | (future["fob_value"] <= 0)
    assert z[no_unit_value].isna().all() and z[~no_unit_value].notna().all()
    assert np.isfinite(z[~no_unit_value]).all() and z.abs().max() < 1e4  # no 1e16 from heaping
    table = reference_prices(past, min_lines=5)
    assert table.attrs["excluded_lines"] == int(((past["net_mass_kg"].fillna(0) <= 0)
                                                 | (past["fob_value"] <= 0)).sum()) > 0


def test_does_the_pilot_on_the_mapped_table_match_the_pilot_on_the_sandbox(
        clean_foreign, sandbox, tmp_path):
    _, canonical = mapped(clean_foreign, tmp_path)
    ours = unit_value_z(*reversed(temporal_split(canonical, "2022-10-01")), invalid="nan")
    theirs = unit_value_z(*reversed(temporal_split(sandbox, "2022-10-01")), invalid="nan")
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-6)


def test_is_the_provenance_the_sha256_of_the_file_and_the_mapping(foreign, tmp_path, sha256):
    before = sha256(foreign.path)
    provenance, _ = mapped(foreign, tmp_path)
    assert provenance["data_sha256"] == before == sha256(foreign.path)
    assert provenance["mapping_sha256"] == sha256(foreign.mapping)
    kinds = {(p["column"], p["kind"]) for p in provenance["problems"]}
    assert ("lodgement_date", "not a date in the format %d/%m/%Y") in kinds


@pytest.mark.parametrize("rate", [0.5, 0.0001])
def test_is_the_local_currency_converted_at_the_mapping_rate(sandbox_file, sandbox, tmp_path,
                                                             rate):
    table = write_foreign(sandbox_file, tmp_path / "lines.csv", dirt=False, usd_per_unit=rate)
    _, canonical = mapped(table, tmp_path)
    assert np.allclose(canonical["fob_value"], sandbox["fob_value"], rtol=1e-12,
                       atol=0.005 * rate)
