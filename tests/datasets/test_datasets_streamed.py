"""A streamed build (the large edition's) gives the tables of the in-memory builders.

Declarations are written in chunks; clearance events and mirror flows are made from the
declarations file read a chunk at a time. Each must equal, value for value and dtype for dtype,
what the in-memory builders make from the whole table; the chunk boundaries are the places
where a streamed build could go wrong (a declaration cut in two, a draw counted twice).
"""

from __future__ import annotations

import functools

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from customs_course import paths
from customs_course.datasets import editions, load_dataset, loader, make_edition, streamed
from customs_course.datasets.cards import DATASET_NAMES, check_frame
from customs_course.datasets.declarations import (
    BLOCK_LINES,
    make_declarations,
    write_declarations,
)
from customs_course.datasets.mirror import declared_sums

SMALL_LINES = 10_000  # the small edition's declarations (editions.EDITIONS)


def _assert_same_table(streamed_frame: pd.DataFrame, in_memory: pd.DataFrame) -> None:
    """Column by column, with dtypes (categories and their order) and exact values."""
    assert list(streamed_frame.columns) == list(in_memory.columns)
    for column in in_memory.columns:
        assert streamed_frame[column].dtype == in_memory[column].dtype, column
        pd.testing.assert_series_equal(streamed_frame[column], in_memory[column],
                                       check_exact=True, obj=column)


@pytest.fixture(scope="module")
def in_memory_declarations():
    """make_declarations for the sizes of the chunk tests, each made once."""
    return functools.cache(lambda n_rows: make_declarations(n_rows, random_state=7))


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    """The small edition's declarations, written as a streamed build writes them."""
    path = tmp_path_factory.mktemp("streamed") / "declarations_small.parquet"
    return editions.write_streamed("declarations", "small", path)


def test_is_the_edition_size_of_the_tests_that_of_the_small_edition():
    assert editions.EDITIONS["small"]["declarations"] == SMALL_LINES


@pytest.mark.parametrize(("n_rows", "chunk_rows"), [
    (2 * BLOCK_LINES + 1_234, BLOCK_LINES),  # three chunks, the last one short
    (2 * BLOCK_LINES + 1_234, 2 * BLOCK_LINES),  # a chunk of two blocks, then a short one
    (2 * BLOCK_LINES, 2 * BLOCK_LINES),  # a multiple of the chunk size: no empty last chunk
    (2 * BLOCK_LINES + 1, 2 * BLOCK_LINES),  # one line past a chunk
    (BLOCK_LINES + 1, BLOCK_LINES),
])
def test_are_declarations_written_in_chunks_the_in_memory_table(tmp_path, n_rows, chunk_rows,
                                                               in_memory_declarations):
    path = tmp_path / "declarations.parquet"
    written = write_declarations(path, n_rows, random_state=7, chunk_rows=chunk_rows,
                                 check=lambda frame: check_frame(frame, "declarations"))
    assert written == n_rows
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-n_rows // BLOCK_LINES)
    from_file = pd.read_parquet(path)
    in_memory = in_memory_declarations(n_rows)
    _assert_same_table(from_file, in_memory)
    # HS codes stay text with their leading zeros (chapters 01 to 09), in the file itself too
    assert pq.read_schema(path).field("hs6").type.value_type == pa.string()
    codes = from_file["hs6"].astype(str)
    assert codes.str.fullmatch(r"\d{6}").all()
    assert codes.str.startswith("0").any()


def test_does_the_check_of_the_card_run_on_every_chunk(tmp_path):
    seen = []
    write_declarations(tmp_path / "d.parquet", BLOCK_LINES + 1, random_state=7,
                       chunk_rows=BLOCK_LINES, check=lambda frame: seen.append(len(frame)) or frame)
    assert seen == [BLOCK_LINES, 1]


