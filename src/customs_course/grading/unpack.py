"""Read a folder or zip of submissions without trusting it: the first step of ``collect``.

Everything in an upload is hostile. This module

- never follows a link: symbolic links, fifos, devices, sockets and files with several hard
  links in a folder, and link or device entries in a zip (their Unix mode in the entry's
  external attributes) are refused with a reason, never opened;
- caps sizes per file, per student and in total (:class:`Collect`, set as
  ``c.Collect.max_entry_mb``... in ``grading/nbgrader_config.py``), against the size an entry
  declares *and* while it is read, in chunks, so that a zip that lies about its sizes is cut off;
  an entry compressed more than ``max_ratio`` to 1 (a zip bomb) is refused before it is read;
- copies each accepted file to a spool folder while hashing it: no file is held in memory;
- opens zips inside the upload one level deep, with the same caps; a zip in a zip in a zip is
  refused;
- escapes control characters, terminal escapes and bidi overrides in every name it reports
  (:func:`printable`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from traitlets import Float, Int
from traitlets.config import Configurable

from customs_course.grading.zip_directory import central_directory_bytes

MB = 1_000_000
CHUNK = 1 << 20
RATIO_FLOOR = 1 << 20  # entries smaller than 1 MiB are never called zip bombs
SKIPPED_PARTS = ("__MACOSX", ".ipynb_checkpoints")
READ_SUFFIXES = (".ipynb", ".zip")
#: most bytes one entry may take in a zip's central directory: its fixed 46 bytes, and a name,
#: extra fields and comment of up to about a kilobyte together
CENTRAL_BYTES_PER_ENTRY = 1100
TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's submission time, beside the notebooks
# Unicode categories shown escaped: controls, format characters (bidi overrides, zero-width),
# surrogates (undecodable bytes of a file name), private use, unassigned, line separators.
UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class Collect(Configurable):
    """Limits of ``customs-course grade collect`` (``c.Collect.<name>`` in nbgrader_config.py)."""

    max_entry_mb = Float(20.0, help="Largest file collected, MB (a notebook, a nested zip)").tag(
        config=True
    )
    max_student_mb = Float(50.0, help="Most collected for one student, MB, all files").tag(
        config=True
    )
    max_total_mb = Float(2000.0, help="Most collected in one run, MB, all students").tag(
        config=True
    )
    max_ratio = Float(200.0, help="Highest compression ratio of a zip entry (zip bombs)").tag(
        config=True
    )
    max_entries = Int(10000, help="Most entries in one zip").tag(config=True)


def printable(name: str) -> str:
    r"""Return ``name`` with control characters and backslashes escaped, as ``repr`` does.

    >>> printable("s01\x1b[2J\u202eplh.ipynb\n")
    's01\\x1b[2J\\u202eplh.ipynb\\n'
    """
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if ch == "\\" or unicodedata.category(ch) in UNSAFE_CATEGORIES
        else ch
        for ch in name
    )


@dataclass(frozen=True)
class Candidate:
    """A file accepted from the upload, spooled to ``path`` (deleted after the collect)."""

    label: str
    path: Path
    sha256: str
    size: int
    mtime: float


@dataclass
class Unpacked:
    """What :func:`unpack` found: accepted files, refused ones (with why) and ignored ones."""

    candidates: list[Candidate] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


class Refused(Exception):
    """One file of the upload is refused; the message says why and what to do."""


def _mb(size: float) -> str:
    return f"{size / MB:.1f} MB"


CAPS = {
    "entry": ("per-file cap", "max_entry_mb", "--max-entry-mb"),
    "student": ("per-student cap", "max_student_mb", "--max-student-mb"),
    "total": ("total cap per collect", "max_total_mb", "--max-total-mb"),
}


class _Budget:
    """Bytes left per student and in total; says which cap binds a file."""

    def __init__(self, limits: Collect, owner: Callable[[str], str | None]):
        self.limits, self.owner = limits, owner
        self.total = 0
        self.per_student: dict[str, int] = {}

    def _cap(self, which: str, used: int = 0, lead: str = "the ") -> tuple[int, str]:
        name, trait, flag = CAPS[which]
        value = getattr(self.limits, trait)
        return int(value * MB) - used, f"{lead}{name} of {value:g} MB (c.Collect.{trait} or {flag})"

    def cap(self, label: str, *, archive: bool = False) -> tuple[int, str]:
        """Return the most bytes ``label`` may have and the binding cap's name."""
        caps = [self._cap("total", self.total, "what is left of the ")]
        if archive:  # a nested zip: its contents are counted as they are read, not the zip
            caps.append(self._cap("student"))
        else:
            caps.append(self._cap("entry"))
            student = self.owner(label)
            if student is not None:
                used = self.per_student.get(student, 0)
                caps.append(self._cap("student", used, f"what is left of {student}'s "))
        return min(caps)

    def spend(self, label: str, size: int) -> None:
        self.total += size
        student = self.owner(label)
        if student is not None:
            self.per_student[student] = self.per_student.get(student, 0) + size


