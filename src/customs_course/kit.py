"""The learner's kit: ``customs-course start [DIR] [--no-lab] [--from LEVEL.zip]``.

It writes the lessons as notebooks (``lessons/<level>/<lesson>.ipynb``, converted with Jupytext)
and the exercises' student versions (``exercises/<assignment>/``) into a working folder,
generates the small edition of the sandbox data in ``DIR/data``, and opens JupyterLab there with
the learner's settings. A file that is already there is the learner's work: it is kept, never
overwritten, and the command says so. ``--from`` takes a level's zip from the book's site (the
same layout, built by :func:`write_level_zip`) instead of the package's own copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

DEFAULT_FOLDER = "customs-course"
#: The kit's own settings (JupyterLab, nbgrader's local exchange), refreshed at every start.
SETTINGS = ".course"
DATA = "data"
#: A level's zip holds at most this many bytes once unpacked (the real ones hold about 1 MB).
MAX_ZIP_BYTES = 200 * 1024 * 1024


def lesson_notebook(markdown: str) -> str:
    """Return a lesson (MyST Markdown notebook) as ``.ipynb`` text, without outputs."""
    import jupytext

    notebook = jupytext.reads(markdown, fmt="md:myst")
    notebook.metadata.pop("jupytext", None)  # not paired with a Markdown file any more
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return jupytext.writes(notebook, fmt="ipynb")


def level_of(assignment: str) -> str:
    """``level2_first_look`` -> ``level2``: exercises are named after their level."""
    return assignment.split("_", 1)[0]


def kit_files(root: Path, levels: Iterable[str] | None = None) -> dict[str, bytes]:
    """Return the kit's files, path in the working folder -> content, for the given level folders
    (``level2_secretariat``...; None: every level) of a content root (see content.py)."""
    wanted = set(levels) if levels is not None else None
    files: dict[str, bytes] = {}
    for lesson in sorted(root.glob("modules/*/*.md")):
        level = lesson.parent.name
        if wanted is None or level in wanted:
            notebook = lesson_notebook(lesson.read_text(encoding="utf-8"))
            files[f"lessons/{level}/{lesson.stem}.ipynb"] = notebook.encode()
    prefixes = None if wanted is None else {level_of(level) for level in wanted}
    for path in sorted((root / "exercises").glob("*/**/*")):
        assignment = path.relative_to(root / "exercises").parts[0]
        if path.is_file() and (prefixes is None or level_of(assignment) in prefixes):
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def level_folders(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "modules").iterdir() if p.is_dir())


def write_level_zip(root: Path, level: str, target: Path) -> Path:
    """Write one level's lessons (as notebooks) and exercises into the zip ``target``."""
    files = kit_files(root, [level])
    if not files:
        raise ValueError(f"no lesson or exercise for level {level!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            # a fixed date: the same course gives the same zip
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), content,
                             zipfile.ZIP_DEFLATED)
    return target


def read_level_zip(path: Path) -> dict[str, bytes]:
    """Read a level's zip, refusing anything that is not a lesson or an exercise file."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as problem:
        raise ValueError(f"{path} is not a level's zip from the course's site ({problem}); "
                         "download it again from the level's page.") from None
    files: dict[str, bytes] = {}
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ValueError(f"{path} unpacks to more than {MAX_ZIP_BYTES // 2**20} MB; "
                             "a level's zip holds about 1 MB: download it again.")
        for member in members:
            name = PurePosixPath(member.filename)
            if (name.is_absolute() or ".." in name.parts or "\\" in member.filename
                    or len(name.parts) < 3 or name.parts[0] not in ("lessons", "exercises")):
                raise ValueError(f"{path} holds {member.filename!r}, which is not a lesson or an "
                                 "exercise: nothing was written. Use a level's zip from the site.")
            files[str(name)] = archive.read(member)
    if not files:
        raise ValueError(f"{path} holds no lesson and no exercise.")
    return files


def write_new(folder: Path, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Write each file that is not in ``folder`` yet; return (written, kept)."""
    written, kept = [], []
    for name, content in sorted(files.items()):
        target = folder / name
        if target.exists():
            kept.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:  # "x": never replaces a file that appeared meanwhile
            handle.write(content)
        written.append(name)
    return written, kept


def install_settings(root: Path, folder: Path) -> Path:
    """Copy the learner's Jupyter settings into ``folder/.course``; return JUPYTER_CONFIG_PATH."""
    settings = folder / SETTINGS / "etc" / "jupyter"
    for relative in ("course_exchange.py", "lab-settings", "learner"):
        source, target = root / "etc" / "jupyter" / relative, settings / relative
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return settings / "learner"


def make_small_data(data: Path) -> list[Path]:
    """Generate the small edition into ``data`` (files already there and current are kept)."""
    from customs_course.datasets import DATASET_NAMES, dataset_file
    from customs_course.paths import DATA_ENV_VAR

    previous = os.environ.get(DATA_ENV_VAR)
    os.environ[DATA_ENV_VAR] = str(data)
    try:
        return [dataset_file(name, "small") for name in DATASET_NAMES]
    finally:
        if previous is None:
            os.environ.pop(DATA_ENV_VAR)
        else:
            os.environ[DATA_ENV_VAR] = previous


def lab_command(folder: Path) -> list[str]:
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # jupyter_server refuses root otherwise
    return command


def start(folder: Path, *, from_zip: Path | None = None, lab: bool = True,
          out=sys.stdout) -> int:
    from customs_course.content import content_root
    from customs_course.paths import DATA_ENV_VAR

    root = content_root()
    files = read_level_zip(from_zip) if from_zip else kit_files(root)
    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = write_new(folder, files)
    print(f"{len(written)} files written to {folder}", file=out)
    if kept:
        print(f"kept {len(kept)} files you already had (never overwritten):", file=out)
        for name in kept:
            print(f"  {name}", file=out)
    config_path = install_settings(root, folder)
    print("generating the small sandbox data (about 10 s the first time)...", file=out)
    make_small_data(folder / DATA)
    print(f"data: {folder / DATA}", file=out)
    if not lab:
        print(f"to open it later: customs-course start {folder}", file=out)
        return 0
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(config_path),
           DATA_ENV_VAR: str(folder / DATA)}
    return subprocess.call(lab_command(folder), cwd=folder, env=env)


def _start(args: argparse.Namespace) -> int:
    return start(Path(args.folder), from_zip=args.from_zip, lab=args.lab)


def add_start_command(groups) -> None:
    """``customs-course start``: argparse only, so that ``--help`` stays fast."""
    parser = groups.add_parser(
        "start", help="write the lessons and exercises into a working folder and open JupyterLab",
        description=__doc__.split("\n\n")[1] if __doc__ else None)
    parser.add_argument("folder", nargs="?", default=DEFAULT_FOLDER,
                        help=f"working folder (default: ./{DEFAULT_FOLDER}); created if missing")
    parser.add_argument("--no-lab", dest="lab", action="store_false",
                        help="prepare the folder but do not open JupyterLab")
    parser.add_argument("--from", dest="from_zip", type=Path, metavar="LEVEL.zip",
                        help="a level's zip downloaded from the course's site")
    parser.set_defaults(func=_start)

