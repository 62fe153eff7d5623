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
``.ipynb_checkpoints/`` are skipped; other files are listed as ignored. The upload is read by
:mod:`customs_course.grading.unpack`: links and special files are refused, sizes are capped,
every name is printed with its control characters escaped.

nbgrader's ``timestamp.txt`` (written by its exchange beside the notebooks of a submission) is
kept: the one in the folder of a student's newest notebook is checked with nbgrader's own parser
and copied to ``grading/submitted/<student>/<assignment>/timestamp.txt``, where ``nbgrader
autograde`` reads it and records how late the submission is. A submission without one has no
submission time (nbgrader then computes no lateness); a timestamp nbgrader cannot read is
refused with the reason.

Nothing is ever overwritten or lost: each collected file is archived byte for byte in
``grading/intake/<assignment>/originals/<student>/`` (read-only, named by UTC time and sha256;
the same content is archived once) and logged in ``manifest.jsonl``. The newest file of each
student becomes their current submission in ``grading/submitted/<student>/<assignment>/``; a
changed file replaces the current one there, the report says so, and both stay in the archive.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from customs_course.filehash import sha256_of
from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import prepare_assignment
from customs_course.grading.roster import roster_of
from customs_course.grading.unpack import (
    TIMESTAMP_FILE,
    Candidate,
    Collect,
    Refused,
    printable,
    unpack,
)

TIMESTAMP_MAX_BYTES = 1024


@dataclass
class CollectReport:
    """What :func:`collect_submissions` did, for the instructor to read."""

    assignment: str
    new: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str, list[str]]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    without_submission: list[str] = field(default_factory=list)
    timestamps: dict[str, datetime] = field(default_factory=dict)
    timestamps_removed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the report as lines of text, every file name with its controls escaped."""
        p = printable
        out = [
            f"{self.assignment}: {len(self.new)} new, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged submission(s)"
        ]
        out += [
            f"  changed: {s} now uses {p(label)} (the previous file is kept in the archive)"
            for s, label in self.changed
        ]
        out += [
            f"  several files for {s}: using {p(used)}, also archived: {', '.join(map(p, others))}"
            for s, used, others in self.duplicates
        ]
        if self.timestamps:
            out.append(
                f"  nbgrader's timestamp.txt kept for {len(self.timestamps)} student(s): "
                "autograde records their submission time and lateness"
            )
        out += [
            f"  timestamp.txt of {s} removed: the new file came without one"
            for s in self.timestamps_removed
        ]
        out += [f"  refused: {p(label)}: {why}" for label, why in self.refused]
        out += [f"  not collected: {p(label)}: {why}" for label, why in self.unmatched]
        out += [f"  ignored (not a notebook): {p(label)}" for label in self.ignored]
        if self.without_submission:
            out.append(f"  no submission yet: {', '.join(self.without_submission)}")
        return out


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


def is_timestamp(label: str) -> bool:
    return PurePosixPath(label).name == TIMESTAMP_FILE


def folder_of(label: str) -> str:
    return str(PurePosixPath(label).parent)


def read_timestamp(item: Candidate, student: str) -> datetime:
    """Parse nbgrader's ``timestamp.txt`` as nbgrader does (UTC); refuse what it cannot read."""
    from nbgrader.utils import parse_utc

    consequence = (
        f"not kept, so {student}'s submission has no submission time and cannot be found late; "
        "correct it (nbgrader writes e.g. 2026-03-01 17:00:00.000000 UTC) and collect again"
    )
    if item.size > TIMESTAMP_MAX_BYTES:
        raise Refused(f"{item.size} bytes, too long for a timestamp: {consequence}")
    raw = item.path.read_bytes()
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        shown = printable(repr(raw[:40]))
        raise Refused(f"not plain ASCII text ({shown}): {consequence}") from None
    if not text:
        raise Refused(f"empty: {consequence}")
    try:
        return parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        raise Refused(
            f"not a time nbgrader can read ({printable(text[:60])!r}): {consequence}"
        ) from None


def _safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(label).name)[-100:]


def _write_read_only(path: Path, source: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
    except BaseException:  # a full disk: no partial copy left beside the submission
        os.unlink(tmp)
        raise
    os.chmod(tmp, 0o444)
    if path.exists():  # Windows refuses to replace a read-only file
        os.chmod(path, 0o644)
    os.replace(tmp, path)


def _remove(path: Path) -> None:
    os.chmod(path, 0o644)
    path.unlink()


def archive(course: GradingCourse, assignment: str, student: str, item: Candidate) -> Path:
    """Keep ``item`` in the student's originals (once per content) and return its path."""
    folder = course.intake(assignment) / "originals" / student
    existing = sorted(folder.glob(f"*_{item.sha256[:12]}_*")) if folder.is_dir() else []
    if existing:
        return existing[0]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}_{item.sha256[:12]}_{_safe_name(item.label)}"
    _write_read_only(path, item.path)
    return path


