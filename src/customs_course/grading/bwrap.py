"""The bubblewrap command line of the grading sandbox (see :mod:`customs_course.grading.sandbox`).

bubblewrap (``bwrap``, Debian package ``bubblewrap``) builds the sandbox from Linux namespaces:
an empty root file system into which only the folders given are mounted, read-only, plus its own
``/tmp``, ``/proc`` and ``/dev``; no network but its own loopback; its own process tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

#: the runner switches to this user id first thing (bwrap mode, grader run as root)
UID_VARIABLE = "CUSTOMS_SANDBOX_UID"
#: Python and the notebook's libraries read nothing else from /etc (fonts: matplotlib's text)
ETC_FILES = ("ld.so.cache", "localtime", "passwd", "group", "nsswitch.conf", "hosts", "fonts")


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--perms", "0755", "--dir", "/etc"]  # bwrap would make it 0700 when run as root
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _namespaces(uid: int | None) -> list[str]:
    """Namespace options: a user namespace, or (run as root) the runner's own user id.

    As root, bubblewrap makes the other namespaces without a user namespace and keeps only
    the capability to change user: the runner then switches to ``uid`` before reading the
    notebook, so the sandbox's processes belong to a user of their own (the process limit
    counts them; in a user namespace they would stay root outside, which the limit exempts).
    """
    if uid is None:
        return ["--unshare-all"]
    return [
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
    ]


def _folders(readable: list[Path]) -> list[str]:
    """Mount ``readable`` read-only, creating their parents readable by the sandbox's user."""
    args: list[str] = []
    made: set[Path] = set()
    for path in readable:
        for parent in reversed(path.parents[:-1]):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", str(path), str(path)]
    return args


def bwrap_command(
    readable: list[Path], disk_mb: int, environment: dict, uid: int | None
) -> list[str]:
    """Return the bubblewrap command line that runs the runner in a sandbox.

    ``readable``: the folders shown read-only; ``disk_mb``: the size of its ``/tmp``;
    ``environment``: its whole environment; ``uid``: see :func:`_namespaces`.
    """
    args = [shutil.which("bwrap") or "bwrap", *_namespaces(uid), "--die-with-parent"]
    args += ["--new-session", "--clearenv", *_system_binds()]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(disk_mb << 20), "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--size", str(16 << 20), "--tmpfs", "/dev/shm"]
    args += _folders(readable)
    args += ["--perms", "0777", "--dir", "/tmp/home", "--perms", "0777", "--dir", "/tmp/work"]
    args += ["--chdir", "/tmp/work", "--remount-ro", "/"]
    if uid is not None:
        environment = {**environment, UID_VARIABLE: str(uid)}
    for key, value in environment.items():
        args += ["--setenv", key, value]
    return [*args, "--", sys.executable, "-m", "customs_course.grading.runner"]


@lru_cache(maxsize=4)
def bwrap_problem(uid: int | None) -> str | None:
    """Return why bubblewrap cannot run a sandbox here, or None when it can."""
    if sys.platform != "linux":
        return f"bubblewrap needs Linux; this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "the bwrap command (package bubblewrap) is not installed"
    command = [shutil.which("bwrap"), *_namespaces(uid), "--die-with-parent", "--new-session"]
    command += [*_system_binds(), "--proc", "/proc", "--dev", "/dev", "--", "/bin/true"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap could not start: {exc}"
    if done.returncode != 0:
        return f"bwrap cannot create its namespaces here: {done.stderr.strip()[:300]}"
    return None
