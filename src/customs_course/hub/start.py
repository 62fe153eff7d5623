"""``customs-course hub start``: check everything, prepare the data folder, then run JupyterHub."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from customs_course.grading.course import GradingError
from customs_course.hub.accounts import (
    check_user_name,
    create_accounts,
    hub_roster,
    missing_accounts,
)
from customs_course.hub.datadir import HubData, prepare
from customs_course.hub.lifecycle import forget_stale_proxy, forget_stale_servers, hub_running

PROXY = "configurable-http-proxy"


@dataclass(frozen=True)
class HubOptions:
    """What ``hub start`` was asked for (defaults: the command's)."""

    roster: Path
    data_dir: Path
    instructor: str
    course: Path
    ip: str = "127.0.0.1"
    port: int = 8000
    proxy: Path | None = None
    python: Path | None = None  # runs the users' servers; default: this interpreter
    create_users: bool = False
    mem_limit: str = "2G"
    cpu_limit: float = 1.0
    max_processes: int = 256
    cull_idle_seconds: int = 3600
    min_password_length: int = 8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_proxy(options: HubOptions) -> str:
    """The proxy binary: --proxy, the course's node_modules/ (npm ci), or one on PATH."""
    candidates = [options.proxy, options.course / "node_modules" / ".bin" / PROXY,
                  shutil.which(PROXY)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(Path(candidate).resolve())
    raise GradingError(
        f"{PROXY} is not installed: run `npm ci` in {options.course} (it installs the version "
        "pinned in package-lock.json into node_modules/), or pass --proxy PATH."
    )


def user_python(options: HubOptions) -> str:
    return str(options.python or sys.executable)


def check_runnable(python: str, user: str) -> None:
    """Refuse to start when ``user`` cannot run the course's Python (a Python under /root...)."""
    import subprocess

    done = subprocess.run(
        ["runuser", "-u", user, "--", python, "-c", "import customs_course, jupyterhub, nbgrader"],
        capture_output=True, text=True, cwd="/", timeout=120,
    )
    if done.returncode != 0:
        raise GradingError(
            f"The user {user} cannot run the course's Python {python} with its packages "
            f"({(done.stderr.strip().splitlines() or ['no message'])[-1]}). Every hub user runs "
            "it: install the course where all users can read it (for example in /opt, with a "
            "Python outside /root: `make course PYTHON=/usr/bin/python3`), or pass --python."
        )


def check(options: HubOptions) -> tuple[list[str], str]:
    """Check the roster, the accounts, the course and the proxy; return learners and proxy."""
    learners = hub_roster(options.roster)
    why = check_user_name(options.instructor)
    if why:
        raise GradingError(f"instructor: {why}")
    if options.instructor in learners:
        raise GradingError(f"The instructor {options.instructor!r} is on the roster of learners: "
                           "remove that line or choose another instructor account.")
    if not (options.course / "solutions").is_dir():
        raise GradingError(f"{options.course} is not the course's folder (no solutions/): "
                           "pass --course.")
    proxy = find_proxy(options)
    if os.geteuid() != 0:
        raise GradingError("The hub starts each user's server as their own system user, which "
                           "only root can: run `customs-course hub start` as root.")
    missing = missing_accounts([*learners, options.instructor])
    if missing and not options.create_users:
        raise GradingError(
            f"{len(missing)} user(s) have no account on this server: {', '.join(missing)}. "
            "Pass --create-users to create them (useradd, private homes), or create them yourself."
        )
    return learners, proxy


def kept_ports(data: HubData) -> dict:
    """The hub's internal ports of the previous start on this data folder, if any.

    A restarted hub must listen where the servers still running from before call it.
    """
    try:
        before = data.read_settings()
    except (OSError, ValueError):
        return {}
    return {k: before[k] for k in ("hub_port", "proxy_api_port") if isinstance(before.get(k), int)}


def write_settings(options: HubOptions, data: HubData, learners: list[str], proxy: str) -> dict:
    settings = {
        "data_dir": str(data.root),
        "learners": learners,
        "instructor": options.instructor,
        "ip": options.ip,
        "port": options.port,
        "hub_port": free_port(),
        "proxy_api_port": free_port(),
        "proxy_command": proxy,
        "python": user_python(options),
        "mem_limit": options.mem_limit,
        "cpu_limit": options.cpu_limit,
        "max_processes": options.max_processes,
        "cull_idle_seconds": options.cull_idle_seconds,
        "min_password_length": options.min_password_length,
        **kept_ports(data),
    }
    data.settings.write_text(json.dumps(settings, indent=1) + "\n", encoding="utf-8")
    return settings


def prepare_hub(options: HubOptions) -> tuple[HubData, dict]:
    """Everything ``hub start`` does before the hub runs; nothing is changed if a check fails."""
    from customs_course.grading.roster import import_roster

    learners, proxy = check(options)
    data = HubData(options.data_dir.resolve())
    running = hub_running(data)
    if running:
        raise GradingError(
            f"A hub is already running on {data.root} (pid {running}). To restart it, stop that "
            "process (Ctrl-C or kill it: the learners' servers keep running) and start again; "
            "to end the class, `customs-course hub stop`."
        )
    if options.create_users:
        create_accounts([*learners, options.instructor])
    check_runnable(user_python(options), options.instructor)
    prepare(data, options.course.resolve(), options.instructor)
    import_roster(options.roster, course_root=data.course)
    prepare(data, options.course.resolve(), options.instructor)  # the gradebook: instructor's
    forget_stale_proxy(data)
    forget_stale_servers(data)
    return data, write_settings(options, data, learners, proxy)


def hub_command(data: HubData) -> tuple[list[str], dict]:
    """The command line and environment that run JupyterHub on ``data``."""
    config = resources.files("customs_course.hub") / "jupyterhub_config.py"
    env = {**os.environ, "CUSTOMS_HUB_SETTINGS": str(data.settings)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return [sys.executable, "-m", "jupyterhub", "-f", str(config)], env


def start_hub(options: HubOptions) -> None:
    """Prepare, then replace this process by JupyterHub.

    Ctrl-C or SIGTERM stops the hub only: the learners' servers keep running, and starting
    again on the same data folder resumes the class (:mod:`customs_course.hub.lifecycle`).
    """
    data, settings = prepare_hub(options)
    command, env = hub_command(data)
    print(f"class hub for {len(settings['learners'])} learners and {options.instructor} "
          f"(admin) on http://{options.ip}:{options.port}/ ; data folder {data.root}", flush=True)
    os.chdir(data.root)
    os.execve(command[0], command, env)
