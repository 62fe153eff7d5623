"""Does the same seed give the same bytes, and does the committed manifest hold?"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from customs_course.datasets import (
    DATASET_NAMES,
    build_editions,
    make_clearance_events,
    make_declarations,
    make_goods_descriptions,
    make_hs_nomenclature,
    make_mirror_flows,
    make_seizures,
)
from customs_course.datasets.cards import cards_dir
from customs_course.datasets.editions import MANIFEST_NAME, read_manifest

MAKERS = {
    "declarations": lambda seed: make_declarations(3_000, random_state=seed),
    "clearance_events": lambda seed: make_clearance_events(3_000, random_state=seed),
    "seizures": lambda seed: make_seizures(2_000, random_state=seed),
    "mirror_flows": lambda seed: make_mirror_flows(2_000, random_state=seed),
    "goods_descriptions": lambda seed: make_goods_descriptions(2_000, random_state=seed),
}


def _bytes(frame: pd.DataFrame) -> tuple[bytes, bytes]:
    parquet = io.BytesIO()
    frame.to_parquet(parquet, index=False)
    return parquet.getvalue(), frame.to_csv(index=False).encode()


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_does_the_same_seed_give_the_same_bytes(name):
    assert _bytes(MAKERS[name](7)) == _bytes(MAKERS[name](7))


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_does_another_seed_give_another_table(name):
    assert not MAKERS[name](7).equals(MAKERS[name](8))


def test_does_no_seed_give_a_fresh_table_each_time():
    assert not make_declarations(500).equals(make_declarations(500))


def test_is_the_nomenclature_always_the_same():
    assert make_hs_nomenclature().equals(make_hs_nomenclature())


def test_does_the_same_seed_give_the_same_table_whatever_else_ran_before():
    first = make_seizures(500, random_state=3)
    make_declarations(1_000, random_state=3)  # no global random state to disturb
    assert first.equals(make_seizures(500, random_state=3))


def _committed(edition: str) -> dict[str, str]:
    entries = read_manifest(cards_dir() / MANIFEST_NAME)
    return {k: v for k, v in entries.items() if k.endswith((f"_{edition}.parquet",
                                                            f"_{edition}.csv"))}


def test_does_the_committed_manifest_list_every_standard_file():
    entries = read_manifest(cards_dir() / MANIFEST_NAME)
    expected = {f"{name}/{name}_{edition}.{fmt}" for name in DATASET_NAMES
                for edition in ("small", "medium") for fmt in ("parquet", "csv")}
    assert expected <= set(entries), f"missing from the manifest: {expected - set(entries)}"


def test_does_the_small_edition_regenerate_to_the_committed_checksums(tmp_path):
    manifest = build_editions(tmp_path, editions=("small",))
    assert manifest == tmp_path / MANIFEST_NAME
    assert read_manifest(manifest) == _committed("small"), (
        "The small edition no longer matches datasets/manifest.sha256: if the change is "
        "intended, run `customs-course datasets build` and commit the new manifest."
    )


@pytest.mark.slow
def test_does_the_medium_edition_regenerate_to_the_committed_checksums(tmp_path):
    manifest = build_editions(tmp_path, editions=("medium",))
    assert read_manifest(manifest) == _committed("medium")


def test_does_streaming_give_the_same_table_and_the_same_bytes_whatever_the_chunk(tmp_path):
    from customs_course.datasets.declarations import (
        BLOCK_LINES,
        iter_declarations,
        write_declarations,
    )

    n = 2 * BLOCK_LINES + 1_234  # three blocks, the last one short
    one, three = tmp_path / "one.parquet", tmp_path / "three.parquet"
    assert write_declarations(one, n, random_state=5, chunk_rows=BLOCK_LINES) == n
    write_declarations(three, n, random_state=5, chunk_rows=3 * BLOCK_LINES)
    assert one.read_bytes() == three.read_bytes()
    whole = make_declarations(n, random_state=5)
    pd.testing.assert_frame_equal(pd.read_parquet(one), whole, check_categorical=False)
    blocks = list(iter_declarations(n, random_state=5))
    assert [len(b) for b in blocks] == [BLOCK_LINES, BLOCK_LINES, 1_234]
    # declarations never span two blocks, and ids and dates keep growing across them
    assert whole["declaration_id"].is_monotonic_increasing
    assert whole["lodgement_date"].is_monotonic_increasing
    ends = [b["declaration_id"].iloc[-1] for b in blocks[:-1]]
    starts = [b["declaration_id"].iloc[0] for b in blocks[1:]]
    assert all(e < s for e, s in zip(ends, starts, strict=True))
