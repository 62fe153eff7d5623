"""Standard editions: the same tables for everyone, written as Parquet and CSV with checksums.

``build_editions`` (run by ``make course`` through ``customs-course datasets build``) writes
``<out_dir>/<name>/<name>_<edition>.parquet`` and ``.csv`` for every dataset and records their
sha256 in ``<out_dir>/manifest.sha256`` (the format of ``sha256sum``, so
``cd datasets && sha256sum -c manifest.sha256`` checks them). The same seed gives the same bytes.
The large edition is built by streaming (:func:`write_streamed`): its declarations are never
held in memory whole, so memory follows the chunk size, not the line count.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customs_course.datasets import mirror, streamed
from customs_course.datasets._validate import check_choice
from customs_course.datasets._version import DEFAULT_SEED
from customs_course.datasets.cards import DATASET_NAMES, check_frame
from customs_course.datasets.declarations import write_declarations
from customs_course.filehash import sha256_of

FORMATS = ("parquet", "csv")
MANIFEST_NAME = "manifest.sha256"

#: Rows per dataset and edition. None: the size follows from another table (clearance events
#: have one row per declaration of the same edition) or is fixed (the HS nomenclature). The
#: mirror flows' reporter XA rows of the declarations' year are the declarations' sums, so their
#: row count differs from the figure given here (see datasets/mirror_flows/card.yml).
EDITIONS = MappingProxyType({
    "small": MappingProxyType({
        "declarations": 10_000, "clearance_events": None, "seizures": 1_000,
        "mirror_flows": 2_000, "hs_nomenclature": None, "goods_descriptions": 5_000,
    }),
    "medium": MappingProxyType({
        "declarations": 200_000, "clearance_events": None, "seizures": 20_000,
        "mirror_flows": 50_000, "hs_nomenclature": None, "goods_descriptions": 50_000,
    }),
    "large": MappingProxyType({
        "declarations": 5_000_000, "clearance_events": None, "seizures": 500_000,
        "mirror_flows": 500_000, "hs_nomenclature": None, "goods_descriptions": 1_000_000,
    }),
})
#: Datasets built from the declarations of the same edition, so that the tables agree.
DERIVED_FROM_DECLARATIONS = ("clearance_events", "mirror_flows")
#: Formats each edition is written in (the large one is too big for CSV to be useful).
EDITION_FORMATS = MappingProxyType({"small": FORMATS, "medium": FORMATS, "large": ("parquet",)})
#: Editions built by streaming (:func:`write_streamed`), so that memory does not grow with them.
STREAMED_EDITIONS = ("large",)


def _builders() -> dict[str, Callable[..., pd.DataFrame]]:
    from customs_course import datasets as ds

    return {
        "declarations": lambda n, _: ds.make_declarations(n, random_state=DEFAULT_SEED),
        "clearance_events": lambda _, decl: ds.make_clearance_events(
            declarations=decl, random_state=DEFAULT_SEED),
        "seizures": lambda n, _: ds.make_seizures(n, random_state=DEFAULT_SEED),
        "mirror_flows": lambda n, decl: ds.make_mirror_flows(
            n, random_state=DEFAULT_SEED, declarations=decl),
        "hs_nomenclature": lambda _, __: ds.make_hs_nomenclature(),
        "goods_descriptions": lambda n, _: ds.make_goods_descriptions(n, random_state=DEFAULT_SEED),
    }


def make_edition(name: str, edition: str, *, declarations: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """Generate dataset ``name`` of a standard edition in memory (checked against its card).

    ``declarations`` (the same edition's declarations) saves regenerating them for
    ``clearance_events`` and ``mirror_flows``, which are built from them (one world).
    """
    check_choice(name, name="name", allowed=DATASET_NAMES)
    check_choice(edition, name="edition", allowed=tuple(EDITIONS))
    if name in DERIVED_FROM_DECLARATIONS and declarations is None:
        declarations = make_edition("declarations", edition)
    frame = _builders()[name](EDITIONS[edition][name], declarations)
    return check_frame(frame, name)


def write_streamed(name: str, edition: str, path: Path, *,
                   declarations_path: Path | None = None,
                   chunk_rows: int = streamed.CHUNK_ROWS) -> Path:
    """Write dataset ``name`` of an edition to Parquet without holding the declarations in memory.

    The declarations are generated and written in chunks of ``chunk_rows`` lines; clearance
    events and mirror flows are made from the declarations file ``declarations_path`` (the same
    edition's), read ``chunk_rows`` lines at a time (:mod:`customs_course.datasets.streamed`).
    The tables are those of :func:`make_edition`; only the Parquet row groups differ.
    """
    from customs_course import datasets as ds

    check_choice(name, name="name", allowed=DATASET_NAMES)
    check_choice(edition, name="edition", allowed=tuple(EDITIONS))
    path, n_rows = Path(path), EDITIONS[edition][name]
    if name in DERIVED_FROM_DECLARATIONS and (
            declarations_path is None or not Path(declarations_path).is_file()):
        raise ValueError(f"{name} is made from the declarations of the {edition} edition: write "
                         "them first and give their file as declarations_path.")
    if name == "declarations":
        _atomic_write(path, lambda p: write_declarations(
            p, n_rows, random_state=DEFAULT_SEED, chunk_rows=chunk_rows,
            check=lambda frame: check_frame(frame, name)))
    elif name == "clearance_events":
        events = streamed.clearance_events(declarations_path, DEFAULT_SEED, chunk_rows)
        _atomic_write(path, lambda p: streamed.write_parquet(
            events, p, check=lambda frame: check_frame(frame, name)))
    elif name == "mirror_flows":
        flows = ds.make_mirror_flows(n_rows, random_state=DEFAULT_SEED)
        years = (int(flows["year"].min()), int(flows["year"].max()))
        sums = streamed.declared_sums(declarations_path, years, chunk_rows)
        frame = check_frame(mirror.with_declared_imports(flows, sums, DEFAULT_SEED), name)
        write_frame(frame, path, "parquet")
    else:
        write_frame(make_edition(name, edition), path, "parquet")
    return path


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    """Write ``frame`` to ``path`` as Parquet (zstd) or CSV, byte for byte reproducibly."""
    check_choice(fmt, name="format", allowed=FORMATS)
    if fmt == "parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        _atomic_write(path, lambda p: pq.write_table(table, p, compression="zstd"))
    else:
        _atomic_write(path, lambda p: frame.to_csv(p, index=False, lineterminator="\n"))
    return path


def dataset_path(out_dir: Path, name: str, edition: str, fmt: str) -> Path:
    """Where the file of a dataset's edition lives under ``out_dir``."""
    return Path(out_dir) / name / f"{name}_{edition}.{fmt}"


def read_manifest(path: Path) -> dict[str, str]:
    """Return ``{relative path: sha256}`` from a manifest file (empty if it does not exist)."""
    if not Path(path).is_file():
        return {}
    entries = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            entries[rel.lstrip("*")] = digest
    return entries


def _check_many(values: Iterable[str], *, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} is empty; give at least one of {', '.join(allowed)}.")
    for value in values:
        check_choice(value, name=name, allowed=allowed)
    return values


def build_editions(
    out_dir: str | os.PathLike | None = None,
    *,
    editions: Iterable[str] = ("small", "medium"),
    formats: Iterable[str] = FORMATS,
) -> Path:
    """Write every dataset of the given editions and update the sha256 manifest.

    Parameters
    ----------
    out_dir : path, default=None
        Folder to write to; None means :func:`customs_course.paths.data_dir` (``datasets/`` of
        the checkout, or the folder named by ``CUSTOMS_COURSE_DATA``).
    editions : iterable of str, default=('small', 'medium')
        Editions to write; 'large' (millions of rows, Parquet only) takes minutes, streamed
        in less than 1 GiB of memory (``benchmarks/bench_datasets.py`` measures it).
    formats : iterable of str, default=('parquet', 'csv')
        File formats. The large edition is always written as Parquet only.

    Returns
    -------
    pathlib.Path
        The manifest, ``<out_dir>/manifest.sha256``.
    """
    from customs_course import paths

    editions = _check_many(editions, name="edition", allowed=tuple(EDITIONS))
    formats = _check_many(formats, name="format", allowed=FORMATS)
    out = Path(out_dir) if out_dir is not None else paths.data_dir()
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST_NAME
    entries = read_manifest(manifest)
    for edition in editions:
        chosen = [f for f in formats if f in EDITION_FORMATS[edition]]
        if len(chosen) < len(formats):
            print(f"note: the {edition} edition is written as Parquet only", file=sys.stderr)
        if edition in STREAMED_EDITIONS:  # Parquet only
            for name in DATASET_NAMES if chosen else ():
                path = write_streamed(name, edition, dataset_path(out, name, edition, "parquet"),
                                      declarations_path=dataset_path(
                                          out, "declarations", edition, "parquet"))
                entries[path.relative_to(out).as_posix()] = sha256_of(path)
            continue
        declarations = None
        for name in DATASET_NAMES:
            frame = make_edition(name, edition, declarations=declarations)
            if name == "declarations":
                declarations = frame
            for fmt in chosen:
                path = write_frame(frame, dataset_path(out, name, edition, fmt), fmt)
                entries[path.relative_to(out).as_posix()] = sha256_of(path)
            del frame
    lines = [f"{digest}  {rel}\n" for rel, digest in sorted(entries.items())]
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest
