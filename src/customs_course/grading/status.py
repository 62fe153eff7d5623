"""The outcome of one student's submission: a status from a small enum and the reasons for it.

Every student on the roster ends the grading run with exactly one status, written in the export's
``status`` column, and a human-readable ``reason``. A status is never a silent zero: the statuses
that give no autograded score say why.

``graded``
    Graded by nbgrader, nothing unusual. Score: nbgrader's.
``cells_changed``
    Graded cells deleted, reordered or of another type: graded as handed in (a deleted test
    scores 0); check it by hand.
``test_cell_edited``
    A test cell was edited: nbgrader graded it with the original test put back, so the edit
    gained nothing. Score: nbgrader's, from the original tests.
``timeout``
    A cell ran past the per-cell timeout and was interrupted; the rest of the notebook was
    graded. Score: nbgrader's for the other cells.
``kernel_crash``
    The Python kernel died while running the notebook. Not graded: 0.
``resource_limit``
    The sandbox stopped the notebook: its CPU time, the wall-clock time or the output size
    went past the limits (the reason names which). Not graded: 0. (A cell that only hits the
    memory, disk or process limit fails on its own, like any error, and is noted.)
``tampered``
    Evidence that the notebook changed how it is graded: it silenced errors, replaced a function
    the tests use, installed an IPython hook, rebound or changed in place the data the tests
    read, or changed its cells while it ran (the reason says what was found). A format matter
    (an nbformat minor, cell ids) is never ``tampered``. Not graded: 0; check it by hand.
``grading_error``
    nbgrader failed for another reason, or the grader met an unexpected error on this
    student's file (the reason quotes it and names the student; the other students are
    graded). Not graded: 0; retried on every run.
``wrong_assignment``
    The notebook belongs to another assignment. Not graded: 0.
``corrupt``
    Not JSON (or JSON no parser should read: nested too deeply, ``NaN``, integers too long),
    not a notebook, an nbformat other than 4, nbgrader metadata of the wrong types, or a file
    past the size limit (never read into memory). Not graded: 0.
``missing``
    On the roster, but no submission was collected. 0.

When a submission has several findings, the status is the most severe one (the order of
:data:`SEVERITY`) and the reason lists them all.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Outcome of one student's submission (see the module docstring for the table)."""

    GRADED = "graded"
    CELLS_CHANGED = "cells_changed"
    TEST_CELL_EDITED = "test_cell_edited"
    TIMEOUT = "timeout"
    KERNEL_CRASH = "kernel_crash"
    RESOURCE_LIMIT = "resource_limit"
    TAMPERED = "tampered"
    GRADING_ERROR = "grading_error"
    WRONG_ASSIGNMENT = "wrong_assignment"
    CORRUPT = "corrupt"
    MISSING = "missing"

    @property
    def has_scores(self) -> bool:
        """True when nbgrader graded the submission, so the gradebook holds its scores."""
        return self in GRADED_STATUSES


#: From the most severe to the least: the status of a submission is its most severe finding.
SEVERITY: tuple[Status, ...] = (
    Status.MISSING,
    Status.CORRUPT,
    Status.WRONG_ASSIGNMENT,
    Status.TAMPERED,
    Status.RESOURCE_LIMIT,
    Status.KERNEL_CRASH,
    Status.GRADING_ERROR,
    Status.TIMEOUT,
    Status.TEST_CELL_EDITED,
    Status.CELLS_CHANGED,
    Status.GRADED,
)

#: Statuses whose scores come from nbgrader; every other status scores 0 on every question.
GRADED_STATUSES = frozenset(
    {Status.GRADED, Status.CELLS_CHANGED, Status.TEST_CELL_EDITED, Status.TIMEOUT}
)

#: Statuses found before grading: such a submission never reaches nbgrader.
NOT_GRADABLE = frozenset({Status.MISSING, Status.CORRUPT, Status.WRONG_ASSIGNMENT})


def most_severe(statuses: list[Status]) -> Status:
    """Return the most severe of ``statuses`` (``graded`` for an empty list)."""
    present = set(statuses)
    for status in SEVERITY:
        if status in present:
            return status
    return Status.GRADED


class Finding:
    """One thing found about a submission: a status and a sentence that explains it."""

    __slots__ = ("status", "reason")

    def __init__(self, status: Status, reason: str) -> None:
        self.status = Status(status)
        self.reason = reason

    def __repr__(self) -> str:
        return f"Finding({self.status.value!r}, {self.reason!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and (self.status, self.reason) == (
            other.status,
            other.reason,
        )

    def to_dict(self) -> dict[str, str]:
        return {"status": self.status.value, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Finding:
        return cls(Status(data["status"]), data["reason"])
