"""How each learner's server is started on one server, and what limits are enforced there.

JupyterHub's LocalProcessSpawner starts every single-user server as its user's system account.
Its ``mem_limit`` and ``cpu_limit`` are only advertised to the server (MEM_LIMIT, CPU_LIMIT):
without systemd (systemdspawner) or Kubernetes nothing enforces them. The course therefore
starts each server through ``prlimit``, whose limits every kernel the server starts inherits:

- ``--as``: the address space of each process (the server, each kernel) is capped at the
  memory limit, so a runaway kernel gets a MemoryError instead of exhausting the server; it is
  per process, not per user: a learner with three kernels may use three times that;
- ``--nproc``: the processes of the learner's user id, all together (a fork bomb stops there);
- ``nice``: the servers run below the hub's priority, so the hub stays responsive under load.

CPU time is not capped (an rlimit on CPU seconds would kill long, legitimate kernels); real
per-user CPU and memory shares need cgroups: systemdspawner, or Kubernetes (z2jh/).
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def to_bytes(size: str | int) -> int:
    """Bytes of a JupyterHub size such as ``2G`` or ``512M`` (or a number of bytes)."""
    text = str(size).strip().upper()
    if text[-1:] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def spawn_command(settings: dict) -> list[str]:
    """The command that starts a single-user server, under the course's limits."""
    return [
        shutil.which("prlimit") or "/usr/bin/prlimit",
        f"--as={to_bytes(settings['mem_limit'])}",
        f"--nproc={settings['max_processes']}",
        "--",
        shutil.which("nice") or "/usr/bin/nice", "-n", "5",
        settings["python"], "-m", "jupyterhub.singleuser",
    ]


def prepare_home(user: str, lessons: Path) -> None:
    """Make ``user``'s home private and copy the lessons into it on the first start.

    A copy already there is left alone: it holds the learner's own notes.
    """
    account = pwd.getpwnam(user)
    home = Path(account.pw_dir)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, account.pw_uid, account.pw_gid)
    os.chmod(home, 0o700)
    target = home / "lessons"
    if lessons.is_dir() and not target.exists():
        shutil.copytree(lessons, target)
        for folder, _, files in os.walk(target):
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                os.lchown(name, account.pw_uid, account.pw_gid)


def parent_death_kills() -> list[str]:
    """A command prefix that kills the process when its parent dies (util-linux setpriv)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []
