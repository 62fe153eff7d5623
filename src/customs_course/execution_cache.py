"""The book's execution cache, shared with the notebook tests.

The book build executes each lesson once and keeps the result in a jupyter-cache folder; the
tests reuse a result whose code is unchanged instead of executing the lesson again.
jupyter-cache keys a result on the notebook's code only, so a change in the course's package,
its data manifest or its pinned stack could leave a stale result that still looks valid: the
cache is therefore stamped with a fingerprint of those files and cleared when it changes, with
Sphinx's saved environment, which would otherwise not even re-read an unchanged lesson.

Jupyter Book executes lessons one after another while it reads them; ``execute_in_parallel``
runs the lessons that have no current result in parallel processes first and stores each result
exactly as myst-nb would, so the build then only reads them. A lesson that fails is not stored:
the build executes it again and reports the error. The kernels start one at a time (two
started together can take the same port, and the loser's client would wait for ever); the
lessons then run side by side.

``python -m customs_course.execution_cache BUILD_DIR [SOURCE_DIR]`` prepares the build folder
(the book's ``_build``) and runs the lessons of the book's source folder before a build.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

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
    # read by pages when they run: the framework page's table, the lessons' self-check cells
    files += [root / "book" / "framework.yml", *sorted((root / "modules").glob("*/selfcheck.yml"))]
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
    """Describe the first unexpected error of an executed notebook, or return None.

    A cell tagged ``raises-exception`` is meant to fail (nbval's and the book's convention).
    """
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"code cell {index} raised {output.ename}: {output.evalue}"
    return None


def is_text_notebook(path: Path) -> bool:
    """A Markdown file whose YAML header declares a kernel is a MyST notebook."""
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


def lesson_paths(source: Path | None = None) -> list[Path]:
    """The executable pages of a book source folder: lessons (MyST notebooks in
    modules/<level>/) and notebook pages of the book itself (such as the Data Portal)."""
    source = Path(source or repo_root())
    pages = [*source.glob("modules/*/*.md"), *source.glob("book/**/*.md")]
    return sorted(path.resolve() for path in pages
                  if "_build" not in path.parts and is_text_notebook(path))


def read_lesson(path: Path) -> nbformat.NotebookNode:
    """Read a lesson as myst-nb does, so that its cache key is the book build's."""
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"))


#: Held by one worker from choosing its kernel's ports until the kernel has bound them. Two
#: kernels started at the same instant can pick the same free port: the loser dies, and its
#: client then waits for ever on a socket that has no kernel behind it.
_KERNEL_START = multiprocessing.Lock()


def _share_kernel_start(lock) -> None:
    global _KERNEL_START
    _KERNEL_START = lock


class _OneKernelStartAtATime(NotebookClient):
    """nbclient's client, holding :data:`_KERNEL_START` from starting its kernel until it has
    heard from the kernel."""

    async def async_start_new_kernel(self, **kwargs):
        _KERNEL_START.acquire()
        try:
            await super().async_start_new_kernel(**kwargs)
        except BaseException:
            _KERNEL_START.release()
            raise

    async def async_start_new_kernel_client(self):
        try:
            return await super().async_start_new_kernel_client()
        finally:
            _KERNEL_START.release()


def _execute(path: Path, timeout: int):
    """Execute one lesson as myst-nb's cache executor does (jupyter-cache's
    ``single_nb_execution``), its kernel started when no other is starting."""
    notebook = read_lesson(path)
    client = _OneKernelStartAtATime(
        notebook, timeout=timeout, allow_errors=False, record_timing=False,
        resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    try:
        client.execute()
        error = None
    except (CellExecutionError, CellTimeoutError) as err:
        error = f"{type(err).__name__}: {err}"
    return notebook, time.perf_counter() - started, error


def execute_in_parallel(
    build_dir: Path, paths: list[Path], *, workers: int | None = None, timeout: int = 120
) -> dict[str, list[Path]]:
    """Execute the lessons without a current cached result, in parallel; store the successes.

    ``timeout`` is per cell, as the book's ``execute.timeout`` in book/_config.yml.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(build_dir / CACHE_SUBDIR)
    outcome: dict[str, list[Path]] = {"cached": [], "executed": [], "failed": []}
    pending = []
    for path in paths:
        try:
            cache.match_cache_notebook(read_lesson(path))
            outcome["cached"].append(path)
        except KeyError:
            pending.append(path)
    if not pending:
        return outcome
    workers = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=min(workers, len(pending)),
                             initializer=_share_kernel_start,
                             initargs=(multiprocessing.Lock(),)) as pool:
        futures = {path: pool.submit(_execute, path, timeout) for path in pending}
        for path, future in futures.items():
            notebook, seconds, error = future.result()
            if error:
                outcome["failed"].append(path)
                continue
            bundle = CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            outcome["executed"].append(path)
    return outcome


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    build_dir = Path(args[0]) if args else default_build_dir()
    source = Path(args[1]) if len(args) > 1 else repo_root()
    if prepare(build_dir):
        print(f"Course code changed since the last build: lessons will run again ({build_dir})")
    started = time.perf_counter()
    outcome = execute_in_parallel(build_dir, lesson_paths(source))
    print(
        f"Lessons: {len(outcome['executed'])} executed in parallel, {len(outcome['cached'])} "
        f"already cached, {len(outcome['failed'])} failed (the book build reports them) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