def check_declared(size: int, cap: tuple[int, str]) -> None:
    """Refuse a file whose declared ``size`` is over the binding ``cap``."""
    limit, name = cap
    if size > limit:
        raise Refused(f"its size {_mb(size)} is over {name}; raise the cap to collect it")


def spool(reader: BinaryIO, folder: Path, cap: tuple[int, str]) -> tuple[Path, str, int]:
    """Copy ``reader`` to a new file in ``folder`` in chunks, hashing; stop past ``cap``.

    Returns the file, its sha256 and size. At most ``cap`` bytes plus one chunk are read; a
    file found larger than ``cap`` (whatever it declared) is deleted and refused.
    """
    limit, name = cap
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="spool-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := reader.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Refused(
                        f"it holds more than {_mb(limit)} when read (over {name}), more than "
                        "it declared: a damaged or forged file; it was not collected"
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp), digest.hexdigest(), size


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p in SKIPPED_PARTS for p in parts)


def _wanted(label: str) -> bool:
    name = PurePosixPath(label).name
    return name.lower().endswith(READ_SUFFIXES) or name == TIMESTAMP_FILE


def _zip_time(info: zipfile.ZipInfo) -> float:
    """The entry's modification time (local time, as zip stores it); 0 when it is invalid."""
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


def _zip_kind(info: zipfile.ZipInfo) -> str | None:
    """Return why a zip entry is not a plain file (its Unix mode says so), or None."""
    mode = info.external_attr >> 16
    # 3: made on Unix; no type bits (zipfile's writestr writes 0o600): a plain file
    if info.create_system != 3 or stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link (zip entry): links are never followed"
    return f"not a plain file (zip entry of Unix type {stat.S_IFMT(mode):o}): refused"


class _Unpacker:
    def __init__(self, spool_dir: Path, limits: Collect, owner: Callable[[str], str | None]):
        self.dir, self.limits = spool_dir, limits
        self.budget = _Budget(limits, owner)
        self.found = Unpacked()

    def refuse(self, label: str, why: str) -> None:
        self.found.refused.append((label, why))

    def accept(self, label: str, reader: BinaryIO, mtime: float) -> None:
        path, sha, size = spool(reader, self.dir, self.budget.cap(label))
        self.budget.spend(label, size)
        self.found.candidates.append(Candidate(label, path, sha, size, mtime))

    def from_zip(self, handle: BinaryIO | Path, prefix: str, depth: int) -> None:
        directory = central_directory_bytes(handle)
        if directory and directory > self.limits.max_entries * CENTRAL_BYTES_PER_ENTRY:
            raise Refused(
                f"its list of contents alone is {_mb(directory)}, more than "
                f"{self.limits.max_entries} entries (c.Collect.max_entries) can need: a zip "
                "made to exhaust the grader's memory, or too many files; split it or raise the cap"
            )
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
            if len(entries) > self.limits.max_entries:
                raise Refused(
                    f"it has {len(entries)} entries, over the cap of {self.limits.max_entries} "
                    "(c.Collect.max_entries): split it or raise the cap"
                )
            for info in entries:
                parts = PurePosixPath(info.filename).parts
                if info.is_dir() or not parts or _skipped(parts):
                    continue
                label = f"{prefix}{'/'.join(parts)}"
                try:
                    self.zip_entry(archive, info, label, depth)
                except Refused as why:
                    self.refuse(label, str(why))
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                    self.refuse(label, f"damaged zip entry ({exc}): ask for a new download")
                except (NotImplementedError, RuntimeError) as exc:  # compression, encryption
                    self.refuse(label, f"cannot be read ({exc}): ask for a plain zip")

    def zip_entry(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, label, depth) -> None:
        kind = _zip_kind(info)
        if kind:
            raise Refused(kind)
        if not _wanted(label):
            self.found.ignored.append(label)
            return
        if info.flag_bits & 0x1:
            raise Refused("encrypted: ask for a zip without a password")
        is_zip = label.lower().endswith(".zip")
        if is_zip and depth >= 1:
            raise Refused(
                "a zip inside a zip inside the upload: only one level of nesting is opened; "
                "unpack it and collect the inner zip"
            )
        cap = self.budget.cap(label, archive=is_zip)
        check_declared(info.file_size, cap)
        if info.file_size > RATIO_FLOOR and info.file_size > self.limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise Refused(
                f"compressed {info.file_size / max(info.compress_size, 1):.0f} to 1 "
                f"({_mb(info.file_size)} from {_mb(info.compress_size)}), over the ratio "
                f"{self.limits.max_ratio:g} (c.Collect.max_ratio): a zip bomb, not collected"
            )
        mtime = _zip_time(info)
        with archive.open(info) as reader:
            if is_zip:
                self.nested(label, reader, cap)
            else:
                self.accept(label, reader, mtime)

    def nested(self, label: str, reader: BinaryIO, cap: tuple[int, str]) -> None:
        path, _, _ = spool(reader, self.dir, cap)
        try:
            self.from_zip(path, f"{label}/", 1)
        except zipfile.BadZipFile as exc:
            raise Refused(f"not a valid zip file ({exc})") from exc
        finally:
            path.unlink()

    def from_folder(self, root: Path) -> None:
        for label, path in _walk(root, self.refuse):
            if not _wanted(label):
                self.found.ignored.append(label)
                continue
            try:
                self.folder_file(label, path)
            except Refused as why:
                self.refuse(label, str(why))
            except OSError as exc:
                self.refuse(label, f"cannot be read ({exc.strerror or exc})")

    def folder_file(self, label: str, path: Path) -> None:
        # O_NOFOLLOW and fstat on the open file: a link swapped in after the walk is refused too
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            raise Refused(f"a symbolic link or unreadable ({exc.strerror}): not followed") from exc
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            why = _file_kind(info)
            if why:
                raise Refused(why)
            is_zip = label.lower().endswith(".zip")
            cap = self.budget.cap(label, archive=is_zip)
            check_declared(info.st_size, cap)
            if not is_zip:
                self.accept(label, handle, info.st_mtime)
                return
            try:
                self.from_zip(handle, f"{label}/", 1)
            except zipfile.BadZipFile as exc:
                raise Refused(f"not a valid zip file ({exc})") from exc


