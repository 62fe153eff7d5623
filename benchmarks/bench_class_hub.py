"""A class on the hub: N simulated learners log in, spawn, fetch and submit (issue 17, item 6).

Usage (as root, after `npm ci`)::

    .venv/bin/python benchmarks/bench_class_hub.py [--learners 30]

Starts `customs-course hub start` on a free loopback port with throw-away system users (removed
afterwards), then drives every learner through the hub's login form and REST API and their
server's nbgrader API, several at once (no browser): log in (passwords set on first use),
spawn, fetch the released assignment, submit. Prints the time of each phase for the whole
class, the spawn times (median and slowest), the hub's memory (hub and proxy) and each
learner's server's memory (the server and its children, resident set), and what that means
for a 2-core, 24 GiB server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hub"))

from hub_driver import Hub, Person, python_for_everyone  # noqa: E402
from test_class_hub import make_course  # noqa: E402

from customs_course.hub.accounts import create_accounts, remove_accounts  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(processes) -> float:
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def user_processes(name: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["username"]) if p.info["username"] == name]


def lesson_kernel_mb() -> float:
    """Peak memory of a Python process doing what a lesson's first cells do (MB): pandas,
    matplotlib and the medium declarations loaded, as in a kernel of the lessons."""
    import subprocess

    code = ("import resource, pandas, matplotlib.pyplot\n"
            "from customs_course.datasets import load_dataset\n"
            "load_dataset('declarations', edition='medium')\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux


def timed(label: str, work, people, workers: int) -> list[float]:
    began = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        times = list(pool.map(work, people))
    print(f"{label:<28} {time.monotonic() - began:7.1f} s for the class")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--workers", type=int, default=10, help="learners acting at once")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the hub starts each learner's server as a system user")
    tag = secrets.token_hex(2)
    learners = [f"ld{tag}{i:03d}" for i in range(args.learners)]
    instructor = f"ld{tag}teach"
    top = Path(tempfile.mkdtemp(prefix="customs-hub-bench-"))
    os.chmod(top, 0o755)
    course = make_course(top / "course")
    shutil.copytree(ROOT / "node_modules", course / "node_modules", symlinks=True)
    roster = course / "roster.csv"
    roster.write_text("student_id\n" + "\n".join(learners) + "\n")
    try:
        create_accounts([*learners, instructor])
        with python_for_everyone():
            began = time.monotonic()
            hub = Hub.start(roster=roster, data_dir=top / "data", instructor=instructor,
                            course=course, port=free_port(), log=top / "hub.log")
            print(f"{'hub started':<28} {time.monotonic() - began:7.1f} s")
            try:
                run_class(hub, instructor, learners, args.workers, began)
            finally:
                hub.stop()
    finally:
        remove_accounts([*learners, instructor])
        shutil.rmtree(top, ignore_errors=True)
    return 0


def run_class(hub: Hub, instructor: str, learners: list[str], workers: int, began: float):
    import subprocess

    data = hub.data_dir
    subprocess.run(["runuser", "-u", instructor, "--", sys.executable, "-m", "customs_course.cli",
                    "hub", "release", "ps1", "--data-dir", str(data)],
                   check=True, capture_output=True, cwd=data)
    people = [Person(hub, name) for name in learners]
    timed("log in (first use)", lambda p: p.login(f"password of {p.name}"), people, workers)
    spawns = timed("spawn", lambda p: p.spawn(timeout=600), people, workers)
    timed("fetch", lambda p: p.act("fetch", "ps1"), people, workers)
    timed("submit", lambda p: p.act("submit", "ps1"), people, workers)
    print(f"{'whole class':<28} {time.monotonic() - began:7.1f} s (hub start to last submit)")
    print(f"spawn time: median {statistics.median(spawns):.1f} s, slowest {max(spawns):.1f} s")
    hub_mb = rss_mb(p for p in tree(hub.process.pid) if p.username() == "root")
    servers = [rss_mb(user_processes(name)) for name in learners]
    print(f"hub + proxy + culler memory: {hub_mb:.0f} MB")
    print(f"each learner's server (idle, no kernel): median {statistics.median(servers):.0f} MB,"
          f" largest {max(servers):.0f} MB, all {sum(servers):.0f} MB")
    kernel_mb = lesson_kernel_mb()
    per_learner = statistics.median(servers) + kernel_mb
    fit = int((24 * 1024 - hub_mb - 2048) / per_learner)  # 2 GiB left to the system
    print(f"memory per active learner (server + one {kernel_mb:.0f} MB lesson kernel): "
          f"~{per_learner:.0f} MB -> a 24 GiB server holds about {fit} learners by memory")


if __name__ == "__main__":
    sys.exit(main())
