"""Collect a folder or a zip of submissions, as an LMS or an email inbox gives them.

Accepted shapes (``ASSIGNMENT`` is the assignment id, ``ID`` a student id from the roster):

- one notebook per student, the id anywhere in its name as a whole word: ``ID_first_look.ipynb``,
  ``first_look-ID.ipynb``, or LMS style ``<anything>_ID_<anything>.ipynb`` such as
  ``Doe, Jane_s017_attempt_2025-03-01.ipynb``;
- a folder per student: ``ID/first_look.ipynb``;
- a zip of either shape, and zips inside the folder or zip (one level deep), e.g. ``ID.zip``.

"Whole word" means the id is not glued to other letters or digits: ``s01`` is found in
``s01_x.ipynb`` and ``x-s01.ipynb`` but not in ``s012.ipynb``; the longest matching id wins, and
a name holding two different ids is refused. When the assignment has several notebooks, the
notebook's name must appear in the file's name too. Hidden files, ``__MACOSX/`` and
``.ipynb_checkpoints/`` are skipped; other files are listed as ignored.

Nothing is ever overwritten or lost: each collected file is archived byte for byte in
``grading/intake/<assignment>/originals/<student>/`` (read-only, named by UTC time and sha256;
the same content is archived once) and logged in ``manifest.jsonl``. The newest file of each
student becomes their current submission in ``grading/submitted/<student>/<assignment>/``; a
changed file replaces the current one there, the report says so, and both stay in the archive.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import prepare_assignment
from customs_course.grading.roster import roster_of

SKIPPED_PARTS = ("__MACOSX", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Candidate:
    """A file found in the collected folder or zip."""

    label: str
    data: bytes
    mtime: float

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class CollectReport:
    """What :func:`collect_submissions` did, for the instructor to read."""

    assignment: str
    new: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str, list[str]]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    without_submission: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the report as lines of text."""
        out = [
            f"{self.assignment}: {len(self.new)} new, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged submission(s)"
        ]
        out += [
            f"  changed: {s} now uses {label} (the previous file is kept in the archive)"
            for s, label in self.changed
        ]
        out += [
            f"  several files for {s}: using {used}, also archived: {', '.join(others)}"
            for s, used, others in self.duplicates
        ]
        out += [f"  not collected: {label}: {why}" for label, why in self.unmatched]
        out += [f"  ignored (not a notebook): {label}" for label in self.ignored]
        if self.without_submission:
            out.append(f"  no submission yet: {', '.join(self.without_submission)}")
        return out


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p in SKIPPED_PARTS for p in parts)