@pytest.mark.parametrize("chunk_rows", [5_000, SMALL_LINES - 1, SMALL_LINES, 3_333])
def test_are_declarations_read_back_whole_chunk_by_chunk(small_file, small_declarations,
                                                         chunk_rows):
    chunks = list(streamed.read_declarations(small_file, ["hs6", "customs_value"], chunk_rows))
    assert len(chunks) == -(-SMALL_LINES // chunk_rows)
    ids = [set(chunk["declaration_id"]) for chunk in chunks]
    assert sum(map(len, ids)) == len(set().union(*ids)), "a declaration is cut in two"
    whole = pd.concat(chunks, ignore_index=True)
    _assert_same_table(whole, small_declarations[["declaration_id", "hs6", "customs_value"]])


def test_is_a_declaration_cut_by_a_batch_carried_to_the_next_chunk(small_file,
                                                                   small_declarations):
    # the first batch ends inside a declaration: its lines go to the second chunk
    lines = small_declarations["line_number"].to_numpy()
    cut = next(i for i in range(1, SMALL_LINES) if lines[i] > 1 and i > 1_000)
    first, *_ = streamed.read_declarations(small_file, ["line_number"], cut)
    assert len(first) < cut
    assert first["declaration_id"].iloc[-1] != small_declarations["declaration_id"].iloc[cut]


@pytest.mark.parametrize("chunk_rows", [5_000, SMALL_LINES - 1, 2_000])
def test_are_streamed_clearance_events_the_in_memory_ones(small_file, small_declarations,
                                                          chunk_rows):
    path = small_file.parent / f"clearance_{chunk_rows}.parquet"
    editions.write_streamed("clearance_events", "small", path, declarations_path=small_file,
                            chunk_rows=chunk_rows)
    in_memory = make_edition("clearance_events", "small", declarations=small_declarations)
    _assert_same_table(pd.read_parquet(path), in_memory)


@pytest.mark.parametrize("chunk_rows", [5_000, SMALL_LINES - 1, 2_000])
def test_are_declared_sums_made_share_by_share_exactly_the_whole_table_sums(
        small_file, small_declarations, chunk_rows):
    years = (2018, 2022)
    by_share = streamed.declared_sums(small_file, years, chunk_rows)
    whole = declared_sums(small_declarations, years).reset_index(drop=True)
    _assert_same_table(by_share, whole)


def test_are_streamed_mirror_flows_the_in_memory_ones(small_file, small_declarations):
    path = small_file.parent / "mirror_flows.parquet"
    editions.write_streamed("mirror_flows", "small", path, declarations_path=small_file,
                            chunk_rows=3_000)
    in_memory = make_edition("mirror_flows", "small", declarations=small_declarations)
    _assert_same_table(pd.read_parquet(path), in_memory)


def test_does_a_derived_dataset_without_its_declarations_file_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="write them first"):
        editions.write_streamed("clearance_events", "small", tmp_path / "c.parquet")
    with pytest.raises(ValueError, match="write them first"):
        editions.write_streamed("mirror_flows", "small", tmp_path / "m.parquet",
                                declarations_path=tmp_path / "missing.parquet")


def test_does_a_streamed_build_write_every_dataset_as_in_memory(tmp_path, monkeypatch,
                                                                small_declarations):
    monkeypatch.setattr(editions, "STREAMED_EDITIONS", ("small", "large"))
    manifest = editions.build_editions(tmp_path, editions=("small",))
    listed = editions.read_manifest(manifest)
    assert set(listed) == {f"{name}/{name}_small.parquet" for name in DATASET_NAMES}
    for name in DATASET_NAMES:
        in_memory = make_edition(name, "small", declarations=small_declarations)
        path = editions.dataset_path(tmp_path, name, "small", "parquet")
        assert listed[f"{name}/{name}_small.parquet"] == editions.sha256_of(path)
        _assert_same_table(pd.read_parquet(path), in_memory)


def test_does_the_loader_generate_a_streamed_edition_by_streaming(tmp_path, monkeypatch,
                                                                   small_declarations):
    monkeypatch.setenv(paths.DATA_ENV_VAR, str(tmp_path))
    monkeypatch.setattr(loader, "STREAMED_EDITIONS", ("small", "large"))
    made = []
    real = editions.write_streamed
    monkeypatch.setattr(loader, "write_streamed",
                        lambda name, *a, **k: made.append(name) or real(name, *a, **k))
    events = load_dataset("clearance_events", "small")
    assert made == ["declarations", "clearance_events"]
    in_memory = make_edition("clearance_events", "small", declarations=small_declarations)
    _assert_same_table(events, in_memory)


@pytest.fixture(scope="module")
def blocks_file(tmp_path_factory):
    """Declarations in three row groups (blocks), as the large edition's file is written."""
    path = tmp_path_factory.mktemp("blocks") / "declarations.parquet"
    write_declarations(path, 2 * BLOCK_LINES + 1_234, random_state=7)
    return path


def test_are_chunks_cut_alike_whatever_the_columns_read(blocks_file):
    # pyarrow's own batches end at row groups for dictionary columns but not for the others:
    # the clearance events' two readings (ids, then the columns) must still agree
    sizes = {columns: [len(c) for c in streamed.read_declarations(blocks_file, columns, 50_000)]
             for columns in (("declaration_id",), streamed.CLEARANCE_COLUMNS)}
    assert len(set(map(tuple, sizes.values()))) == 1
    assert len(sizes[("declaration_id",)]) == 3
    assert sum(sizes[("declaration_id",)]) == 2 * BLOCK_LINES + 1_234


def test_are_clearance_events_of_a_file_in_row_groups_the_in_memory_ones(
        blocks_file, in_memory_declarations):
    from customs_course.datasets import make_clearance_events

    events = pd.concat(list(streamed.clearance_events(blocks_file, 11, 50_000)),
                       ignore_index=True)
    in_memory = make_clearance_events(
        declarations=in_memory_declarations(2 * BLOCK_LINES + 1_234), random_state=11)
    _assert_same_table(events, in_memory)


def test_are_declared_sums_made_in_one_pass_over_the_file(small_file, monkeypatch):
    # one pass per share made the large edition's mirror quadratic in its size
    passes = []
    reader = streamed.read_declarations

    def counted(*args, **kwargs):
        passes.append(args)
        return reader(*args, **kwargs)

    monkeypatch.setattr(streamed, "read_declarations", counted)
    streamed.declared_sums(small_file, (2018, 2022), 2_000)
    assert len(passes) == 1
    assert not list(small_file.parent.glob("declared-sums-*")), "the spill is removed"
