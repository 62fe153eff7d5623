"""Does the loader read, generate, refresh and explain as a beginner needs?"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from customs_course import paths
from customs_course.datasets import (
    DATASET_NAMES,
    load_dataset,
    load_declarations,
    load_seizures,
    loader,
)
from customs_course.datasets.cards import card_dtypes, load_card


@pytest.fixture()
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV_VAR, str(tmp_path))
    return tmp_path


def test_does_the_environment_variable_move_the_data(data_home):
    df = load_dataset("seizures", edition="small")
    assert (data_home / "seizures" / "seizures_small.parquet").is_file()
    assert len(df) == 1_000


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_do_parquet_and_csv_give_the_same_frame_with_the_cards_dtypes(data_home, name):
    parquet = load_dataset(name, edition="small")
    csv = load_dataset(name, edition="small", format="csv")
    pd.testing.assert_frame_equal(parquet, csv)
    dtypes = card_dtypes(load_card(name))
    assert {c: str(t) for c, t in parquet.dtypes.items()} == {
        c: str(t) for c, t in dtypes.items()}
    for column, dtype in dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            assert parquet[column].cat.categories.equals(dtype.categories)


def test_does_a_second_load_read_the_file_instead_of_generating_again(data_home, monkeypatch):
    first = load_declarations("small")
    monkeypatch.setattr(loader, "_generate", lambda *args: pytest.fail("generated again"))
    pd.testing.assert_frame_equal(load_declarations("small"), first)
    assert len(first) == 10_000


def test_are_the_names_forgiving_about_case_and_extension(data_home):
    assert load_dataset(" Seizures.csv ", edition="SMALL").equals(load_seizures("small"))


def test_does_generate_false_say_how_to_build(data_home):
    with pytest.raises(FileNotFoundError, match="customs-course datasets build"):
        load_dataset("mirror_flows", edition="small", generate=False)


def test_is_a_damaged_file_explained(data_home):
    path = data_home / "seizures" / "seizures_small.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a parquet file")
    with pytest.raises(ValueError, match="delete it"):
        load_dataset("seizures", edition="small")


def test_is_a_file_older_than_the_generator_regenerated(data_home):
    path = data_home / "seizures" / "seizures_small.parquet"
    load_dataset("seizures", edition="small")
    good = path.read_bytes()
    path.write_bytes(b"stale")
    os.utime(path, (0, 0))  # 1970: older than the code
    df = load_dataset("seizures", edition="small")
    assert path.read_bytes() == good and len(df) == 1_000


def test_do_clearance_events_join_the_declarations_of_the_same_edition(data_home):
    events = load_dataset("clearance_events", edition="small")
    decl = load_dataset("declarations", edition="small")
    assert set(events["declaration_id"]) == set(decl["declaration_id"])


def test_does_dataset_file_make_the_file_without_reading_it(data_home, monkeypatch):
    from customs_course.datasets import dataset_file, loader

    with pytest.raises(FileNotFoundError, match="datasets build"):
        dataset_file("seizures", "small", generate=False)
    reads = []
    monkeypatch.setattr(loader, "_read", lambda *args: reads.append(args))
    path = dataset_file("seizures", "small")
    assert path == data_home / "seizures" / "seizures_small.parquet" and path.is_file()
    built = path.stat().st_mtime_ns
    assert dataset_file("Seizures", "small") == path and path.stat().st_mtime_ns == built
    assert reads == [], "dataset_file must not read the data"