def _from_zip(data: bytes, prefix: str, depth: int) -> tuple[list[Candidate], list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise GradingError(f"{prefix or 'the file'} is not a valid zip file: {exc}") from exc
    found: list[Candidate] = []
    ignored: list[str] = []
    with archive:
        for info in archive.infolist():
            parts = PurePosixPath(info.filename).parts
            if info.is_dir() or not parts or _skipped(parts):
                continue
            label = f"{prefix}{'/'.join(parts)}"
            mtime = datetime(*info.date_time).timestamp()
            found_here, ignored_here = _classify(label, archive.read(info), mtime, depth)
            found += found_here
            ignored += ignored_here
    return found, ignored


def _classify(label: str, data: bytes, mtime: float, depth: int):
    suffix = PurePosixPath(label).suffix.lower()
    if suffix == ".ipynb":
        return [Candidate(label, data, mtime)], []
    if suffix == ".zip" and depth < 1:
        return _from_zip(data, f"{label}/", depth + 1)
    return [], [label]


def find_candidates(source: Path | str) -> tuple[list[Candidate], list[str]]:
    """Return the notebooks in a folder or zip (and nested zips), and the other files' labels."""
    source = Path(source)
    if source.is_file():
        return _from_zip(source.read_bytes(), "", 0)
    if not source.is_dir():
        raise GradingError(f"No folder or zip file {source}: pass the downloaded submissions.")
    found: list[Candidate] = []
    ignored: list[str] = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or _skipped(relative.parts):
            continue
        more, skipped = _classify(relative.as_posix(), path.read_bytes(), path.stat().st_mtime, 0)
        found += more
        ignored += skipped
    return found, ignored


def match_student(label: str, student_ids: list[str]) -> tuple[str | None, str]:
    """Return the student id named in ``label`` (or None) and why none was chosen."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for student_id in student_ids:
        pattern = rf"(?<![A-Za-z0-9]){re.escape(student_id)}(?![A-Za-z0-9])"
        found = [m.span() for m in re.finditer(pattern, label, flags=re.IGNORECASE)]
        if found:
            spans[student_id] = found
    if not spans:
        return None, "no student id of the roster in its name"
    longest = max(spans, key=len)

    def inside(span: tuple[int, int]) -> bool:  # part of the longest id (s1 inside s1-a)
        return any(a <= span[0] and span[1] <= b for a, b in spans[longest])

    others = sorted(i for i, found in spans.items() if i != longest and not all(map(inside, found)))
    if others:
        return None, f"its name holds several student ids ({', '.join([longest, *others])})"
    return longest, ""


def match_notebook(label: str, notebooks: list[str]) -> str | None:
    """Return the notebook of the assignment that ``label`` is for (None when unclear)."""
    if len(notebooks) == 1:
        return notebooks[0]
    named = [n for n in notebooks if n.lower() in label.lower()]
    return max(named, key=len) if named else None


def _safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(label).name)[-100:]


def _write_read_only(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o444)
    if path.exists():  # Windows refuses to replace a read-only file
        os.chmod(path, 0o644)
    os.replace(tmp, path)


def archive(course: GradingCourse, assignment: str, student: str, item: Candidate) -> Path:
    """Keep ``item`` in the student's originals (once per content) and return its path."""
    folder = course.intake(assignment) / "originals" / student
    existing = sorted(folder.glob(f"*_{item.sha256[:12]}_*")) if folder.is_dir() else []
    if existing:
        return existing[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}_{item.sha256[:12]}_{_safe_name(item.label)}"
    _write_read_only(path, item.data)
    return path


def collect_submissions(
    assignment: str, source: Path | str, *, course_root: Path | None = None
) -> CollectReport:
    """Collect the submissions of ``assignment`` from a folder or a zip file.

    Parameters
    ----------
    assignment : str
        Assignment id (a folder of ``solutions/``).
    source : Path or str
        The downloaded folder or zip (see the module docstring for the accepted names).
    course_root : Path, optional
        Course root (default: this checkout).

    Returns
    -------
    CollectReport
        New, changed and unchanged submissions, files that matched no student, and so on.

    Raises
    ------
    GradingError
        If no roster was imported, the assignment is unknown or the zip is unreadable.
    """
    course = GradingCourse.open(course_root)
    student_ids = [s.id for s in roster_of(course)]
    if not student_ids:
        raise GradingError("The gradebook has no student: import the roster first (import-roster).")
    layout = prepare_assignment(course, assignment)
    candidates, ignored = find_candidates(source)
    report = CollectReport(assignment, ignored=ignored)
    notebooks = [nb.name for nb in layout.notebooks]
    chosen: dict[tuple[str, str], list[Candidate]] = {}
    log = []
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for item in candidates:
        student, why = match_student(item.label, student_ids)
        notebook = match_notebook(item.label, notebooks) if student else None
        if student and notebook is None:
            why = f"its name names none of the notebooks {', '.join(notebooks)}"
        if not (student and notebook):
            report.unmatched.append((item.label, why))
            log.append({"time": now, "file": item.label, "sha256": item.sha256, "action": why})
            continue
        kept = archive(course, assignment, student, item)
        chosen.setdefault((student, notebook), []).append(item)
        log.append(
            {
                "time": now,
                "file": item.label,
                "sha256": item.sha256,
                "student": student,
                "notebook": notebook,
                "archived": kept.name,
            }
        )
    for (student, notebook), items in sorted(chosen.items()):
        items.sort(key=lambda c: (c.mtime, c.label))
        newest = items[-1]
        if len(items) > 1:
            report.duplicates.append((student, newest.label, [c.label for c in items[:-1]]))
        current = course.submission_dir(student, assignment) / f"{notebook}.ipynb"
        if current.exists() and current.read_bytes() == newest.data:
            report.unchanged.append((student, newest.label))
            continue
        (report.changed if current.exists() else report.new).append((student, newest.label))
        _write_read_only(current, newest.data)
    submitted = {s for (s, _) in chosen} | {
        s for s in student_ids if course.submission_dir(s, assignment).is_dir()
    }
    report.without_submission = [s for s in student_ids if s not in submitted]
    manifest = course.intake(assignment) / "manifest.jsonl"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with manifest.open("a", encoding="utf-8") as handle:
        for record in log:
            handle.write(json.dumps({"source": str(source), **record}, sort_keys=True) + "\n")
    return report
