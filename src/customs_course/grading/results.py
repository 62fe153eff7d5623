"""The grading ledger: one JSON file per student with the outcome of their last grading.

``grading/results/<assignment>/students/<student>.json`` holds the status, the findings, the
sha256 of the files that were graded and the fingerprint of the assignment they were graded
against. It is written atomically right after the student's scores reach the gradebook, so an
interrupted run loses at most the students being graded at that moment, and the next run skips
every student whose entry still matches the current submission (see
:func:`customs_course.grading.autograde.autograde`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from customs_course.grading.course import GradingCourse, write_json_atomic
from customs_course.grading.layout import AssignmentLayout
from customs_course.grading.status import SEVERITY, Finding, Status, most_severe


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
    path = ledger_path(course, assignment, student)
    if not path.exists():
        return None
    return Outcome.from_json(json.loads(path.read_text(encoding="utf-8")))


def submitted_files(
    course: GradingCourse, assignment: str, student: str, layout: AssignmentLayout
) -> dict[str, bytes | None]:
    """Return the student's current files: notebook name -> bytes (None when absent)."""
    folder = course.submission_dir(student, assignment)
    files = {}
    for notebook in layout.notebooks:
        path = folder / f"{notebook.name}.ipynb"
        files[notebook.name] = path.read_bytes() if path.is_file() else None
    return files


def files_sha256(files: dict[str, bytes | None]) -> str:
    """Return one sha256 for a student's files ("" when none was handed in)."""
    if all(data is None for data in files.values()):
        return ""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + (files[name] or b"") + b"\0")
    return digest.hexdigest()
