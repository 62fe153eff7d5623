"""The course's texts that a learner needs: lessons, self-check questions, the exercises' student
versions, the data cards and the learner's JupyterLab settings.

They have one source, the checkout's folders. Building the wheel copies them into the package as
``customs_course/_content`` (``setup.py`` calls :func:`copy_content`), so an installed course reads
them with :mod:`importlib.resources`; a checkout (``pip install -e .``) reads its own folders.
Solutions, hidden tests and the instructor's settings are never copied.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
from pathlib import Path

PACKAGED = "_content"
CONTENT_ENV_VAR = "CUSTOMS_COURSE_CONTENT"
#: What a learner's copy holds, as globs relative to the checkout (nothing else is copied).
LEARNER_FILES = (
    "modules/*/*.md",
    "modules/*/selfcheck.yml",
    "exercises/*/**/*",
    "datasets/*/card.yml",
    "etc/jupyter/course_exchange.py",
    "etc/jupyter/lab-settings/*",
    "etc/jupyter/learner/**/*",
)
#: Never shipped, whatever a glob above matches (an instructor's file left in the wrong folder).
NEVER = ("solutions", "instructor", ".ipynb_checkpoints", "__pycache__")


def learner_files(checkout: Path) -> list[Path]:
    """Return the checkout's files that a learner's copy holds, relative to the checkout."""
    found = set()
    for pattern in LEARNER_FILES:
        for path in checkout.glob(pattern):
            relative = path.relative_to(checkout)
            if path.is_file() and not set(relative.parts) & set(NEVER):
                found.add(relative)
    return sorted(found)


def copy_content(checkout: Path, target: Path) -> list[Path]:
    """Copy the learner's files of ``checkout`` into ``target`` (the build's ``_content``)."""
    copied = []
    for relative in learner_files(checkout):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(checkout / relative, destination)
        copied.append(relative)
    return copied


def content_root() -> Path:
    """Return the folder holding ``modules/``, ``exercises/``, ``datasets/*/card.yml`` and
    ``etc/jupyter/``: the one named by ``CUSTOMS_COURSE_CONTENT`` (the grading sandbox sets it,
    as it shows a checkout's content folders but not the files that mark the checkout), else
    the package's copy when installed from the wheel, else the checkout."""
    named = os.environ.get(CONTENT_ENV_VAR)
    if named:
        return Path(named)
    packaged = importlib.resources.files("customs_course") / PACKAGED
    if packaged.is_dir():
        return Path(str(packaged))
    from customs_course.paths import repo_root

    try:
        return repo_root()
    except RuntimeError:
        raise FileNotFoundError(
            "The course's lessons and data cards are missing from this installation: reinstall "
            "it from the course's wheel (`pip install customs_course-*.whl`)."
        ) from None
