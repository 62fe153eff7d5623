"""Execute one notebook inside the grading sandbox (see :mod:`customs_course.grading.sandbox`).

``python -m customs_course.grading.runner`` reads one JSON request on stdin::

    {"notebook": {...}, "timeout": 120.0, "budget": 300.0, "output_bytes": 16777216,
     "files": {"a.csv": "<base64>"}}

writes the assignment's other files (``files``) into its working folder, then
runs the notebook as nbgrader's ``Execute`` preprocessor does (errors allowed, the per-cell
timeout, fractions of a second included, the kernel interrupted on timeout, the error of a
timed-out cell recorded), and writes one JSON answer, one line (the grader stops the sandbox at
its end), on its original stdout: ``{"notebook": {...}}`` or
``{"error": {"name": ..., "message": ..., "signal": ...}}``.
Everything else it or the kernel prints goes to stderr, which the grader reads with a size limit.

``budget`` is the time all the cells together may take (the kernel's start not counted): a
cell never runs past what is left of it, and once it is spent the run stops with the error
``BudgetExceeded``, so that a notebook whose cells each stop just under the per-cell timeout
cannot hold a worker for the timeout times the number of cells.

This process runs next to the student's code, with the same rights, so the grader trusts
nothing it returns but outputs: it checks that every cell comes back unchanged.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
import time
from pathlib import Path, PurePosixPath

# jsonschema (under nbformat) imports a library per string format it can check when it is
# imported (compiling an RFC 3987 grammar takes 0.9 s; arrow and the others 0.1 s more), for
# formats that no notebook schema uses and nbformat never checks: the runner, started once per
# submission, skips them (jsonschema leaves a format out when its library cannot be imported)
FORMAT_LIBRARIES = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator",
                    "isoduration", "webcolors", "jsonpointer", "uri_template", "fqdn", "idna")
for _library in FORMAT_LIBRARIES:
    sys.modules.setdefault(_library, None)

import nbformat  # noqa: E402 (after the line above)
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager  # noqa: E402
from jupyter_core.utils import run_sync  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbformat.v4 import new_output  # noqa: E402
from traitlets import Float  # noqa: E402

TRUNCATED = "[output truncated: the grader keeps at most {:.0f} MB of output per notebook]"
#: the error nbgrader's ``Execute`` records for a cell interrupted by the timeout
TIMEOUT_ERROR = {
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["CellTimeoutError: No reply from kernel before timeout"],
}


class BudgetExceeded(RuntimeError):
    """The cells together ran past the submission's time budget."""


class LimitedClient(NotebookClient):
    """nbclient, set up as nbgrader's ``Execute`` sets it up, keeping at most ``output_bytes``.

    nbgrader itself is not imported here: it would add more than a second to every submission.
    """

    #: nbclient's trait is an Integer: 0.5 would be refused (or, rounded, mean no timeout)
    timeout = Float(None, allow_none=True)

    def __init__(
        self, notebook, *, timeout: float | None, output_bytes: int, path: str,
        budget: float | None = None,
    ) -> None:
        super().__init__(
            notebook,
            timeout=timeout if timeout and timeout > 0 else None,
            allow_errors=True,
            interrupt_on_timeout=True,
            raise_on_iopub_timeout=True,
            error_on_timeout=TIMEOUT_ERROR,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            shutdown_kernel="immediate",
            resources={"metadata": {"path": path}},
        )
        self.output_bytes = output_bytes
        self.seen_bytes = 0
        self.truncated = False
        self.kernel_process = None
        self.on_notebook_start = self.remember_kernel
        self.on_cell_executed = self.record_reply_error
        self.budget = budget if budget and budget > 0 else None
        self.cells_started: float | None = None  # when the first code cell started
        self.timeout_func = self.cell_timeout

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.kernel_spec_manager = NativeKernelSpecs(parent=km)
        return km

    def spent(self) -> float:
        """Seconds the cells have run so far."""
        return 0.0 if self.cells_started is None else time.monotonic() - self.cells_started

    def cell_timeout(self, cell) -> float | None:
        """The per-cell timeout, or what is left of the budget when that is less."""
        if self.budget is None:
            return self.timeout
        left = max(self.budget - self.spent(), 0.001)  # 0 would mean "no timeout" to nbclient
        return left if self.timeout is None else min(self.timeout, left)

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        if self.cells_started is None and cell.cell_type == "code":
            self.cells_started = time.monotonic()
        executed = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        if self.budget is not None and self.spent() >= self.budget:
            raise BudgetExceeded(
                f"the cells ran {self.spent():.1f} s in all, past the budget of {self.budget:g} s"
            )
        return executed

    def remember_kernel(self, **_) -> None:
        """Keep the kernel's process, to tell later which signal killed it."""
        self.kernel_process = getattr(self.km.provisioner, "process", None)

    def record_reply_error(self, cell, execute_reply, **_) -> None:
        """Add the error of a failed cell that printed none (a timeout, say), as nbgrader does."""
        reply = execute_reply["content"]
        if reply["status"] != "error":
            return
        if any(o.output_type == "error" and o.ename == reply["ename"] for o in cell.outputs):
            return
        trace = reply.get("traceback") or ["the error's traceback was not shown"]
        cell.outputs.append(
            new_output("error", ename=reply["ename"], evalue=reply["evalue"], traceback=trace)
        )

    def output(self, outs, msg, display_id, cell_index):
        self.seen_bytes += len(json.dumps(msg.get("content", {})))
        if self.seen_bytes <= self.output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not self.truncated:
            self.truncated = True
            note = TRUNCATED.format(self.output_bytes / 2**20)
            outs.append(new_output("display_data", data={"text/plain": note}))
        return None

    def kernel_signal(self) -> str | None:
        """Name the signal that killed the kernel (SIGKILL, SIGXCPU...), if one did."""
        code = self.kernel_process.poll() if self.kernel_process is not None else None
        if code is not None and code < 0:
            return signal.Signals(-code).name
        return None


