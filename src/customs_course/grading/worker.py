"""Code that runs in each autograde worker process (see :mod:`customs_course.grading.autograde`).

A worker is ``python -m customs_course.grading.worker COURSE_ROOT SNAPSHOT TIMEOUT LOG SANDBOX
SLOT``. It copies
the snapshot of the course gradebook to a private file and builds nbgrader's API on it, then
reads one JSON request per line on stdin (``{"assignment": ..., "student": ...}``) and answers
one JSON line on its original stdout. For each student it runs nbgrader's own ``Autograde``
converter, exactly what ``nbgrader autograde`` runs (sanitise, put back locked and test cells
from the gradebook, execute with the per-cell timeout, save the scores), and returns the scores
as plain data. The notebook itself runs in a sandbox (:mod:`customs_course.grading.sandbox`),
not in this process. The worker writes only to its private gradebook and to
``grading/autograded/<student>/<assignment>/``, which no other worker touches. Its stdout and
stderr go to ``LOG``, so that nothing but answers reaches the pipe.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

_STATE: dict = {}
#: ``SomeError: message``, as a traceback ends (only quoted in a reason, never classified)
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b:? ")


def start_worker(
    course_root: str,
    snapshot: str,
    timeout: float | None,
    log_file: str,
    sandbox_mode: str = "auto",
    slot: int = 0,
) -> None:
    """Initialise this process: private gradebook, nbgrader API, stderr to ``log_file``.

    nbgrader's ``Execute`` step is replaced by
    :class:`~customs_course.grading.sandboxed_execute.SandboxedExecute`: student code runs
    in a sandbox (``sandbox_mode``; ``slot`` picks its user id), never in this process.
    """
    from customs_course.grading.course import GradingCourse
    from customs_course.grading.nbgrader_engine import check_metadata_schema_once, share_engines
    from customs_course.grading.sandbox import Sandbox, SandboxLimits

    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    private = Path(tempfile.mkdtemp(prefix="worker-", dir=Path(snapshot).parent)) / "gradebook.db"
    shutil.copyfile(snapshot, private)
    # a dozen gradebook openings per student: compile their SQL once; and the private copy,
    # thrown away afterwards, is written without waiting for the disk
    share_engines(scratch_urls=(f"sqlite:///{private}",))
    check_metadata_schema_once()
    course = GradingCourse.open(course_root)
    limits = SandboxLimits.from_config(course.config)
    sections = {
        "CourseDirectory": {"db_url": f"sqlite:///{private}"},
        "SandboxedExecute": {
            "sandbox_mode": sandbox_mode,
            "slot": slot,
            "course_root": str(course.root),
            "limits": asdict(limits),
            "start_ahead": True,
        },
        "Autograde": {"autograde_preprocessors": sandboxed_steps()},
    }
    if timeout is not None:  # the most specific section: it wins over Execute's and the rest
        sections["SandboxedExecute"]["timeout"] = float(timeout)
    api = course.api(course.nbgrader_config(**sections))
    # the first student's sandbox starts now, while the grader checks the submissions
    Sandbox.choose(sandbox_mode, limits, course.root, slot).start_ahead()
    _STATE.update(
        api=api, db_url=f"sqlite:///{private}", course_id=course.config.CourseDirectory.course_id
    )


def sandboxed_steps() -> list:
    """nbgrader's own autograde steps, with the sandboxed step in place of ``Execute``."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from customs_course.grading.sandboxed_execute import SandboxedExecute

    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    if Execute not in steps:  # another nbgrader: stop rather than grade without running
        raise RuntimeError(f"nbgrader's autograde steps have no Execute step: {steps}")
    return [SandboxedExecute if step is Execute else step for step in steps]


def _scores(assignment: str, student: str) -> tuple[dict, dict]:
    from nbgrader.api import Gradebook

    with Gradebook(_STATE["db_url"], _STATE["course_id"]) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        grades = {
            nb.name: {grade.name: grade.auto_score for grade in nb.grades}
            for nb in submission.notebooks
        }
        comments = {
            nb.name: {comment.name: comment.auto_comment for comment in nb.comments}
            for nb in submission.notebooks
        }
    return grades, comments