def _file_kind(info: os.stat_result) -> str | None:
    """Return why a file found in a folder is refused (a link, a device...), or None."""
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link: links are never followed (copy the file itself if it is wanted)"
    if not stat.S_ISREG(info.st_mode):
        return "not a plain file (a fifo, device or socket): refused"
    if info.st_nlink > 1:
        return (
            f"a hard link ({info.st_nlink} names): it may be another file of this machine; "
            "copy the file itself if it is the student's"
        )
    return None


def _walk(root: Path, refuse: Callable[[str, str], None]) -> Iterator[tuple[str, Path]]:
    """Yield (label, path) of the files under ``root``, in name order; refuse links and such."""

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename or root).relative_to(root).as_posix()
        refuse(where, f"a folder that cannot be read ({exc.strerror}): its files are not collected")

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        here = Path(folder)
        relative = here.relative_to(root).parts
        kept = []
        for name in sorted(dirs):
            if _skipped((*relative, name)):
                continue
            if (here / name).is_symlink():
                refuse("/".join((*relative, name)), "a symbolic link to a folder: not followed")
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if _skipped((*relative, name)):
                continue
            path = here / name
            label = "/".join((*relative, name))
            try:
                why = _file_kind(path.lstat())
            except OSError as exc:
                why = f"cannot be read ({exc.strerror})"
            if why:
                refuse(label, why)
            else:
                yield label, path


def unpack(
    source: Path,
    spool_dir: Path,
    *,
    limits: Collect | None = None,
    owner: Callable[[str], str | None] = lambda label: None,
) -> Unpacked:
    """Read the notebooks, nested zips and ``timestamp.txt`` files of ``source`` into ``spool_dir``.

    Parameters
    ----------
    source : Path
        The upload: a folder, or a zip file.
    spool_dir : Path
        An empty folder for the accepted files (the caller deletes it).
    limits : Collect, optional
        Size caps (default: :class:`Collect`'s defaults).
    owner : callable, optional
        ``owner(label)`` returns the student a file belongs to (for the per-student cap).

    Raises
    ------
    Refused
        If ``source`` itself is not a readable zip, or has too many entries.
    """
    unpacker = _Unpacker(spool_dir, limits or Collect(), owner)
    if source.is_dir():
        unpacker.from_folder(source)
        return unpacker.found
    try:
        unpacker.from_zip(source, "", 0)
    except zipfile.BadZipFile as exc:
        raise Refused(f"not a valid zip file: {exc}") from exc
    return unpacker.found