def collect_submissions(
    assignment: str,
    source: Path | str,
    *,
    course_root: Path | None = None,
    caps: dict[str, float] | None = None,
    screen: Callable[[str], str | None] | None = None,
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
    caps : dict, optional
        Size caps that override ``c.Collect`` of the course's nbgrader configuration, such as
        ``{"max_entry_mb": 5}`` (see :class:`~customs_course.grading.unpack.Collect`).
    screen : callable, optional
        ``screen(label)`` vets each file before it is matched: None accepts it, a reason
        refuses it (reported and logged), ``""`` skips it unreported (nbgrader's exchange holds
        other assignments' submissions: :mod:`customs_course.hub.exchange`).

    Returns
    -------
    CollectReport
        New, changed and unchanged submissions, refused files and why, files that matched no
        student, and so on.

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
    source = Path(source)
    if not source.exists():
        raise GradingError(
            f"No folder or zip file {printable(str(source))}: pass the downloaded submissions."
        )
    limits = Collect(config=course.config, **(caps or {}))
    intake = course.intake(assignment)
    intake.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=intake, prefix=".spool-") as spool:
        try:
            found = unpack(
                source,
                Path(spool),
                limits=limits,
                owner=lambda label: match_student(label, student_ids)[0],
            )
        except Refused as why:
            raise GradingError(f"{printable(str(source))}: {why}") from None
        report = CollectReport(assignment, ignored=found.ignored, refused=found.refused)
        log = [{"file": label, "refused": why} for label, why in found.refused]
        _file(course, layout, found.candidates, student_ids, report, log, screen)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    lines = []
    for record in log:
        record = {"time": now, "source": str(source), **record}
        record["file"], record["source"] = printable(record["file"]), printable(str(source))
        lines.append(json.dumps(record, sort_keys=True) + "\n")
    _append_whole(intake / "manifest.jsonl", "".join(lines).encode("utf-8"))
    return report


def _append_whole(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` entirely or not at all: a full disk leaves no half line."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        start = os.fstat(fd).st_size
        rest = memoryview(data)
        try:
            while rest:
                rest = rest[os.write(fd, rest):]
        except BaseException:
            os.ftruncate(fd, start)
            raise
    finally:
        os.close(fd)


def _file(course, layout, candidates, student_ids, report: CollectReport, log: list,
          screen=None) -> None:
    """Archive every candidate, then make each student's newest files their submission."""
    assignment = layout.assignment
    notebooks = [nb.name for nb in layout.notebooks]
    chosen: dict[tuple[str, str], list[Candidate]] = {}
    stamps: dict[tuple[str, str], tuple[Candidate, datetime]] = {}
    for item in candidates:
        vetted = screen(item.label) if screen else None
        if vetted is not None:
            if vetted:
                report.refused.append((item.label, vetted))
                log.append({"file": item.label, "sha256": item.sha256, "refused": vetted})
            continue
        student, why = match_student(item.label, student_ids)
        notebook = None
        if student and not is_timestamp(item.label):
            notebook = match_notebook(item.label, notebooks)
            if notebook is None:
                why = f"its name names none of the notebooks {', '.join(notebooks)}"
        if not student or (notebook is None and not is_timestamp(item.label)):
            report.unmatched.append((item.label, why))
            log.append({"file": item.label, "sha256": item.sha256, "action": why})
            continue
        record = {"file": item.label, "sha256": item.sha256, "student": student}
        record["archived"] = archive(course, assignment, student, item).name
        if notebook is not None:
            chosen.setdefault((student, notebook), []).append(item)
            log.append({**record, "notebook": notebook})
            continue
        try:
            when = read_timestamp(item, student)
        except Refused as refusal:
            report.refused.append((item.label, str(refusal)))
            log.append({**record, "refused": str(refusal)})
            continue
        stamps[(student, folder_of(item.label))] = (item, when)
        log.append({**record, "timestamp": when.isoformat()})

    def submitted_at(item: Candidate, student: str) -> float:
        stamp = stamps.get((student, folder_of(item.label)))
        return stamp[1].replace(tzinfo=UTC).timestamp() if stamp else item.mtime

    newest_of: dict[str, list[Candidate]] = {}
    for (student, notebook), items in sorted(chosen.items()):
        items.sort(key=lambda c, s=student: (submitted_at(c, s), c.label))
        newest = items[-1]
        newest_of.setdefault(student, []).append(newest)
        if len(items) > 1:
            report.duplicates.append((student, newest.label, [c.label for c in items[:-1]]))
        current = course.submission_dir(student, assignment) / f"{notebook}.ipynb"
        if current.exists() and sha256_of(current) == newest.sha256:
            report.unchanged.append((student, newest.label))
            continue
        (report.changed if current.exists() else report.new).append((student, newest.label))
        _write_read_only(current, newest.path)
    for student, newest in newest_of.items():
        _keep_timestamp(course, assignment, student, newest, stamps, report)
    submitted = set(newest_of) | {
        s for s in student_ids if course.submission_dir(s, assignment).is_dir()
    }
    report.without_submission = [s for s in student_ids if s not in submitted]


def _keep_timestamp(course, assignment, student, newest, stamps, report) -> None:
    """Copy the timestamp.txt beside the student's newest notebooks (the latest, if several)."""
    found = [
        stamps[(student, folder_of(c.label))]
        for c in newest
        if (student, folder_of(c.label)) in stamps
    ]
    target = course.submission_dir(student, assignment) / TIMESTAMP_FILE
    if found:
        item, when = max(found, key=lambda pair: pair[1])
        report.timestamps[student] = when
        if not (target.exists() and sha256_of(target) == item.sha256):
            _write_read_only(target, item.path)
        return
    changed = {s for s, _ in report.new + report.changed}
    if student in changed and target.exists():  # it was the time of a file now replaced
        _remove(target)
        report.timestamps_removed.append(student)
