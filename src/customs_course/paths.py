"""Where the course keeps its files.

The course is used from a checkout (``pip install -e .``), so most folders are found relative to
the repository root. Generated data goes to ``datasets/`` in the checkout, or to the folder named
by the environment variable ``CUSTOMS_COURSE_DATA`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV_VAR = "CUSTOMS_COURSE_DATA"


def repo_root() -> Path:
    """Return the root of the course checkout (the folder holding pyproject.toml)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "book").is_dir():
            return parent
    raise RuntimeError(
        "Could not find the course checkout above "
        f"{here}. Install the package from a clone with `pip install -e .`."
    )


def data_dir() -> Path:
    """Return the folder that holds generated datasets (created if missing)."""
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        path = Path(override).expanduser()
    else:
        try:
            path = repo_root() / "datasets"
        except RuntimeError:
            path = Path.home() / ".cache" / "customs_course"
    path.mkdir(parents=True, exist_ok=True)
    return path
