"""Does a wrong mapping file get a message that says where and what to write, and exit 2?"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from customs_course.cli import main
from customs_course.pilot.ingest import check_data, map_to_canonical
from customs_course.pilot.mapping import MappingError, load_mapping, template_text


def edited(foreign, tmp_path: Path, old: str, new: str) -> Path:
    text = foreign.mapping.read_text()
    assert old in text, old
    path = tmp_path / "edited.yml"
    path.write_text(text.replace(old, new, 1))
    return path


BAD = {
    "a column not in the file": ("fob_value: FOB_LCY", "fob_value: FOB_LOCAL",
                                 r"no column 'FOB_LOCAL' \(for fob_value\), did you mean "
                                 r"'FOB_LCY'\?.*Its columns are: DECL_NO"),
    "an unknown course column": ("fob_value: FOB_LCY", "fob_valu: FOB_LCY",
                                 r"at columns: unknown key 'fob_valu'.*did you mean "
                                 r"'fob_value'"),
    "an unknown option": ("delimiter: \";\"", "delimter: \";\"",
                          r"at file: unknown key 'delimter'.*did you mean 'delimiter'"),
    "a date format with an unknown code": ('format: "%d/%m/%Y"', 'format: "%d/%q/%Y"',
                                           r"at dates > format: '%d/%q/%Y' is not a date "
                                           r"format"),
    "a date format without a year": ('format: "%d/%m/%Y"', 'format: "%d/%m"',
                                     r"at dates > format: '%d/%m' has no year"),
    "a required column declared missing": ("missing: [seller_country,",
                                           "missing: [net_mass_kg, seller_country,",
                                           r"net_mass_kg is both mapped and listed as "
                                           r"missing"),
    "a column forgotten": ("  declarant_id: BROKER\n", "",
                           r"declarant_id is neither under `columns` nor under `missing`"),
    "a code without quotes": ('"040": home_use', "040: home_use",
                              r"columns > procedure > values: the code 32 is not in quotes"),
    "two conversions": ("usd_per_unit: ", 'monthly: {"2022-01": 0.1}\n  usd_per_unit: ',
                        r"at currency: give the conversion either as usd_per_unit"),
    "the wrong delimiter": ('delimiter: ";"', 'delimiter: "|"',
                            r"single column 'DECL_NO;REG_DATE.*set `file: \{delimiter: ';'\}`"),
    "values for HS codes": ("width: 10 ", "values: {'1': '010121'}\n    width: 10 ",
                            r"at columns > hs6: unknown key 'values'"),
    "a bad outcome kind": ("VAL: undervaluation", "VAL: undervalued",
                           r"inspection_outcome > irregularity_found > VAL: 'undervalued' is "
                           r"not one of"),
}


@pytest.mark.parametrize("case", BAD)
def test_does_a_bad_mapping_get_a_clear_message_exit_2_and_no_output(foreign, tmp_path, capsys,
                                                                     case):
    old, new, message = BAD[case]
    mapping = edited(foreign, tmp_path, old, new)
    out = tmp_path / "out" / "lines.parquet"
    assert main(["pilot", "check", str(foreign.path), str(mapping)]) == 2
    assert re.search(message, capsys.readouterr().err, re.S), case
    assert main(["pilot", "map", str(foreign.path), str(mapping), "--out", str(out)]) == 2
    assert not out.parent.exists()


def test_does_a_required_column_declared_missing_name_the_pilots_needs(foreign, tmp_path):
    mapping = edited(foreign, tmp_path, "  net_mass_kg: NET_WEIGHT\n", "")
    mapping.write_text(mapping.read_text().replace("missing: [", "missing: [net_mass_kg, "))
    with pytest.raises(MappingError, match="net_mass_kg cannot be missing: no pilot runs"):
        load_mapping(mapping)


def test_is_a_file_that_is_not_yaml_refused(tmp_path):
    path = tmp_path / "m.yml"
    path.write_text("columns: [unclosed\n")
    with pytest.raises(MappingError, match="is not valid YAML"):
        load_mapping(path)


def test_is_a_missing_version_named(foreign, tmp_path):
    mapping = edited(foreign, tmp_path, "mapping_version: 1\n", "")
    with pytest.raises(MappingError, match="'mapping_version' is a required property"):
        load_mapping(mapping)


def test_is_the_shipped_template_a_valid_mapping_of_the_foreign_layout(foreign):
    assert yaml.safe_load(template_text()) == yaml.safe_load(foreign.mapping.read_text())
    assert "procedure" in load_mapping(foreign.mapping).sources


def test_does_template_write_once_and_overwrite_only_with_force(tmp_path, capsys):
    path = tmp_path / "mapping.yml"
    assert main(["pilot", "template", str(path)]) == 0
    assert path.read_text() == template_text()
    path.write_text("mine")
    assert main(["pilot", "template", str(path)]) == 2
    assert "--force" in capsys.readouterr().err and path.read_text() == "mine"
    assert main(["pilot", "template", str(path), "--force"]) == 0
    assert path.read_text() == template_text()


def small_csv(tmp_path: Path, rows: list[str], header: str) -> Path:
    path = tmp_path / "small.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def minimal_mapping(tmp_path: Path, extra: str = "", currency: str = "usd_per_unit: 2.0",
                    missing: str = "") -> Path:
    from customs_course.pilot.canonical import CANONICAL_NAMES, REQUIRED

    mapped = {"declaration_id": "ID", "line_number": "LINE", "lodgement_date": "DAY",
              "hs6": "HS", "origin_country": "ORIG", "importer_id": "IMP",
              "fob_value": "FOB", "net_mass_kg": "KG"}
    assert set(mapped) == set(REQUIRED)
    others = [c for c in CANONICAL_NAMES if c not in mapped and c not in missing]
    lines = ["mapping_version: 1", "file: {delimiter: ';', decimal: ','}",
             "dates: {format: '%Y%m%d', timestamp_format: '%Y%m%d %H%M'}",
             f"currency: {{code: XLC, {currency}}}", "columns:"]
    lines += [f"  {k}: {v}" for k, v in mapped.items()] + [extra]
    lines.append(f"missing: [{', '.join(others)}]")
    path = tmp_path / "minimal.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_are_monthly_rates_applied_by_month_and_a_missing_month_reported(tmp_path):
    header = "ID;LINE;DAY;HS;ORIG;IMP;FOB;KG"
    data = small_csv(tmp_path, ["1;1;20220131;10121;CN;A;10,5;1", "1;2;20220201;10121;CN;A;10;1",
                                "2;1;20220301;10121;CN;A;10;1"], header)
    mapping = minimal_mapping(tmp_path, currency='monthly: {"2022-01": 2.0, "2022-02": 0.5}')
    mapping.write_text(mapping.read_text().replace("  hs6: HS", "  hs6: {column: HS, width: 6}"))
    result = check_data(data, mapping)
    rate = next(p for p in result.problems if p.kind == "no exchange rate for its month")
    assert (rate.column, rate.count, rate.example_row) == ("fob_value", 1, 3)
    assert rate.severity == "blocking"  # 1 line in 3, far above 1%
    loose = mapping.read_text() + "tolerance: 0.5\n"
    mapping.write_text(loose)
    out = tmp_path / "c.parquet"
    map_to_canonical(data, mapping, out)
    canonical = pd.read_parquet(out)
    assert canonical["fob_value"].tolist()[:2] == [21.0, 5.0]
    assert pd.isna(canonical["fob_value"].iloc[2])
    assert canonical["hs6"].astype(str).tolist() == ["010121"] * 3


def test_is_a_line_without_a_declaration_id_or_line_number_dropped_and_reported(tmp_path):
    header = "ID;LINE;DAY;HS;ORIG;IMP;FOB;KG"
    data = small_csv(tmp_path, ["1;1;20220131;010121;CN;A;10;1", "x;2;20220131;010121;CN;A;10;1",
                                "2;;20220131;010121;CN;A;10;1", "2;1;20220131;010121;CN;A;10;1"],
                     header)
    mapping = minimal_mapping(tmp_path)
    mapping.write_text(mapping.read_text() + "tolerance: 0.5\n")
    result = check_data(data, mapping)
    kinds = {(p.column, p.kind, p.count, p.example_row) for p in result.problems}
    assert ("declaration_id", "not a whole number", 1, 2) in kinds
    assert ("line_number", "missing", 1, 3) in kinds
    out = tmp_path / "c.parquet"
    assert map_to_canonical(data, mapping, out)["rows_dropped"] == 2
    canonical = pd.read_parquet(out)
    assert canonical["declaration_id"].tolist() == [1, 2]
    assert str(canonical["declaration_id"].dtype) == "int64"


def test_are_clearance_timestamps_parsed_with_their_format(tmp_path):
    header = "ID;LINE;DAY;HS;ORIG;IMP;FOB;KG;ARR;REL"
    data = small_csv(tmp_path, ["1;1;20220131;010121;CN;A;10;1;20220130 0805;20220131 1730",
                                "1;2;20220131;010121;CN;A;10;1;;yesterday"], header)
    mapping = minimal_mapping(tmp_path, extra="  arrival_time: ARR\n  release_time: REL",
                              missing="arrival_time release_time")
    out = tmp_path / "c.parquet"
    result = check_data(data, mapping)
    kinds = {(p.column, p.kind, p.count) for p in result.problems}
    assert ("release_time", "not a time in the format %Y%m%d %H%M", 1) in kinds
    assert ("arrival_time", "missing", 1) in kinds
    mapping.write_text(mapping.read_text() + "tolerance: 0.5\n")
    map_to_canonical(data, mapping, out)
    canonical = pd.read_parquet(out)
    assert canonical["arrival_time"].iloc[0] == pd.Timestamp("2022-01-30 08:05")
    assert canonical["release_time"].isna().tolist() == [False, True]