#: the kernel started ahead: the course's notebooks (and nbgrader's) use this one
KERNEL_NAME = "python3"


class NativeKernelSpecs(KernelSpecManager):
    """Kernel specs, with ``python3`` being ipykernel on this Python, as in nbgrader's runs.

    jupyter_client imports ipykernel (and with it IPython) to describe ``python3``, a quarter
    of a second of CPU in every sandbox; this spec is the one ipykernel gives, without that
    import, started by :mod:`~customs_course.grading.kernel_launcher` (ipykernel without
    debugpy). The sandbox shows no other Python, so no other ``python3`` could run.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != KERNEL_NAME:
            return super().get_kernel_spec(kernel_name)
        launcher = "customs_course.grading.kernel_launcher"
        return KernelSpec(
            argv=[sys.executable, "-m", launcher, "-f", "{connection_file}"],
            display_name="Python 3 (ipykernel)",
            language="python",
            resource_dir="",
        )


def start_ahead() -> LimitedClient | None:
    """Start the kernel before the notebook arrives (None if it fails: it starts again later).

    Nothing of a student's is in this process or in the kernel yet: the request is read after.
    """
    empty = nbformat.from_dict({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    client = LimitedClient(empty, timeout=None, output_bytes=0, path=os.getcwd())
    client.kernel_name = KERNEL_NAME
    try:
        client.km = client.create_kernel_manager()
        client.start_new_kernel()
        client.start_new_kernel_client()
    except Exception as exc:  # noqa: BLE001 (the run starts a kernel as usual)
        print(f"the kernel started ahead failed: {exc!r}", file=sys.stderr)
        return None
    return client


def stop_kernel(client: LimitedClient) -> None:
    """Stop the kernel started ahead and not used."""
    run_sync(client.km.shutdown_kernel)(now=True)


def write_files(files: dict[str, str], folder: Path) -> None:
    """Write the assignment's other files (base64) into the working folder, as nbgrader does."""
    for name, data in files.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"refused the file name {name!r}: not inside the working folder")
        target = folder.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))


def execute(request: dict, client: LimitedClient | None = None) -> dict:
    """Run the request's notebook (in ``client``'s kernel, started ahead, if it matches)."""
    notebook = nbformat.from_dict(request["notebook"])
    wanted = notebook.metadata.get("kernelspec", {}).get("name") or KERNEL_NAME
    if client is not None and wanted != client.kernel_name:
        stop_kernel(client)  # another kernel: start the right one below
        client = None
    if client is None:
        client = LimitedClient(
            notebook, timeout=None, output_bytes=0, path=os.getcwd()
        )
    client.nb = notebook
    client.timeout = request["timeout"] if request["timeout"] and request["timeout"] > 0 else None
    client.output_bytes = request["output_bytes"]
    client.budget = request.get("budget") or None
    client.owns_km = False  # nbclient would interrupt, kill, then poll 0.1 s: kill_kernel below
    try:
        write_files(request.get("files") or {}, Path.cwd())
        client.execute()
    except Exception as exc:  # reported to the grader, which decides the status
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        killed_by = client.kernel_signal()
        return {"error": {"name": type(exc).__name__, "message": message, "signal": killed_by}}
    finally:
        kill_kernel(client)
    return {"notebook": notebook, "truncated": client.truncated}


def kill_kernel(client: LimitedClient) -> None:
    """Kill the kernel's process group now, without waiting: the answer goes out at once."""
    if client.km is not None and client.km.has_kernel:
        try:
            run_sync(client.km.provisioner.kill)()
        except OSError:  # already gone
            pass


def drop_privileges() -> None:
    """Become the sandbox's own user, when the grader started the sandbox as root."""
    uid = os.environ.pop("CUSTOMS_SANDBOX_UID", None)
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(int(uid))
        os.setuid(int(uid))
        if os.getuid() == 0 or os.geteuid() == 0:
            raise SystemExit("the sandbox could not leave the root user")


def hide_memory() -> None:
    """Make this process undumpable: the student's kernel, its child, cannot read its memory."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4


def main() -> int:
    drop_privileges()
    hide_memory()
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")  # not inherited by the kernel
    os.dup2(2, 1)  # anything else printed to stdout goes to stderr (the kernel's too)
    timings = {"runner_up": time.monotonic()}  # for the grader's log: when each phase ended
    client = start_ahead()
    timings["kernel_ready"] = time.monotonic()
    data = sys.stdin.read()
    timings["request_read"] = time.monotonic()
    if not data:  # the grader stopped without a notebook for this sandbox
        if client is not None:
            stop_kernel(client)
        return 0
    answer = execute(json.loads(data), client)
    answer["timings"] = {**timings, "executed": time.monotonic()}
    answers.write(json.dumps(answer) + "\n")  # one line (JSON escapes newlines): its end
    answers.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
