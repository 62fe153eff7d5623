"""Run a student's notebook in a sandbox: no course files, no network, limited resources.

Why
---
Autograding runs students' code. Without a sandbox, a submission could read the instructor's
solutions and hidden tests, rewrite the gradebook, reach the network or exhaust the machine.
nbgrader leaves this to the deployer, so the course's grading command does it here.

How
---
Only the execution of the notebook leaves the trusted grading process. It runs as
``python -m customs_course.grading.runner`` (nbclient, set up as nbgrader's ``Execute`` sets
it up), with the notebook on stdin and the executed notebook on stdout, inside:

``bwrap`` mode (bubblewrap, Debian package ``bubblewrap``; see :mod:`~customs_course.grading.bwrap`)
    New PID, network, IPC and UTS namespaces (and a user namespace, unless the grader runs as
    root and gives the sandbox a user id of its own): no network at all (only a loopback of its
    own), no view of other processes and a file system that holds nothing but the system's
    ``/usr``, Python, the course package and the sandbox datasets, all read-only, plus an empty
    ``/tmp`` of limited size (the scratch folder, discarded afterwards). The course folder,
    with solutions, submissions, gradebook and exports, is not in it. Run as root, the grader
    also switches the sandbox to an unprivileged user id of its own (``uid_base`` + twice the
    worker slot, and the id after it for every other sandbox of the worker: the one started
    ahead runs beside the one in use), so that the process limit counts one sandbox's
    processes only.
``off`` mode (only when asked for by name: ``--sandbox off`` or ``c.Sandbox.mode = "off"``)
    The same runner with the same resource limits, an emptied environment and a scratch
    working folder, but **no** file-system or network isolation: a submission can read any
    file the grading account can read. The grader logs a warning saying so. ``auto`` never
    falls back to it: without a working bubblewrap it refuses to grade and says why.

In both modes, resource limits (``setrlimit``) cap the address space (memory), CPU time, the
size of any file written (disk), open files and, in ``bwrap`` mode, processes (fork bombs).
The grader itself caps what it reads back (output size), stops the sandbox after a wall-clock
limit and kills the whole process group; the runner stops a notebook whose cells together
run past the submission's time budget. Limits come from :class:`SandboxLimits`, which a
course can set in ``grading/nbgrader_config.py`` (``c.Sandbox.memory_mb = 2048``...).

The runner lives next to the student's code, so nothing it returns is trusted but outputs:
:mod:`customs_course.grading.integrity` checks the cells that come back.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

from customs_course.grading.bwrap import bwrap_command, bwrap_problem

try:
    import resource
except ImportError:  # Windows: no resource limits, and no sandbox (see Sandbox.choose)
    resource = None

MODES = ("auto", "bwrap", "off")
OFF_WARNING = (
    "grading WITHOUT a sandbox (--sandbox off was asked for). Submissions run with resource "
    "limits only: they can read any file this account can read (solutions, other "
    "submissions) and reach the network. Install bubblewrap (Debian/Ubuntu: apt-get install "
    "bubblewrap) and use --sandbox auto to isolate them."
)
#: the per-submission time budget, when the course sets none: twice the per-cell timeout
#: (one or two endless loops still end as ``timeout``) plus a minute for the ordinary cells
BUDGET_TIMEOUTS, BUDGET_EXTRA_SECONDS = 2, 60.0


class SandboxError(RuntimeError):
    """The sandbox could not run the notebook; the message says why."""


class SandboxDied(SandboxError):
    """The sandbox's processes ended without an answer (killed from inside, for instance)."""


class ResourceLimitExceeded(SandboxError):
    """The submission went past one of its resource limits (the message names it)."""


