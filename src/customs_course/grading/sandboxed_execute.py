"""nbgrader's ``Execute`` step, run in the sandbox and checked for tampering.

The grading workers put :class:`SandboxedExecute` in place of ``Execute`` in nbgrader's
``Autograde.autograde_preprocessors``. Every other step of ``nbgrader autograde`` (putting back
the locked and test cells from the gradebook before, scoring and saving after) stays in the
trusted worker process, which never runs student code.

nbgrader catches and logs whatever a step raises, so the step also records its failure as data
in :data:`failures` (the exception's class, the stage, the message): the worker returns that,
and the grader maps it to a status without reading any log.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors.execute import Execute
from traitlets import Bool, Dict, Float, Integer, Unicode

from customs_course.grading.assignment_files import sandbox_files
from customs_course.grading.course import GradingCourse
from customs_course.grading.integrity import (
    TamperingDetected,
    add_probes,
    check_probes,
    restore_outputs,
)
from customs_course.grading.sandbox import (
    ResourceLimitExceeded,
    Sandbox,
    SandboxError,
    SandboxLimits,
)
from customs_course.grading.sanitize import sanitize_notebook

#: seconds allowed to start the kernel and load the libraries, on top of the cells' budget
STARTUP_SECONDS = 120
#: what went wrong in this process's current submission, as data: ``{"kind", "stage",
#: "message"}`` (the worker empties it before each student and returns it)
failures: list[dict] = []
#: whether another student follows in this process (the worker sets it before each student):
#: if not, no sandbox is started ahead for it
next_student: bool = True


class SandboxedExecute(Execute):
    """Execute the notebook in a :class:`~customs_course.grading.sandbox.Sandbox`."""

    sandbox_mode = Unicode("auto", help="auto, bwrap or off").tag(config=True)
    slot = Integer(0, help="worker number: picks the sandbox's user id").tag(config=True)
    course_root = Unicode("", help="the course folder, which the sandbox must not show").tag(
        config=True
    )
    limits = Dict({}, help="SandboxLimits fields").tag(config=True)
    #: nbgrader's ``Execute.timeout`` is an Integer: 0.5 s would be refused, or become 0
    timeout = Float(30, allow_none=True, help=Execute.timeout.help).tag(config=True)
    start_ahead = Bool(
        False, help="start the next submission's sandbox (and kernel) as this one starts"
    ).tag(config=True)

    @cached_property
    def sandbox(self) -> Sandbox:
        limits = SandboxLimits(**self.limits)
        return Sandbox.choose(self.sandbox_mode, limits, Path(self.course_root), self.slot)

    def files_for(self, resources) -> dict[str, bytes]:
        """The assignment's other files, to put beside the notebook (as nbgrader copies them)."""
        about = resources.get("nbgrader", {})
        if not self.course_root or "assignment" not in about:
            return {}
        course = _open_course(self.course_root)
        return sandbox_files(course, about["assignment"], about["student"], cached=True)

    def preprocess(self, nb, resources):
        try:
            return self.execute_in_sandbox(nb, resources)
        except Exception as exc:
            failures.append(
                {"kind": type(exc).__name__, "stage": "execute", "message": str(exc)[:500]}
            )
            raise

    def execute_in_sandbox(self, nb, resources):
        probes = add_probes(nb)
        limits = self.sandbox.limits
        timeout = self.timeout if self.timeout and self.timeout > 0 else limits.cpu_seconds
        budget = limits.budget(timeout)
        wall = min(limits.wall_seconds, budget + STARTUP_SECONDS)
        # the next student's sandbox boots while this notebook runs and is checked and scored
        answer = self.sandbox.run(
            probes.notebook, timeout=timeout, wall_seconds=wall, budget=budget,
            files=self.files_for(resources), start_next=self.start_ahead and next_student,
        )
        if not isinstance(answer, dict):
            raise TamperingDetected("the sandbox answered something else than a notebook")
        if isinstance(answer.get("error"), dict):
            raise _execution_error(answer["error"], limits, timeout=timeout, budget=budget)
        executed = answer.get("notebook")
        if not isinstance(executed, dict):
            raise TamperingDetected("the sandbox answered without a notebook")
        restored = restore_outputs(nb, executed)
        problems = check_probes(restored, probes, list(self.sandbox.readable))
        if problems:
            raise TamperingDetected("; ".join(problems))
        return sanitize_notebook(nb), resources  # before anything renders it (formgrader...)


@lru_cache(maxsize=2)
def _open_course(root: str) -> GradingCourse:
    """The course, opened once per worker (nbconvert makes a new step for every notebook)."""
    return GradingCourse.open(root)


def _execution_error(
    error: dict, limits: SandboxLimits, *, timeout: float, budget: float
) -> Exception:
    """Turn the runner's report of a failed execution into the exception to raise here."""
    name, message = str(error.get("name", "")), str(error.get("message", ""))[:300]
    if error.get("signal") == "SIGXCPU":
        return ResourceLimitExceeded(
            f"the kernel used up its CPU time limit of {limits.cpu_seconds} s and was stopped"
        )
    if name == "BudgetExceeded":
        return ResourceLimitExceeded(
            f"its cells together ran past the time budget of {budget:g} s per submission and "
            f"it was stopped (each cell may run up to the per-cell timeout of {timeout:g} s; "
            "cells that each stop just under it add up to this); if it was honest work, raise "
            "c.Sandbox.budget_seconds"
        )
    if name == "DeadKernelError":
        signal = error.get("signal")
        return DeadKernelError(f"Kernel died{f' (killed by {signal})' if signal else ''}")
    return SandboxError(f"{name}: {message}")
