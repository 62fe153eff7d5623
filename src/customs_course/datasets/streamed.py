"""The datasets built from the declarations, made from their Parquet file a chunk at a time.

For an edition too large to hold in memory (the large one), the declarations are written block
by block (:func:`customs_course.datasets.declarations.write_declarations`) and what derives from
them is made from that file, read ``chunk_rows`` lines at a time (pyarrow batches of the columns
needed), so that memory follows the chunk size, not the line count. Each gives the table that
the in-memory builders give from the whole declarations table:

- clearance events: a chunk of whole declarations gives their events; the random draws of each
  chunk start where those of the chunks before it end (:func:`clearance.draw_states`);
- mirror flows: the declared sums by year, origin and HS6 are made share by share of the HS
  codes (one pass over the file spills each share's lines to a file of its own), so that every
  group's lines are summed together, in their order, as the whole table's ``groupby`` sums them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customs_course.datasets import clearance, mirror
from customs_course.datasets.cards import apply_card, load_card

#: Lines read at a time (the memory of a streamed build follows it).
CHUNK_ROWS = 1_000_000
#: Columns of the declarations that the clearance events read.
CLEARANCE_COLUMNS = ("declaration_id", "lodgement_date", "office", "mode_of_transport",
                     "risk_channel", "importer_id", "duty_and_taxes", "hs6")


def write_parquet(frames: Iterable[pd.DataFrame], path: str | os.PathLike,
                  check: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> int:
    """Write data frames one after the other to one Parquet file (zstd); return the rows.

    Every frame must have the same columns and dtypes; ``check`` is applied to each first.
    """
    writer, rows = None, 0
    try:
        for frame in frames:
            if check is not None:
                frame = check(frame)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError(f"Nothing to write to {path}: the table has no rows.")
    return rows


def _line_ranges(path: str | os.PathLike, columns: list[str], chunk_rows: int
                 ) -> Iterator[pa.Table]:
    """Lines ``[k * chunk_rows, (k + 1) * chunk_rows)`` of a Parquet file, k = 0, 1, ...

    The ranges depend on the line count only (pyarrow's batches end at row groups when there
    are dictionary columns), so two readings of different columns cut the file alike. Each
    reads the row groups that overlap it: the file must be in row groups of a bounded size, as
    :func:`~customs_course.datasets.declarations.write_declarations` writes it.
    """
    parquet = pq.ParquetFile(path)
    meta = parquet.metadata
    starts = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
    for low in range(0, int(starts[-1]), chunk_rows):
        high = min(low + chunk_rows, int(starts[-1]))
        first = int(np.searchsorted(starts, low, side="right")) - 1
        stop = int(np.searchsorted(starts, high, side="left"))
        table = parquet.read_row_groups(range(first, stop), columns=columns)
        yield table.slice(low - int(starts[first]), high - low)


def read_declarations(path: str | os.PathLike, columns: Iterable[str],
                      chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield ``columns`` of a declarations file, about ``chunk_rows`` lines at a time, in file
    order, with the card's dtypes; a declaration's lines always come in the same chunk, and
    the chunks are the same whatever the columns."""
    columns = list(dict.fromkeys(["declaration_id", *columns]))
    card = load_card("declarations")
    subset = {"columns": [c for c in card["columns"] if c["name"] in columns]}
    pending = None  # the last range read: its last declaration may go on in the next one
    for table in _line_ranges(path, columns, chunk_rows):
        frame = apply_card(table.to_pandas(), subset)
        if pending is not None:
            ids = pending["declaration_id"].to_numpy()
            last = ids == ids[-1]
            frame = pd.concat([pending[last], frame], ignore_index=True)
            if not last.all():
                yield pending[~last].reset_index(drop=True)
        pending = frame
    if pending is not None:
        yield pending


def clearance_events(path: str | os.PathLike, seed: int, chunk_rows: int = CHUNK_ROWS
                     ) -> Iterator[pd.DataFrame]:
    """Yield the clearance events of a declarations file chunk by chunk: together, the table
    of ``make_clearance_events(declarations=<the whole file>, random_state=seed)``."""
    sizes = [int(c["declaration_id"].nunique())
             for c in read_declarations(path, ["declaration_id"], chunk_rows)]
    states = clearance.draw_states(seed, sizes)
    chunks = read_declarations(path, CLEARANCE_COLUMNS, chunk_rows)
    for chunk, size, state in zip(chunks, sizes, states, strict=True):
        yield clearance.clearance_of(chunk, clearance.draws_from_states(seed, state, size))


def declared_sums(path: str | os.PathLike, years: tuple[int, int],
                  chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """:func:`mirror.declared_sums` of a declarations file, one share of the HS codes at a time
    (about ``chunk_rows`` lines each).

    One pass over the file sorts its lines into a spill file per share (beside the file, as the
    spill is about the size of the columns read), in file order; each share's lines are then
    summed together, as the whole table's ``groupby`` sums them.
    """
    shares = max(1, -(-pq.ParquetFile(path).metadata.num_rows // chunk_rows))
    with tempfile.TemporaryDirectory(prefix="declared-sums-", dir=Path(path).parent) as spill:
        files = _spill_by_share(path, shares, Path(spill), chunk_rows)
        parts = [mirror.declared_sums(pd.read_parquet(file), years) for file in files]
    sums = pd.concat(parts, ignore_index=True)
    return sums.sort_values(["year", "origin_country", "hs6"], ignore_index=True)


def _spill_by_share(path: str | os.PathLike, shares: int, folder: Path, chunk_rows: int
                    ) -> list[Path]:
    """Write the lines of each share of the HS codes to its own Parquet file, in file order."""
    files = [folder / f"share-{share}.parquet" for share in range(shares)]
    writers: dict[int, pq.ParquetWriter] = {}
    try:
        for chunk in read_declarations(path, mirror.DECLARATION_COLUMNS, chunk_rows):
            share_of = chunk["hs6"].cat.codes.to_numpy() % shares
            for share in np.unique(share_of):
                table = pa.Table.from_pandas(chunk[share_of == share], preserve_index=False)
                if share not in writers:
                    writers[share] = pq.ParquetWriter(files[share], table.schema)
                writers[share].write_table(table)
    finally:
        for writer in writers.values():
            writer.close()
    return [files[share] for share in sorted(writers)]
