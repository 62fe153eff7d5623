"""A hub restarted in the middle of a class, and the end of a class.

The hub runs with JupyterHub's ``cleanup_servers = False`` and ``cleanup_proxy = False``: when
the hub process stops (Ctrl-C, SIGTERM, a crash, SIGKILL), the learners' servers keep running
and so does the proxy, so learners keep working. ``hub start`` on the same data folder resumes:
it reuses the hub's ports (the running servers call the hub there), JupyterHub finds each server
by the pid in its database and adopts it, and replaces the old proxy by a new one with the same
routes. :func:`stop_class` ends a class: the hub, every server (with its kernels) and the proxy.

Where the processes are found is JupyterHub's business; this module reads it in one place:
``jupyterhub.pid`` and ``proxy.pid`` (written by JupyterHub, named in jupyterhub_config.py) and
the LocalProcessSpawner's state (``{"pid": N}``) in the ``spawners`` table of the hub's
database, which :func:`forget_stale_servers` also clears, before a start, for servers that no
longer run. tests/hub/ pins it end to end (a restart adopts the running servers; the class
stops and leaves no process behind).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from customs_course.grading.course import GradingError
from customs_course.hub.datadir import HubData

HUB_PID = "jupyterhub.pid"
PROXY_PID = "proxy.pid"
DATABASE = "jupyterhub.sqlite"
HUB_MARK = "jupyterhub"
PROXY_MARK = "configurable-http-proxy"
SERVER_MARK = "jupyterhub.singleuser"


def command_line(pid: int) -> str:
    """The command line of a live, non-zombie process, or "" when there is none."""
    try:
        process = psutil.Process(pid)
        if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return ""
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def running(pid: int | None, mark: str) -> bool:
    """Whether ``pid`` is alive and its command line holds ``mark`` (a pid reused is not it)."""
    return bool(pid) and mark in command_line(pid)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def with_descendants(pid: int) -> list[int]:
    """``pid`` and all processes below it (a server and its kernels)."""
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return [pid]


def _recorded_pids(connection: sqlite3.Connection) -> list[tuple[int, str, int]]:
    """(spawner id, user name, pid) of each spawner whose state records a pid."""
    rows = connection.execute(
        "SELECT spawners.id, users.name, spawners.state FROM spawners "
        "JOIN users ON spawners.user_id = users.id WHERE spawners.state IS NOT NULL"
    ).fetchall()
    recorded = []
    for spawner, user, state in rows:
        try:
            pid = json.loads(state).get("pid")
        except (ValueError, AttributeError):
            continue
        if isinstance(pid, int):
            recorded.append((spawner, user, pid))
    return recorded


def server_pids(data: HubData) -> dict[str, int]:
    """The pid of each user's running server, as the hub's database records it."""
    database = data.root / DATABASE
    if not database.is_file():
        return {}
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        recorded = _recorded_pids(connection)
    finally:
        connection.close()
    return {user: pid for _, user, pid in recorded if running(pid, SERVER_MARK)}


def forget_stale_servers(data: HubData) -> list[str]:
    """Clear the recorded pid of each server that no longer runs; return those users' names.

    JupyterHub adopts a server at start if any process has its recorded pid: after a reboot an
    unrelated process with a reused pid would pass for the learner's server (her requests then
    go to a port nothing serves). Run only while the hub is stopped.
    """
    database = data.root / DATABASE
    if not database.is_file():
        return []
    connection = sqlite3.connect(database)
    try:
        stale = [(spawner, user) for spawner, user, pid in _recorded_pids(connection)
                 if not running(pid, SERVER_MARK)]
        with connection:
            connection.executemany("UPDATE spawners SET state = '{}' WHERE id = ?",
                                   [(spawner,) for spawner, _ in stale])
    finally:
        connection.close()
    return [user for _, user in stale]


def hub_running(data: HubData) -> int | None:
    """The pid of the hub running on ``data``, or None."""
    pid = read_pid(data.root / HUB_PID)
    return pid if running(pid, HUB_MARK) else None


def forget_stale_proxy(data: HubData) -> None:
    """Remove a proxy.pid naming a process that is not the proxy (a reused pid).

    JupyterHub stops the process a leftover proxy.pid names before it starts its proxy: it must
    be the old proxy, never an unrelated process that got the same pid after a reboot.
    """
    path = data.root / PROXY_PID
    if path.exists() and not running(read_pid(path), PROXY_MARK):
        path.unlink()


def terminate(pids: list[int], timeout: float) -> list[int]:
    """SIGTERM ``pids``, wait up to ``timeout`` s, SIGKILL what is left; return the stopped."""
    marks = {pid: command_line(pid) for pid in pids}
    alive = [pid for pid, line in marks.items() if line]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(command_line(p) == marks[p] for p in alive):
        time.sleep(0.2)
    for pid in alive:
        if command_line(pid) == marks[pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return alive


@dataclass
class Stopped:
    """What :func:`stop_class` stopped."""

    hub: bool = False
    servers: list[str] = field(default_factory=list)
    proxy: bool = False

    def line(self) -> str:
        servers = ", ".join(self.servers) or "none running"
        return (f"class stopped: hub {'stopped' if self.hub else 'was not running'}; "
                f"servers of {servers}; proxy {'stopped' if self.proxy else 'was not running'}. "
                "Every file stays: the data folder and the learners' homes.")


def stop_class(data: HubData, timeout: float = 20) -> Stopped:
    """End the class: stop the hub, then every user's server and its kernels, then the proxy."""
    if os.geteuid() != 0:
        raise GradingError("The learners' servers run as their own users: run `customs-course "
                           "hub stop` as root, as `hub start`.")
    if not data.settings.is_file():
        raise GradingError(f"{data.root} is not the data folder of a class hub (no "
                           f"{data.settings.name}): pass the --data-dir given to `hub start`.")
    stopped = Stopped()
    hub = hub_running(data)
    if hub:  # first, so that it neither starts nor adopts anything meanwhile
        stopped.hub = bool(terminate([hub], timeout))
    servers = server_pids(data)
    trees = [pid for server in servers.values() for pid in with_descendants(server)]
    terminate(trees, timeout)
    stopped.servers = sorted(servers)
    proxy = read_pid(data.root / PROXY_PID)
    if running(proxy, PROXY_MARK):
        stopped.proxy = bool(terminate([proxy], timeout))
    forget_stale_proxy(data)
    return stopped