@dataclass(frozen=True)
class SandboxLimits:
    """What one submission may use while it is graded.

    Parameters
    ----------
    memory_mb : int
        Address space of each process, MiB (Python raises MemoryError beyond it).
    cpu_seconds : int
        CPU time of each process, seconds (the kernel is killed with SIGXCPU beyond it).
    processes : int
        Processes and threads of the sandbox's user (``bwrap`` mode: the sandbox's own).
    output_mb : int
        Outputs kept per notebook, MiB; more is cut with a note (the grader stops reading
        the sandbox's answer at four times this size).
    disk_mb : int
        Size of the scratch ``/tmp`` (``bwrap`` mode) and of any one file written, MiB.
    open_files : int
        Open file descriptors of each process.
    wall_seconds : float
        Wall-clock time of the whole notebook, kernel start included, seconds: the outer
        limit, whatever the time budget.
    budget_seconds : float
        Time budget of one submission: what all its cells together may run, seconds (the
        kernel's start not counted). 0, the default, derives it from the per-cell timeout:
        twice the timeout plus a minute (:meth:`budget`). Past it: ``resource_limit``.
    uid_base : int
        First user id used for sandboxes when the grader runs as root.
    """

    memory_mb: int = 4096
    cpu_seconds: int = 900
    processes: int = 256
    output_mb: int = 16
    disk_mb: int = 256
    open_files: int = 1024
    wall_seconds: float = 1800.0
    budget_seconds: float = 0.0
    uid_base: int = 62000

    @classmethod
    def from_config(cls, config) -> SandboxLimits:
        """Read the ``Sandbox`` section of an nbgrader configuration (missing keys: defaults).

        ``config`` is the traitlets configuration nbgrader loaded from ``nbgrader_config.py``
        (``c.Sandbox.memory_mb = 2048``...).

        Raises
        ------
        SandboxError
            For an unknown setting, or a value that is not a number (or not positive).
        """
        section = dict(config.get("Sandbox", {}))
        types = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(section) - set(types) - {"mode"})
        if unknown:
            raise SandboxError(
                f"Unknown Sandbox setting(s) {unknown} in the nbgrader configuration; the "
                f"settings are: mode, {', '.join(sorted(types))}."
            )
        values = {}
        for name, value in section.items():
            if name == "mode":
                continue
            convert = float if types[name] == "float" else int
            try:
                values[name] = convert(value)
            except (TypeError, ValueError):
                values[name] = None
            least = 0 if name == "budget_seconds" else 1
            if values[name] is None or values[name] < least or values[name] != values[name]:
                raise SandboxError(
                    f"c.Sandbox.{name} = {value!r} in the nbgrader configuration: it must be "
                    f"a {'number' if convert is float else 'whole number'} of at least {least}."
                )
        return cls(**values)

    def budget(self, timeout: float | None) -> float:
        """The time budget of one submission's cells, for a per-cell ``timeout``."""
        if self.budget_seconds > 0:
            return self.budget_seconds
        per_cell = timeout if timeout and timeout > 0 else self.cpu_seconds
        return BUDGET_TIMEOUTS * per_cell + BUDGET_EXTRA_SECONDS


def readable_paths() -> list[Path]:
    """Return the folders the sandboxed notebook may read: Python, the package, the data."""
    import customs_course
    from customs_course.content import content_root
    from customs_course.datasets.cards import cards_dir
    from customs_course.paths import data_dir

    package_parent = Path(customs_course.__file__).resolve().parent.parent
    found = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix)}
    found |= {package_parent, data_dir().resolve(), cards_dir().resolve()}
    found.add((content_root() / "modules").resolve())  # the self-check questions (public)
    return sorted(found, key=lambda p: (len(p.parts), str(p)))


def check_not_exposed(paths: list[Path], course_root: Path) -> None:
    """Refuse to grade if a readable folder holds the course (its solutions, its gradebook)."""
    course_root = course_root.resolve()
    for path in paths:
        if course_root == path or path in course_root.parents:
            raise SandboxError(
                f"The sandbox would have to show {path}, which holds the course folder "
                f"{course_root} (solutions, submissions, gradebook). Install the course "
                "package in a virtual environment outside the course folder's parents, or "
                "keep the course in its own folder."
            )


def sandbox_environment(home: str, tmp: str) -> dict[str, str]:
    """The whole environment of the sandboxed code: none of the grader's variables."""
    from customs_course.content import CONTENT_ENV_VAR, content_root
    from customs_course.paths import data_dir

    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "CUSTOMS_COURSE_DATA": str(data_dir().resolve()),
        CONTENT_ENV_VAR: str(content_root().resolve()),
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "IPYTHONDIR": f"{home}/.ipython",
        "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
        "JUPYTER_RUNTIME_DIR": f"{home}/.runtime",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _own_process_count() -> int:
    """Processes of this user now (the process limit counts them all, sandbox or not)."""
    if not Path("/proc").is_dir():
        return 0
    uid = os.getuid()
    return sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid)


def _owner(path: Path) -> int | None:
    try:
        return path.stat().st_uid
    except OSError:
        return None


def _apply_limits(limits: SandboxLimits, nproc: int | None):
    """Return a function that the sandbox's first process calls before exec: its rlimits."""
    if resource is None:
        return None
    mib = 1 << 20
    settings = [
        (resource.RLIMIT_AS, limits.memory_mb * mib, limits.memory_mb * mib),
        (resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5),
        (resource.RLIMIT_FSIZE, limits.disk_mb * mib, limits.disk_mb * mib),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if nproc is not None:
        settings.append((resource.RLIMIT_NPROC, nproc, nproc))

    def apply() -> None:
        for which, soft, hard in settings:
            resource.setrlimit(which, (soft, hard))

    return apply


@dataclass(frozen=True)
class Sandbox:
    """How to run notebooks for one worker: the mode, the limits and the user id."""

    mode: str
    limits: SandboxLimits
    #: the user id of the worker's sandboxes as root (None otherwise); they alternate between
    #: it and the next one (:meth:`uids`)
    uid: int | None
    readable: tuple[Path, ...]
    warning: str | None = None

    def uids(self) -> tuple[int | None, int | None]:
        """The two user ids this worker's sandboxes alternate between (None: not root)."""
        return (self.uid, None if self.uid is None else self.uid + 1)

    @classmethod
    def choose(
        cls, requested: str, limits: SandboxLimits, course_root: Path, slot: int = 0
    ) -> Sandbox:
        """Pick ``bwrap`` (``auto`` or ``bwrap``), or ``off`` only when asked for by name.

        Raises
        ------
        SandboxError
            If bubblewrap cannot run here (``auto`` and ``bwrap`` alike: the message says why
            and names ``--sandbox off``), or if a folder the sandbox must show holds the course
            folder.
        """
        if requested not in MODES:
            raise SandboxError(f"Unknown sandbox mode {requested!r}; choose one of {MODES}.")
        uid = limits.uid_base + 2 * (slot % 500) if _is_root() else None
        readable = readable_paths()
        if requested == "off":
            return cls("off", limits, None, tuple(readable), OFF_WARNING)
        problem = bwrap_problem(uid)
        if problem is not None:
            raise SandboxError(
                f"Cannot grade in a sandbox: {problem}. Install bubblewrap (Debian/Ubuntu: "
                "apt-get install bubblewrap) and allow user namespaces; or, to grade WITHOUT "
                "isolation (submissions could read every file this account can read and reach "
                "the network), pass --sandbox off (or set c.Sandbox.mode = \"off\")."
            )
        check_not_exposed(readable, course_root)
        return cls("bwrap", limits, uid, tuple(readable))

    def run(
        self, notebook: dict, *, timeout: float, wall_seconds: float, budget: float | None = None,
        files: dict[str, bytes] | None = None, start_next: bool = False,
    ) -> dict:
        """Execute ``notebook`` in the sandbox and return the runner's answer.

        ``timeout``: per cell, seconds (fractions honoured); ``budget``: all cells together
        (see :mod:`~customs_course.grading.runner`); ``wall_seconds``: the whole run, enforced
        from outside; ``files``: relative path -> content, written into the working folder
        before the notebook runs (an assignment's data files). The sandbox is the one
        :meth:`start_ahead` started, when there is one: fresh, its kernel started, no student's
        code run in it yet; otherwise one started now. ``start_next``: start the next run's
        sandbox now, so that it boots while this notebook runs.

        Returns
        -------
        dict
            ``{"notebook": ..., "truncated": bool}`` or ``{"error": {"name", "message",
            "signal"}}``, as the runner wrote it (untrusted: check it).

        Raises
        ------
        ResourceLimitExceeded
            Past the wall-clock limit, or an answer larger than the output limit allows.
        SandboxDied
            The runner ended without an answer.
        """
        request = json.dumps(
            {"notebook": notebook, "timeout": float(timeout), "budget": budget,
             "output_bytes": self.limits.output_mb << 20,
             "files": encode_files(files or {}, self.limits)}
        ).encode()
        max_answer = len(request) + 4 * (self.limits.output_mb << 20)
        started = _AHEAD.pop(self, None)
        if started is None or started.process.poll() is not None:
            if started is not None:
                started.close()
            started = _Started(self, _other_uid(self, None))
        _IN_USE[self] = started.uid
        if start_next:
            self.start_ahead()
        last_phases.clear()
        sent = time.monotonic()
        try:
            answer = _exchange(started, request, max_answer, wall_seconds, self.limits)
        finally:
            started.close()
            _IN_USE.pop(self, None)
        last_phases.update(_phases(started.spawned, sent, time.monotonic(), answer))
        return answer

    def start_ahead(self) -> None:
        """Start the sandbox of the next :meth:`run` now, so that it is ready by then.

        The runner imports its libraries and starts a kernel, then waits for its notebook:
        nothing of a student's is in it until :meth:`run` sends one, and each sandbox serves
        one run only. It may run beside the sandbox in use, never as the same user: as root,
        it takes the other of :meth:`uids`, so that a student's processes (a fork bomb, say)
        count against their own sandbox's process limit, not the next student's.
        """
        if self not in _AHEAD:
            _AHEAD[self] = _Started(self, _other_uid(self, _IN_USE.get(self)))


#: the sandboxes started ahead, one per configuration (a worker has one)
_AHEAD: dict[Sandbox, _Started] = {}
#: the user id of the sandbox each configuration is running now (while :meth:`Sandbox.run`)
_IN_USE: dict[Sandbox, int | None] = {}


def _other_uid(sandbox: Sandbox, in_use: int | None) -> int | None:
    """The one of ``sandbox``'s user ids that ``in_use`` is not (the first if none is)."""
    first, second = sandbox.uids()
    return second if in_use is not None and in_use == first else first


#: seconds each phase of this process's last :meth:`Sandbox.run` took, for the grader's log
#: (the runner's clock readings are its own word: never used for anything else)
last_phases: dict[str, float] = {}


def stop_started_ahead() -> None:
    """Stop the sandboxes started ahead and not used (the worker calls it as it exits)."""
    while _AHEAD:  # bwrap: killing the sandbox stops all of it; off: let it stop its kernel
        sandbox, started = _AHEAD.popitem()
        started.close(grace=0 if sandbox.mode == "bwrap" else 5)


atexit.register(stop_started_ahead)


class _Started:
    """One sandbox process: the runner in it, its scratch folder, the tail of its stderr."""

    def __init__(self, sandbox: Sandbox, uid: int | None) -> None:
        limits = sandbox.limits
        self.uid = uid
        self.folder = tempfile.TemporaryDirectory(prefix="customs-sandbox-")
        scratch = self.folder.name
        # the process limit counts every process of the user: only a user of the sandbox's
        # own starts from zero (as root, without bwrap, there is no limit at all)
        own_user = sandbox.mode == "bwrap" and uid is not None
        nproc = None if _is_root() and not own_user else limits.processes + (
            0 if own_user else _own_process_count())
        if sandbox.mode == "bwrap":
            env = sandbox_environment("/tmp/home", "/tmp")
            command = bwrap_command(list(sandbox.readable), limits.disk_mb, env, uid)
            env_outside = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            Path(scratch, "home").mkdir()
            env_outside = sandbox_environment(f"{scratch}/home", scratch)
            command = [sys.executable, "-m", "customs_course.grading.runner"]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=scratch, env=env_outside, start_new_session=sys.platform != "win32",
            preexec_fn=_apply_limits(limits, nproc),
        )
        self.spawned = time.monotonic()
        self.stderr_tail: list[bytes] = []
        self.drain = threading.Thread(
            target=_drain, args=(self.process.stderr, 20000, self.stderr_tail), daemon=True
        )
        self.drain.start()

    def close(self, grace: float = 0) -> None:
        """Kill what is left of the sandbox and remove its scratch folder.

        ``grace``: seconds to let an unused runner stop its kernel (its stdin closed) first.
        """
        if grace and self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        _kill(self.process)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.folder.cleanup()