def _lateness(assignment: str, student: str) -> dict:
    """nbgrader's submission time (from timestamp.txt) and late penalty of each notebook."""
    from nbgrader.api import Gradebook

    with Gradebook(_STATE["db_url"], _STATE["course_id"]) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        stamp = submission.timestamp.isoformat() if submission.timestamp else None
        penalties = {nb.name: nb.late_submission_penalty for nb in submission.notebooks}
    return {"timestamp": stamp, "late_penalties": penalties}


def _forget(assignment: str, student: str) -> None:
    """Drop the student's earlier submission from the private gradebook: no stale score."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(_STATE["db_url"], _STATE["course_id"]) as gradebook:
        try:
            gradebook.remove_submission(assignment, student)
        except MissingEntry:
            pass


def grade_student(assignment: str, student: str, ahead: bool = True) -> dict:
    """Autograde one student; never raises (a failure comes back in the result).

    ``ahead``: start the next student's sandbox as this one's notebook ends (False when no
    student is left for this worker: its start would be wasted).

    Returns
    -------
    dict
        ``student``, ``success``, ``log`` (nbgrader's log, on failure), ``failure`` (on
        failure: ``{"kind", "stage", "message"}``, the exception's class name, where it
        happened and its message, from which the grader picks the status), ``grades`` and
        ``comments`` (notebook -> grade id -> automatic score or comment), ``seconds``.
    """
    from customs_course.grading import sandbox, sandboxed_execute

    start = time.monotonic()
    result = {"student": student, "success": False, "log": "", "grades": {}, "comments": {}}
    sandboxed_execute.failures.clear()
    sandbox.last_phases.clear()
    sandboxed_execute.next_student = ahead
    try:
        _forget(assignment, student)
        run = _STATE["api"].autograde(assignment, student, force=True, create=True)
        result["success"] = bool(run["success"])
        if result["success"]:
            result["grades"], result["comments"] = _scores(assignment, student)
            result["lateness"] = _lateness(assignment, student)
        else:
            result["log"] = f"{run.get('log', '')}\n{run.get('error', '')}"
            result["failure"] = _first_failure(result["log"])
    except Exception as exc:  # the worker must survive anything one student does
        result["success"] = False
        result["log"] = traceback.format_exc()
        result["failure"] = {"kind": type(exc).__name__, "stage": "worker",
                             "message": str(exc)[:500]}
    result["seconds"] = time.monotonic() - start
    result["phases"] = dict(sandbox.last_phases)  # for the grader's --verbose log
    return result


def _first_failure(log: str) -> dict:
    """The failure a grading step recorded, or nbgrader's own (a step outside the sandbox)."""
    from customs_course.grading import sandboxed_execute

    if sandboxed_execute.failures:
        return sandboxed_execute.failures[0]
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if _EXCEPTION_LINE.match(line)
              and "NbGraderException" not in line]  # its last error, to quote in the reason
    return {"kind": "NbGraderFailed", "stage": "nbgrader",
            "message": (errors or lines or ["nbgrader gave no reason"])[-1][:500]}


def main(argv: list[str] | None = None) -> int:
    """Serve grading requests from stdin until it closes."""
    course_root, snapshot, timeout, log_file, sandbox_mode, slot = (argv or sys.argv[1:])[:6]
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    # stopped by the pool: exit normally, so that the sandbox started ahead is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    start_worker(
        course_root, snapshot, float(timeout) if timeout else None, log_file, sandbox_mode,
        int(slot),
    )
    os.dup2(2, 1)  # from now on fd 1 is the log too: student code cannot garble the answers
    for line in sys.stdin:
        request = json.loads(line)
        result = grade_student(
            request["assignment"], request["student"], request.get("ahead", True)
        )
        answers.write(json.dumps(result) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
