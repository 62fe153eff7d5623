"""The grading ledger: one JSON file per student with the outcome of their last grading.

``grading/results/<assignment>/students/<student>.json`` holds the status, the findings, the
sha256 of the files that were graded and the fingerprint of the assignment they were graded
against. It is written atomically right after the student's scores reach the gradebook, so an
interrupted run loses at most the students being graded at that moment, and the next run skips
every student whose entry still matches the current submission (see
:func:`customs_course.grading.autograde.autograde`).

A submitted file is read whole only up to :func:`max_submission_bytes` (``c.Submission.max_mb``
in ``grading/nbgrader_config.py``, default 50 MB); a larger one is hashed in chunks and never
held in memory (:class:`Oversized`), and checking calls it ``corrupt``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from customs_course.filehash import sha256_of
from customs_course.grading.course import GradingCourse, GradingError, write_json_atomic
from customs_course.grading.layout import AssignmentLayout
from customs_course.grading.status import SEVERITY, Finding, Status, most_severe

#: the largest notebook file read into memory, unless ``c.Submission.max_mb`` says otherwise
DEFAULT_MAX_MB = 50


@dataclass(frozen=True)
class Oversized:
    """A submitted file past the size limit: its size and sha256, never its content."""

    size: int
    limit: int
    sha256: str

    def describe(self) -> str:
        return (
            f"the file is {self.size / 2**20:.1f} MB, more than the {self.limit / 2**20:g} MB "
            "a submission may have (c.Submission.max_mb in grading/nbgrader_config.py); ask "
            "the student to clear the outputs (Edit > Clear Outputs of All Cells), save and "
            "hand it in again"
        )


def max_submission_bytes(course: GradingCourse) -> int:
    """The size limit of a submitted notebook, from ``c.Submission.max_mb`` (default 50)."""
    value = course.config.get("Submission", {}).get("max_mb", DEFAULT_MAX_MB)
    try:
        megabytes = float(value)
    except (TypeError, ValueError):
        raise GradingError(
            f"c.Submission.max_mb = {value!r} in grading/nbgrader_config.py is not a number "
            "of megabytes"
        ) from None
    if not megabytes > 0:
        raise GradingError("c.Submission.max_mb in grading/nbgrader_config.py must be above 0")
    return int(megabytes * 2**20)


def read_submitted(path: Path, limit: int) -> bytes | Oversized | None:
    """The bytes of ``path``, :class:`Oversized` past ``limit`` bytes, None when absent."""
    if not path.is_file():
        return None
    size = path.stat().st_size
    if size > limit:
        return Oversized(size, limit, sha256_of(path))
    with path.open("rb") as handle:
        data = handle.read(limit + 1)  # the file may have grown since stat
    if len(data) > limit:
        return Oversized(path.stat().st_size, limit, sha256_of(path))
    return data


@dataclass
class Outcome:
    """The outcome of grading one student's submission."""

    student: str
    findings: list[Finding] = field(default_factory=list)
    sha256: str = ""
    fingerprint: str = ""
    timeout: float | None = None
    seconds: float = 0.0

    @property
    def status(self) -> Status:
        return most_severe([f.status for f in self.findings])

    @property
    def reason(self) -> str:
        """Every finding's reason, the most severe first ("" for a plain ``graded``)."""
        rank = {status: i for i, status in enumerate(SEVERITY)}
        ranked = sorted(self.findings, key=lambda f: rank[f.status])
        return "; ".join(dict.fromkeys(f.reason for f in ranked))

    def to_json(self) -> dict:
        return {
            "student": self.student,
            "status": self.status.value,
            "reason": self.reason,
            "findings": [f.to_dict() for f in self.findings],
            "sha256": self.sha256,
            "fingerprint": self.fingerprint,
            "timeout": self.timeout,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_json(cls, data: dict) -> Outcome:
        return cls(
            student=data["student"],
            findings=[Finding.from_dict(f) for f in data["findings"]],
            sha256=data.get("sha256", ""),
            fingerprint=data.get("fingerprint", ""),
            timeout=data.get("timeout"),
            seconds=data.get("seconds", 0.0),
        )


def ledger_path(course: GradingCourse, assignment: str, student: str) -> Path:
    return course.results(assignment) / "students" / f"{student}.json"


def save_outcome(course: GradingCourse, assignment: str, outcome: Outcome) -> None:
    write_json_atomic(ledger_path(course, assignment, outcome.student), outcome.to_json())


def load_outcome(course: GradingCourse, assignment: str, student: str) -> Outcome | None:
    """The student's last outcome, or None when there is none or it cannot be read (then the
    student is simply graded again)."""
    path = ledger_path(course, assignment, student)
    if not path.exists():
        return None
    try:
        return Outcome.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def submitted_files(
    course: GradingCourse, assignment: str, student: str, layout: AssignmentLayout
) -> dict[str, bytes | Oversized | None]:
    """Return the student's current files: notebook name -> bytes (None when absent).

    A file past :func:`max_submission_bytes` is not read: it comes back as :class:`Oversized`.
    """
    folder = course.submission_dir(student, assignment)
    limit = max_submission_bytes(course)
    return {
        notebook.name: read_submitted(folder / f"{notebook.name}.ipynb", limit)
        for notebook in layout.notebooks
    }


def files_sha256(files: dict[str, bytes | Oversized | None]) -> str:
    """Return one sha256 for a student's files ("" when none was handed in)."""
    if all(data is None for data in files.values()):
        return ""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        if isinstance(data, Oversized):
            data = b"oversized:" + data.sha256.encode()
        digest.update(name.encode() + b"\0" + (data or b"") + b"\0")
    return digest.hexdigest()