def _phases(spawned: float, sent: float, done: float, answer) -> dict[str, float]:
    """How long each phase of one run took (seconds), from the runner's timings if any."""
    phases = {"started_ahead_by": sent - spawned, "run": done - sent}
    timings = answer.get("timings") if isinstance(answer, dict) else None
    try:
        up, ready, read, executed = (float(timings[key]) for key in
                                     ("runner_up", "kernel_ready", "request_read", "executed"))
    except (TypeError, KeyError, ValueError):
        return phases
    phases.update(runner_start=up - spawned, kernel_start=ready - up,
                  waited_for_kernel=max(read - sent, 0.0), execute=executed - read,
                  answer_to_stopped=done - executed)
    return {name: round(seconds, 3) for name, seconds in phases.items()}


def encode_files(files: dict[str, bytes], limits: SandboxLimits) -> dict[str, str]:
    """Return ``files`` as base64 text for the request; refuse more than the disk limit."""
    size = sum(len(data) for data in files.values())
    if size > limits.disk_mb << 20:
        raise SandboxError(
            f"the assignment's files take {size / 2**20:.1f} MiB, more than the sandbox's "
            f"disk limit of {limits.disk_mb} MiB: raise c.Sandbox.disk_mb in "
            "grading/nbgrader_config.py, or load large data through the course's datasets"
        )
    return {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}


