"""A sandbox table written in a foreign administration's layout, shared by the pilot tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from customs_course.datasets import make_declarations
from customs_course.pilot.foreign import write_foreign

N_ROWS = 4000
SEED = 5


@pytest.fixture(scope="session")
def sha256():
    """The sha256 of a file, to prove it unchanged."""
    return lambda path: hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox's own lines (what the foreign tables are written from)."""
    return make_declarations(N_ROWS, random_state=SEED)


@pytest.fixture(scope="session")
def sandbox_file(sandbox, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "declarations.parquet"
    sandbox.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="session")
def foreign(sandbox_file, tmp_path_factory):
    """The dirty foreign CSV (semicolons, decimal commas, local currency) and its mapping."""
    return write_foreign(sandbox_file, tmp_path_factory.mktemp("foreign") / "lines.csv")


@pytest.fixture(scope="session")
def clean_foreign(sandbox_file, tmp_path_factory):
    return write_foreign(sandbox_file, tmp_path_factory.mktemp("clean") / "lines.csv",
                         dirt=False)
