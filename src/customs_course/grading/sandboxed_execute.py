"""nbgrader's ``Execute`` step, run in the sandbox and checked for tampering.

The grading workers put :class:`SandboxedExecute` in place of ``Execute`` in nbgrader's
``Autograde.autograde_preprocessors``. Every other step of ``nbgrader autograde`` (putting back
the locked and test cells from the gradebook before, scoring and saving after) stays in the
trusted worker process, which never runs student code.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors.execute import Execute
from traitlets import Dict, Integer, Unicode

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

#: seconds allowed to start the kernel and load the libraries, on top of the cells' timeouts
STARTUP_SECONDS = 120


class SandboxedExecute(Execute):
    """Execute the notebook in a :class:`~customs_course.grading.sandbox.Sandbox`."""

    sandbox_mode = Unicode("auto", help="auto, bwrap or off").tag(config=True)
    slot = Integer(0, help="worker number: picks the sandbox's user id").tag(config=True)
    course_root = Unicode("", help="the course folder, which the sandbox must not show").tag(
        config=True
    )
    limits = Dict({}, help="SandboxLimits fields").tag(config=True)

    @cached_property
    def sandbox(self) -> Sandbox:
        limits = SandboxLimits(**self.limits)
        return Sandbox.choose(self.sandbox_mode, limits, Path(self.course_root), self.slot)

    def preprocess(self, nb, resources):
        probes = add_probes(nb)
        timeout = self.timeout or self.sandbox.limits.cpu_seconds
        code_cells = sum(cell.cell_type == "code" for cell in probes.notebook.cells)
        wall = min(self.sandbox.limits.wall_seconds, timeout * code_cells + STARTUP_SECONDS)
        answer = self.sandbox.run(probes.notebook, timeout=timeout, wall_seconds=wall)
        if not isinstance(answer, dict):
            raise TamperingDetected("the sandbox answered something else than a notebook")
        if isinstance(answer.get("error"), dict):
            raise _execution_error(answer["error"], self.sandbox.limits)
        executed = answer.get("notebook")
        if not isinstance(executed, dict):
            raise TamperingDetected("the sandbox answered without a notebook")
        restored = restore_outputs(nb, executed)
        problems = check_probes(restored, probes, list(self.sandbox.readable))
        if problems:
            raise TamperingDetected("; ".join(problems))
        return sanitize_notebook(nb), resources  # before anything renders it (formgrader...)


def _execution_error(error: dict, limits: SandboxLimits) -> Exception:
    """Turn the runner's report of a failed execution into the exception to raise here."""
    name, message = str(error.get("name", "")), str(error.get("message", ""))[:300]
    if error.get("signal") == "SIGXCPU":
        return ResourceLimitExceeded(
            f"the kernel used up its CPU time limit of {limits.cpu_seconds} s and was stopped"
        )
    if name == "DeadKernelError":
        signal = error.get("signal")
        return DeadKernelError(f"Kernel died{f' (killed by {signal})' if signal else ''}")
    return SandboxError(f"{name}: {message}")
