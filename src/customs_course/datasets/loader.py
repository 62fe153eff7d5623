"""Load a standard edition of a sandbox dataset, generating it first when it is missing.

Files live in :func:`customs_course.paths.data_dir` (``datasets/`` of the checkout; set the
environment variable ``CUSTOMS_COURSE_DATA`` to keep them elsewhere). Dtypes and category order
come from the dataset's data card, so a table read from CSV equals the one read from Parquet.
"""

from __future__ import annotations

import difflib
import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd

from customs_course.datasets.cards import DATASET_NAMES, apply_card, cards_dir, load_card
from customs_course.datasets.editions import (
    DERIVED_FROM_DECLARATIONS,
    EDITION_FORMATS,
    EDITIONS,
    FORMATS,
    STREAMED_EDITIONS,
    dataset_path,
    make_edition,
    write_frame,
    write_streamed,
)


def _normalise_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"The dataset name must be text such as 'declarations', got {name!r}. "
            f"The datasets are: {', '.join(DATASET_NAMES)}."
        )
    clean = name.strip().lower().replace("-", "_").replace(" ", "_")
    for suffix in (".parquet", ".csv"):
        clean = clean.removesuffix(suffix)
    if clean in DATASET_NAMES:
        return clean
    close = difflib.get_close_matches(clean, DATASET_NAMES, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"There is no dataset named {name!r}.{hint} The datasets are: {', '.join(DATASET_NAMES)}."
    )


def _check_edition(edition: object) -> str:
    if isinstance(edition, str) and edition.strip().lower() in EDITIONS:
        return edition.strip().lower()
    hint = ""
    if isinstance(edition, int | float) and not isinstance(edition, bool):
        hint = (" An edition is a name, not a number of rows: to choose the size, call a "
                "generator such as make_declarations(n_rows=...).")
    raise ValueError(
        f"Unknown edition {edition!r}; choose one of {', '.join(map(repr, EDITIONS))} "
        f"(small for exercises, medium for lessons, large for scale work).{hint}"
    )


@lru_cache(maxsize=1)
def _sources_mtime() -> float:
    """Newest modification time of the generator code (a newer file is regenerated)."""
    here = Path(__file__).resolve().parent
    return max(p.stat().st_mtime for p in here.glob("*.py"))


def _is_current(path: Path, card_path: Path) -> bool:
    if not path.is_file():
        return False
    built = path.stat().st_mtime
    card_time = card_path.stat().st_mtime if card_path.is_file() else 0.0
    return built >= max(_sources_mtime(), card_time)


def _read(path: Path, fmt: str, card: dict) -> pd.DataFrame:
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
        else:
            kinds = {c["name"]: c["dtype"] for c in card["columns"]}
            frame = pd.read_csv(
                path,
                dtype={k: "str" for k, v in kinds.items() if v in ("category", "str")},
                parse_dates=[k for k, v in kinds.items() if v.startswith("datetime64")],
            )
    except Exception as exc:  # a truncated or foreign file: tell how to repair it
        raise ValueError(
            f"Could not read {path} ({type(exc).__name__}: {exc}). The file may be damaged "
            "or from another version: delete it and load the dataset again to regenerate it."
        ) from exc
    return apply_card(frame, card)


def _generate(name: str, edition: str, fmt: str, path: Path) -> None:
    if edition == "large":
        print(f"Generating the large edition of {name}; this takes a few minutes...",
              file=sys.stderr)
    if edition in STREAMED_EDITIONS:  # never the whole declarations table in memory
        derived = name in DERIVED_FROM_DECLARATIONS
        write_streamed(name, edition, path, declarations_path=(
            dataset_file("declarations", edition) if derived else None))
        return
    declarations = None
    if name in DERIVED_FROM_DECLARATIONS:
        declarations = load_dataset("declarations", edition, format=fmt)
    write_frame(make_edition(name, edition, declarations=declarations), path, fmt)