def _drain(stream, keep: int, into: list) -> None:
    """Read ``stream`` to its end, keeping its last ``keep`` bytes in ``into``."""
    tail = b""
    for chunk in iter(lambda: stream.read(65536), b""):
        tail = (tail + chunk)[-keep:]
    into.append(tail)


def _kill(process: subprocess.Popen) -> None:
    """Kill the sandbox's whole process group (bwrap then takes its namespace down)."""
    for kill in (lambda: os.killpg(process.pid, 9), process.kill):
        try:
            kill()
        except (ProcessLookupError, PermissionError, AttributeError):  # gone; or Windows
            pass


def _exchange(started: _Started, request: bytes, max_answer: int, wall: float, limits) -> dict:
    process = started.process

    def feed() -> None:
        try:
            process.stdin.write(request)
            process.stdin.close()
        except (OSError, ValueError):  # the runner died before reading it all: reported below
            pass

    def stop() -> None:
        stopped.set()
        _kill(process)

    threading.Thread(target=feed, daemon=True).start()
    answer = bytearray()
    stopped = threading.Event()
    timer = threading.Timer(wall, stop)
    timer.start()
    try:
        for chunk in iter(lambda: process.stdout.read1(1 << 20), b""):
            answer += chunk
            if len(answer) > max_answer:
                _kill(process)
                raise ResourceLimitExceeded(
                    f"the notebook's answer passed {max_answer >> 20} MiB: more output than "
                    f"the limit of {limits.output_mb} MiB allows"
                )
            if answer.endswith(b"\n"):  # the answer is one line: it is all there
                break
    finally:
        timer.cancel()
        if answer.endswith(b"\n"):  # stop the sandbox now rather than wait for its Python and
            _kill(process)  # kernel to exit (bwrap holds the pipe open until it ends itself)
        process.wait()
    if stopped.is_set():
        raise ResourceLimitExceeded(
            f"the notebook ran past the wall-clock limit of {wall:.0f} s and was stopped"
        )
    try:
        return json.loads(answer)
    except ValueError:
        started.drain.join(timeout=5)  # the process ended: its stderr is at its end too
        tail = (started.stderr_tail[0] if started.stderr_tail else b"").decode("utf-8", "replace")
        last = [line for line in tail.splitlines() if line.strip()][-3:]
        raise SandboxDied(
            f"the sandbox ended without an answer (exit code {process.returncode}): "
            + " | ".join(last)[-500:]
        ) from None
