"""The book's execution cache, shared with the notebook tests.

The book build executes each lesson once and keeps the result in a jupyter-cache folder; the
tests reuse a result whose code is unchanged instead of executing the lesson again.
jupyter-cache keys a result on the notebook's code only, so a change in the course's package,
its data manifest or its pinned stack could leave a stale result that still looks valid: the
cache is therefore stamped with a fingerprint of those files and cleared when it changes, with
Sphinx's saved environment, which would otherwise not even re-read an unchanged lesson.

``python -m customs_course.execution_cache BUILD_DIR`` prepares the build folder (the book's
``_build``) before a build.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import nbformat

from customs_course.paths import repo_root

FINGERPRINT_FILE = "course-fingerprint.txt"


CACHE_SUBDIR = ".jupyter_cache"
# What a build must forget when the course changes: executed results and parsed pages.
STALE_SUBDIRS = (CACHE_SUBDIR, ".doctrees", "jupyter_execute")


def default_build_dir() -> Path:
    return repo_root() / "book" / "_build"


def course_fingerprint() -> str:
    """Hash the files, besides a lesson's own code, that can change a lesson's results."""
    root = repo_root()
    files = sorted((root / "src").rglob("*.py"))
    files += sorted((root / "datasets").glob("*/card.yml"))
    files += sorted((root / "datasets").glob("manifest*"))
    files += [root / "constraints.txt"]
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare(build_dir: Path) -> bool:
    """Forget results made with other course code; return True if anything was cleared."""
    stamp = build_dir / FINGERPRINT_FILE
    current = course_fingerprint()
    stale = [build_dir / sub for sub in STALE_SUBDIRS if (build_dir / sub).exists()]
    cleared = bool(stale) and (not stamp.exists() or stamp.read_text() != current)
    if cleared:
        for folder in stale:
            shutil.rmtree(folder)
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current)
    return cleared


def cached_execution(notebook: nbformat.NotebookNode, build_dir: Path | None = None):
    """Return the cached executed copy of ``notebook``, or None if there is no current one.

    A result counts only when the cache was stamped with the current course fingerprint and
    holds an execution of exactly this code.
    """
    from jupyter_cache import get_cache

    build_dir = build_dir or default_build_dir()
    stamp = build_dir / FINGERPRINT_FILE
    if not stamp.exists() or stamp.read_text() != course_fingerprint():
        return None
    cache = get_cache(build_dir / CACHE_SUBDIR)
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return None
    return cache.get_cache_bundle(record.pk).nb


def first_error(notebook: nbformat.NotebookNode) -> str | None:
    """Describe the first error output of an executed notebook, or return None."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index} raised {output.ename}: {output.evalue}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    build_dir = Path(args[0]) if args else default_build_dir()
    if prepare(build_dir):
        print(f"Course code changed since the last build: lessons will run again ({build_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