def dataset_file(
    name: str,
    edition: str = "medium",
    *,
    format: str = "parquet",  # noqa: A002  (the word learners expect)
    generate: bool = True,
) -> Path:
    """Return the path of a standard edition's file, without reading it.

    The file is generated first when it is missing or older than the generator code (unless
    ``generate`` is False), exactly as :func:`load_dataset` does; use it to query a large
    edition with DuckDB or pyarrow instead of loading it into pandas.

    Examples
    --------
    >>> from customs_course.datasets import dataset_file
    >>> dataset_file("declarations", "small").name
    'declarations_small.parquet'
    """
    from customs_course import paths

    name = _normalise_name(name)
    edition = _check_edition(edition)
    if format not in FORMATS:
        raise ValueError(f"format must be 'parquet' or 'csv', got {format!r}.")
    if format not in EDITION_FORMATS[edition]:
        raise ValueError(
            f"The {edition} edition exists as {', '.join(EDITION_FORMATS[edition])} only; "
            f"use format='parquet' (pandas reads it with pd.read_parquet)."
        )
    path = dataset_path(paths.data_dir(), name, edition, format)
    if not _is_current(path, cards_dir() / name / "card.yml"):
        if not generate and path.is_file():
            print(f"note: {path} is older than the generator code; "
                  "run `customs-course datasets build` to refresh it.", file=sys.stderr)
        elif not generate:
            raise FileNotFoundError(
                f"{path} does not exist. Run `customs-course datasets build` (or `make course`), "
                "or call load_dataset(..., generate=True) to make it now."
            )
        else:
            _generate(name, edition, format, path)
    return path


def stale_files(editions: tuple[str, ...] = ("small", "medium")) -> list[Path]:
    """The standard files of ``editions`` that are missing or older than the generator code or
    their data card: the files :func:`load_dataset` would regenerate before reading them.

    The grader checks this before it starts: inside its sandbox the data folder is read-only,
    so a student's notebook that tried to regenerate a file would fail and lose its marks.
    """
    from customs_course import paths

    folder = paths.data_dir()
    return [path
            for edition in editions for name in DATASET_NAMES
            for fmt in EDITION_FORMATS[edition]
            if not _is_current(path := dataset_path(folder, name, edition, fmt),
                               cards_dir() / name / "card.yml")]


def load_dataset(
    name: str,
    edition: str = "medium",
    *,
    format: str = "parquet",  # noqa: A002  (the word learners expect)
    generate: bool = True,
) -> pd.DataFrame:
    """Return a standard edition of a sandbox dataset as a DataFrame.

    Parameters
    ----------
    name : str
        One of ``DATASET_NAMES``: 'declarations', 'clearance_events', 'seizures',
        'mirror_flows', 'hs_nomenclature', 'goods_descriptions'.
    edition : {'small', 'medium', 'large'}, default='medium'
        Small for exercises, medium for lessons, large (millions of rows) for scale work.
    format : {'parquet', 'csv'}, default='parquet'
        Which file to read; both give the same DataFrame.
    generate : bool, default=True
        Generate and write the file when it is missing (takes seconds; the large edition
        takes minutes, in less than 1 GiB of memory).

    Returns
    -------
    pandas.DataFrame
        Columns, dtypes and category order as in the data card ``datasets/<name>/card.yml``.

    Examples
    --------
    >>> from customs_course.datasets import load_dataset
    >>> df = load_dataset("declarations", edition="small")
    >>> df.shape[0]
    10000
    """
    path = dataset_file(name, edition, format=format, generate=generate)
    return _read(path, format, load_card(_normalise_name(name)))


def _loader(name: str):
    def load(edition: str = "medium", **kwargs) -> pd.DataFrame:
        return load_dataset(name, edition, **kwargs)

    load.__name__ = f"load_{name}"
    load.__qualname__ = load.__name__
    load.__doc__ = (
        f"Return the {name!r} dataset: ``load_dataset({name!r}, edition, ...)``.\n\n"
        "See :func:`load_dataset` for the parameters."
    )
    return load


load_declarations = _loader("declarations")
load_clearance_events = _loader("clearance_events")
load_seizures = _loader("seizures")
load_mirror_flows = _loader("mirror_flows")
load_hs_nomenclature = _loader("hs_nomenclature")
load_goods_descriptions = _loader("goods_descriptions")
