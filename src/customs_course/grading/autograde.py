"""Autograde every student of an assignment with N parallel workers, resumably.

Why this design
---------------
nbgrader's gradebook is one SQLite file. Running several ``nbgrader autograde`` processes on it
at once makes them wait for, and then fail on, its write lock ("database is locked"), and
nbgrader turns that into a failed submission. So the expensive part, executing notebooks, runs in
parallel, and the gradebook is written by one process only:

1. The main process checks every submission first (:mod:`~customs_course.grading.checks`):
   missing, corrupt and wrong-assignment submissions never reach nbgrader and are recorded at
   once with their reason.
2. It snapshots the gradebook and starts N worker processes (default: the number of cores). Each
   copies the snapshot to a private gradebook and runs nbgrader's own ``Autograde`` converter
   on one student at a time (:mod:`~customs_course.grading.worker`): the same preprocessors,
   cell restoration and scoring as ``nbgrader autograde``, with the per-cell timeout, except
   that the notebook executes in a sandbox (:mod:`~customs_course.grading.sandbox`) and is
   checked for tampering (:mod:`~customs_course.grading.integrity`).
3. As each student finishes, the main process copies their automatic scores and comments into
   the course gradebook (keeping any manual score a grader gave), then writes the student's
   outcome to the ledger (:mod:`~customs_course.grading.results`).

A kernel crash, a timeout or any nbgrader failure stays inside one student's result; a worker
process that dies is replaced and its students retried. The ledger makes a run resumable: a
rerun skips students whose entry matches their current submission (sha256), the assignment
(fingerprint) and, for a timeout, the timeout; ``force=True`` regrades everyone. Grading the
same files twice gives the same scores and statuses, so a regrade is idempotent.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from customs_course.grading.checks import check_submission, inspect_autograded
from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import AssignmentLayout, prepare_assignment
from customs_course.grading.pool import WorkerPool
from customs_course.grading.progress import ProgressBar
from customs_course.grading.results import (
    Outcome,
    files_sha256,
    load_outcome,
    save_outcome,
    submitted_files,
)
from customs_course.grading.roster import roster_of
from customs_course.grading.sandbox import Sandbox, SandboxError, SandboxLimits
from customs_course.grading.status import NOT_GRADABLE, Finding, Status

log = logging.getLogger(__name__)


@dataclass
class AutogradeReport:
    """What :func:`autograde` did: one outcome per student graded now, and who was skipped."""

    assignment: str
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    workers: int = 0
    seconds: float = 0.0
    sandbox: str = ""
    warning: str | None = None

    def counts(self) -> Counter:
        return Counter(outcome.status.value for outcome in self.outcomes)


def effective_timeout(course: GradingCourse, timeout: float | None) -> float | None:
    """Return the per-cell timeout that nbgrader will use: ``timeout`` or the configured one.

    The configured one is read as traitlets reads it for the grading step, so that
    ``c.ExecutePreprocessor.timeout``, ``c.Execute.timeout`` and ``c.SandboxedExecute.timeout``
    weigh as they do in nbgrader (the most specific wins; nbgrader's default is 30 s).
    """
    if timeout is not None:
        return float(timeout)
    from customs_course.grading.sandboxed_execute import SandboxedExecute

    configured = SandboxedExecute(config=course.config).timeout
    return None if configured is None else float(configured)


def choose_sandbox(course: GradingCourse, requested: str | None) -> Sandbox:
    """Resolve the sandbox mode: ``requested``, else the course's ``Sandbox.mode``, else auto."""
    mode = requested or course.config.get("Sandbox", {}).get("mode") or "auto"
    try:
        return Sandbox.choose(mode, SandboxLimits.from_config(course.config), course.root)
    except SandboxError as exc:
        raise GradingError(str(exc)) from exc


def default_workers() -> int:
    """Return the number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


#: the status of a failed grading, by the kind of failure the worker returned (its exception's
#: class name); any other kind is a ``grading_error``
FAILURE_STATUS = {
    "TamperingDetected": Status.TAMPERED,
    "ResourceLimitExceeded": Status.RESOURCE_LIMIT,
    "DeadKernelError": Status.KERNEL_CRASH,
    "SandboxDied": Status.KERNEL_CRASH,
    "CellTimeoutError": Status.TIMEOUT,
    "UnresponsiveKernelError": Status.TIMEOUT,
}


def classify_failure(failure: dict | None) -> Finding:
    """The finding of a failed grading, from the worker's structured ``failure``.

    ``failure`` is ``{"kind": exception class name, "stage": where, "message": ...}`` (see
    :func:`customs_course.grading.worker.grade_student`); no log text is searched.
    """
    failure = failure if isinstance(failure, dict) else {}
    kind, message = str(failure.get("kind", "")), str(failure.get("message", ""))[:400]
    status = FAILURE_STATUS.get(kind, Status.GRADING_ERROR)
    if status is Status.TAMPERED:
        reason = (f"the notebook changed how it is graded: {message}; not graded, every "
                  "question scores 0: check it by hand")
    elif status is Status.RESOURCE_LIMIT:
        reason = f"stopped by the sandbox: {message}; not graded, every question scores 0"
    elif status is Status.KERNEL_CRASH:
        reason = ("the Python kernel died while running the notebook (a crash, os._exit or out "
                  "of memory): not graded, every question scores 0")
    elif status is Status.TIMEOUT:
        reason = ("a cell ran past the per-cell timeout and the kernel could not be "
                  "interrupted: not graded, every question scores 0")
    elif failure.get("stage") == "nbgrader":
        reason = f"nbgrader could not grade it: {message or 'no message'}"
    else:
        reason = (f"grading failed ({failure.get('stage') or 'unknown stage'}): "
                  f"{kind or 'no failure reported'}: {message or 'no message'}")
    return Finding(status, reason)


def _merge(gradebook, assignment: str, student: str, result: dict) -> None:
    """Write one student's automatic scores and comments into the course gradebook.

    Like nbgrader's ``SaveAutoGrades``: a manual score is kept, and flags the grade for review.
    """
    lateness = result.get("lateness", {})
    stamp = lateness.get("timestamp")  # as nbgrader autograde: a time only when it has one
    when = {"timestamp": datetime.fromisoformat(stamp)} if stamp else {}
    gradebook.update_or_create_submission(assignment, student, **when)
    for notebook, penalty in lateness.get("late_penalties", {}).items():
        found = gradebook.find_submission_notebook(notebook, assignment, student)
        found.late_submission_penalty = penalty
    for notebook, cells in result["grades"].items():
        for grade_id, auto_score in cells.items():
            grade = gradebook.find_grade(grade_id, notebook, assignment, student)
            grade.auto_score = auto_score
            grade.needs_manual_grade = grade.manual_score is not None or auto_score is None
    for notebook, cells in result["comments"].items():
        for grade_id, auto_comment in cells.items():
            comment = gradebook.find_comment(grade_id, notebook, assignment, student)
            comment.auto_comment = auto_comment
    gradebook.db.commit()


def _finish(course, layout, outcome: Outcome, result: dict | None, gradebook=None) -> Outcome:
    """Complete ``outcome`` from a worker's result, merge the scores and save the ledger."""
    assignment = layout.assignment
    logs = course.results(assignment) / "logs"
    if result is not None:
        outcome.seconds = result.get("seconds", 0.0)
        if result["success"]:
            _merge(gradebook, assignment, outcome.student, result)
            for notebook in layout.notebooks:
                path = course.autograded_dir(outcome.student, assignment) / f"{notebook.name}.ipynb"
                if path.exists():
                    outcome.findings += inspect_autograded(path, notebook, timeout=outcome.timeout)
        else:
            outcome.findings.append(classify_failure(result.get("failure")))
            logs.mkdir(parents=True, exist_ok=True)
            (logs / f"{outcome.student}.log").write_text(result["log"], encoding="utf-8")
    if not outcome.status.has_scores:
        shutil.rmtree(course.autograded_dir(outcome.student, assignment), ignore_errors=True)
    save_outcome(course, assignment, outcome)
    return outcome


def _contained(course, assignment: str, student: str, stage: str, exc: Exception) -> Finding:
    """A ``grading_error`` for an exception met while ``stage`` one student's submission.

    The traceback goes to the student's log; the run goes on with the other students.
    """
    logs = course.results(assignment) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    trace = "".join(traceback.format_exception(exc))
    (logs / f"{student}.log").write_text(f"{stage} {student}'s submission:\n{trace}", "utf-8")
    message = (str(exc).strip().splitlines() or [""])[0][:200]
    return Finding(
        Status.GRADING_ERROR,
        f"{stage} {student}'s submission failed ({type(exc).__name__}: {message}); the other "
        f"students were graded. Rerun autograde (grading errors are retried); if it fails again, "
        f"read grading/results/{assignment}/logs/{student}.log and grade "
        f"grading/submitted/{student}/{assignment}/ by hand",
    )


def _is_current(previous: Outcome | None, sha: str, layout: AssignmentLayout, timeout) -> bool:
    if previous is None or previous.sha256 != sha or previous.fingerprint != layout.fingerprint:
        return False
    if previous.status is Status.GRADING_ERROR:
        return False
    return previous.status is not Status.TIMEOUT or previous.timeout == timeout


def require_current_datasets() -> None:
    """Refuse to grade while a sandbox dataset is missing or out of date.

    A student's notebook would try to regenerate it inside the sandbox, where the data folder
    is read-only, and every student would lose the marks of the cells that load it.
    """
    from customs_course.datasets.loader import stale_files

    stale = stale_files()
    if stale:
        names = ", ".join(sorted({path.name for path in stale})[:4])
        raise GradingError(
            f"{len(stale)} sandbox dataset files are missing or older than the course's "
            f"generator code or data cards ({names}{', ...' if len(stale) > 4 else ''}): "
            "students' notebooks would fail to load them in the read-only sandbox. Run "
            "`customs-course datasets build`, then autograde again (no grade was changed)."
        )


def autograde(
    assignment: str,
    *,
    course_root: Path | None = None,
    workers: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    students: list[str] | None = None,
    progress: bool = True,
    sandbox: str | None = None,
) -> AutogradeReport:
    """Autograde every student on the roster (or ``students``) for ``assignment``.

    Parameters
    ----------
    assignment : str
        Assignment id (a folder of ``solutions/``).
    course_root : Path, optional
        Course root (default: this checkout).
    workers : int, optional
        Parallel worker processes (default: the number of cores).
    timeout : float, optional
        Per-cell timeout in seconds (default: ``ExecutePreprocessor.timeout`` of the course's
        nbgrader configuration, 120 s).
    force : bool, default False
        Regrade students whose last outcome still matches their submission.
    students : list of str, optional
        Grade only these students (default: the whole roster).
    progress : bool, default True
        Draw a progress bar on stderr.
    sandbox : {"auto", "bwrap", "off"}, optional
        Where student code runs (:mod:`~customs_course.grading.sandbox`); default: the
        course's ``c.Sandbox.mode``, else ``auto`` (bubblewrap; without a working bubblewrap
        it refuses to grade). ``off`` grades without isolation, logging a warning.

    Returns
    -------
    AutogradeReport

    Raises
    ------
    GradingError
        If the roster is empty, a student is not on it, the assignment is unknown, or the
        sandbox asked for cannot run here.
    """
    begin = time.monotonic()
    course = GradingCourse.open(course_root)
    roster = [s.id for s in roster_of(course)]
    if not roster:
        raise GradingError("The gradebook has no student: import the roster first (import-roster).")
    unknown = sorted(set(students or []) - set(roster))
    if unknown:
        raise GradingError(f"Not on the roster: {', '.join(unknown)}; import the roster first.")
    layout = prepare_assignment(course, assignment)
    timeout = effective_timeout(course, timeout)
    workers = max(1, workers or default_workers())
    chosen = choose_sandbox(course, sandbox)
    report = AutogradeReport(assignment, workers=workers, sandbox=chosen.mode,
                             warning=chosen.warning)
    candidates = []
    for student in students or roster:
        try:
            files = submitted_files(course, assignment, student, layout)
        except OSError as exc:  # unreadable: that student's grading error, not the run's
            candidates.append((student, None, "", exc))
            continue
        sha = files_sha256(files)
        previous = load_outcome(course, assignment, student)
        if not force and _is_current(previous, sha, layout, timeout):
            report.skipped.append(student)
        else:
            candidates.append((student, files, sha, None))
    if not candidates:
        report.seconds = time.monotonic() - begin
        return report
    require_current_datasets()
    if chosen.warning:
        log.warning(chosen.warning)
    log.info(
        "grading %d of %d students with %d workers, sandbox %s, per-cell timeout %s s, time "
        "budget %g s per submission", len(candidates), len(students or roster),
        min(workers, len(candidates)), chosen.mode, timeout, chosen.limits.budget(timeout),
    )
    bar = ProgressBar(len(candidates), enabled=progress)
    pending: dict[str, Outcome] = {}

    def on_result(student: str, result: dict | None, outcome: Outcome | None = None) -> None:
        outcome = outcome or pending[student]
        try:
            outcome = _finish(course, layout, outcome, result, gradebook)
        except Exception as exc:  # one student's scores or files: never the whole run
            gradebook.db.rollback()
            outcome.findings.append(
                _contained(course, assignment, student, "recording the grades of", exc)
            )
            outcome = _finish(course, layout, outcome, None)
        report.outcomes.append(outcome)
        log.debug("%s: %s in %.2f s%s%s", student, outcome.status, outcome.seconds,
                  f" ({result['failure']})" if result and result.get("failure") else "",
                  f"; sandbox phases (s): {result['phases']}" if result and result.get("phases")
                  else "")
        bar.advance(
            f"{student}: {outcome.status}",
            flagged=outcome.status is not Status.GRADED,
            timed=result is not None,
        )

    size = min(workers, len(candidates))
    try:
        with (
            course.gradebook() as gradebook,
            WorkerPool(
                course, assignment, workers=size, timeout=timeout, sandbox=chosen.mode
            ) as pool,
        ):
            # the workers start up meanwhile: check every submission first
            for student, files, sha, error in candidates:
                try:
                    if error is not None:
                        raise error
                    findings = check_submission(files, list(layout.notebooks))
                except Exception as exc:  # a bug meeting one student's bytes stops no one else
                    findings = [_contained(course, assignment, student, "reading", exc)]
                outcome = Outcome(student, findings, sha, layout.fingerprint, timeout)
                if outcome.status in NOT_GRADABLE or outcome.status is Status.GRADING_ERROR:
                    on_result(student, None, outcome)
                else:
                    pending[student] = outcome
            pool.grade(sorted(pending), on_result)
    finally:
        bar.close()
    report.outcomes.sort(key=lambda o: o.student)
    report.seconds = time.monotonic() - begin
    return report
