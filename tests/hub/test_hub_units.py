"""The class hub's parts that need no running hub: roster checks, the exchange's vetting of
submission folders, the data folder's modes, the spawn command's limits."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from customs_course.grading.course import GradingError
from customs_course.hub.accounts import check_user_name, hub_roster
from customs_course.hub.exchange import CHANGE_TOLERANCE, make_screen, parse_folder
from customs_course.hub.spawn import spawn_command, to_bytes
from customs_course.hub.start import HubOptions, prepare_hub

ROOT = Path(__file__).resolve().parents[2]
ME = pwd.getpwuid(os.geteuid()).pw_name


def roster(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("student_id\n" + "\n".join(ids) + "\n")
    return path


@pytest.mark.parametrize("name, why", [
    ("ana", None),
    ("a-1_b", None),
    ("Ana", "not a valid user name"),
    ("1ana", "not a valid user name"),
    ("ana.b", "not a valid user name"),
    ("a" * 33, "not a valid user name"),
    ("a" * 32, None),
    ("root", "system account"),
    ("daemon", "system account"),
])
def test_which_roster_ids_can_be_hub_users(name, why):
    found = check_user_name(name)
    assert (found is None) if why is None else (why in found)


def test_does_a_roster_with_bad_ids_list_each_and_start_nothing(tmp_path):
    bad = roster(tmp_path, "ana", "Ben", "root", "c.d")
    data = tmp_path / "hub-data"
    options = HubOptions(roster=bad, data_dir=data, instructor="teacher", course=ROOT)
    with pytest.raises(GradingError) as raised:
        prepare_hub(options)
    message = str(raised.value)
    assert "3 id(s) cannot be hub users, so nothing was started" in message
    assert "Ben:" in message and "root:" in message and "c.d:" in message
    assert "ana:" not in message
    assert not data.exists()
    with pytest.raises(GradingError, match="2 id\\(s\\)"):
        hub_roster(roster(tmp_path, "ana", "Ben", "c.d", "bob"))


def test_is_the_instructor_refused_on_the_learners_roster(tmp_path):
    options = HubOptions(roster=roster(tmp_path, "ana", "teacher"), data_dir=tmp_path / "d",
                         instructor="teacher", course=ROOT)
    with pytest.raises(GradingError, match="is on the roster of learners"):
        prepare_hub(options)


def test_is_a_missing_proxy_named_with_the_command_that_installs_it(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    options = HubOptions(roster=roster(tmp_path, "ana"), data_dir=tmp_path / "d",
                         instructor="teacher", course=course, proxy=tmp_path / "nothing")
    monkeypatch.setenv("PATH", str(tmp_path))  # no proxy on PATH either
    with pytest.raises(GradingError, match="run `npm ci`"):
        prepare_hub(options)


def test_are_nbgrader_s_folder_names_parsed():
    folder = parse_folder("ana+ps1+2026-03-01 10:00:00.000000 UTC+0a1b")
    assert (folder.student, folder.assignment) == ("ana", "ps1")
    assert parse_folder("ana+ps1+2026-03-01 10:00:00.000000 UTC").student == "ana"
    assert parse_folder("ana+ps1") is None
    assert parse_folder("+ps1+t") is None
    assert parse_folder("a+b+c+d+e") is None


def finished(folder: Path, claimed=None) -> Path:
    """A submission folder as nbgrader's submit leaves it when it finishes."""
    from datetime import UTC, datetime

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "problem.ipynb").write_text('{"cells": []}')
    claimed = claimed or datetime.now(UTC).replace(tzinfo=None)
    (folder / "timestamp.txt").write_text(claimed.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    (folder / "submission_secret.txt").write_text("0a1b" * 32)
    return folder


def test_does_the_screen_accept_only_folders_their_learner_wrote(tmp_path):
    inbound = tmp_path / "inbound"
    mine = inbound / f"{ME}+ps1+2026-03-01 10:00:00.000000 UTC+aa"
    other_assignment = inbound / f"{ME}+ps2+2026-03-01 10:00:00.000000 UTC+bb"
    forged = inbound / "nobody+ps1+2026-03-01 10:00:00.000000 UTC+cc"
    stranger = inbound / "zed+ps1+2026-03-01 10:00:00.000000 UTC+dd"
    for folder in (mine, other_assignment, forged, stranger, inbound / "junk"):
        finished(folder)
    screen = make_screen(inbound, "ps1", {ME, "nobody"})
    assert screen(f"{mine.name}/problem.ipynb") is None
    assert screen(f"{other_assignment.name}/problem.ipynb") == ""  # skipped, not reported
    assert f"written by {ME}: a forged submission" in screen(f"{forged.name}/problem.ipynb")
    assert "not on the roster" in screen(f"{stranger.name}/problem.ipynb")
    assert "not a submission folder" in screen("junk/problem.ipynb")


def test_does_the_spawn_command_cap_memory_and_processes():
    command = spawn_command({"mem_limit": "2G", "max_processes": 256,
                             "python": "/opt/course/bin/python"})
    assert command[0].endswith("prlimit")
    assert f"--as={2 * 1024 ** 3}" in command and "--nproc=256" in command
    assert command[-3:] == ["/opt/course/bin/python", "-m", "jupyterhub.singleuser"]
    assert to_bytes("512M") == 512 * 1024 ** 2 and to_bytes(1000) == 1000


@pytest.mark.skipif(os.geteuid() != 0, reason="the data folder's owners are set by root")
def test_does_the_data_folder_get_the_exchange_s_modes(tmp_path):
    from customs_course.hub.datadir import HubData, mode_of, prepare

    course = tmp_path / "course-src"
    (course / "solutions" / "ps1").mkdir(parents=True)
    data = HubData(tmp_path / "data")
    prepare(data, course, "nobody")
    nobody = pwd.getpwnam("nobody").pw_uid
    assert mode_of(data.exchange) == 0o1777  # nbgrader's 777, sticky: no one renames the course
    assert data.exchange.stat().st_uid == 0
    modes = {name: mode_of(data.course_exchange / name) for name in ("inbound", "outbound",
                                                                   "feedback")}
    assert modes == {"inbound": 0o733, "outbound": 0o755, "feedback": 0o711}
    assert (data.course_exchange / "inbound").stat().st_uid == nobody
    assert mode_of(data.course) == 0o700 and data.course.stat().st_uid == nobody
    assert (data.course / "solutions" / "ps1").stat().st_uid == nobody


def test_is_a_submission_changed_after_its_claimed_time_refused(tmp_path):
    """A learner owns their inbound folder: rewriting it (and its timestamp) after the deadline
    leaves a change time (ctime) that no user can set back."""
    from datetime import UTC, datetime, timedelta

    inbound = tmp_path / "inbound"

    def submission(name: str, claimed: datetime) -> str:
        return f"{finished(inbound / f'{ME}+ps1+{name}', claimed).name}/problem.ipynb"

    now = datetime.now(UTC).replace(tzinfo=None)
    honest = submission("honest", now)
    within = submission("within", now - timedelta(seconds=CHANGE_TOLERANCE - 30))
    rewritten = submission("rewritten", now - timedelta(seconds=CHANGE_TOLERANCE + 30))
    screen = make_screen(inbound, "ps1", {ME})
    assert screen(honest) is None and screen(within) is None
    assert "after the time it claims" in screen(rewritten)
    lenient = make_screen(inbound, "ps1", {ME}, check_changes=False)
    assert lenient(rewritten) is None


def test_are_the_hub_and_proxy_found_by_pid_and_command_not_by_pid_alone(tmp_path):
    """A restart must find the hub and proxy still running, never a process that got a pid of
    theirs after a reboot (JupyterHub would kill it as the old proxy)."""
    import subprocess
    import sys

    from customs_course.hub.datadir import HubData
    from customs_course.hub.lifecycle import forget_stale_proxy, hub_running

    data = HubData(tmp_path)
    fake_hub = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                                 "jupyterhub"])
    try:
        (tmp_path / "jupyterhub.pid").write_text(str(fake_hub.pid))
        assert hub_running(data) == fake_hub.pid
        (tmp_path / "jupyterhub.pid").write_text(str(os.getpid()))  # alive, but not a hub
        assert hub_running(data) is None
        (tmp_path / "proxy.pid").write_text(str(os.getpid()))
        forget_stale_proxy(data)
        assert not (tmp_path / "proxy.pid").exists()
    finally:
        fake_hub.kill()
        fake_hub.wait()
    (tmp_path / "jupyterhub.pid").write_text(str(fake_hub.pid))  # no such process now
    assert hub_running(data) is None


def test_is_a_server_pid_reused_after_a_reboot_forgotten_before_the_hub_adopts_it(tmp_path):
    """JupyterHub adopts any live process with a recorded pid; only a server may pass."""
    import json
    import sqlite3
    import subprocess
    import sys

    from customs_course.hub.datadir import HubData
    from customs_course.hub.lifecycle import forget_stale_servers, server_pids

    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                               "jupyterhub.singleuser"])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    database = tmp_path / "jupyterhub.sqlite"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("CREATE TABLE spawners (id INTEGER PRIMARY KEY, user_id INTEGER, state TEXT)")
        states = {"ana": {"pid": server.pid}, "ben": {"pid": os.getpid()},
                  "cleo": {"pid": gone.pid}, "dan": {}, "eve": None}
        for number, (user, state) in enumerate(states.items(), start=1):
            db.execute("INSERT INTO users VALUES (?, ?)", (number, user))
            db.execute("INSERT INTO spawners VALUES (?, ?, ?)",
                       (number, number, None if state is None else json.dumps(state)))
    data = HubData(tmp_path)
    try:
        assert forget_stale_servers(data) == ["ben", "cleo"]  # ben's pid is alive: no server
        assert server_pids(data) == {"ana": server.pid}
        with sqlite3.connect(database) as db:
            left = dict(db.execute("SELECT users.name, spawners.state FROM spawners "
                                   "JOIN users ON users.id = spawners.user_id"))
        assert json.loads(left["ana"]) == {"pid": server.pid}
        assert left["ben"] == left["cleo"] == left["dan"] == "{}" and left["eve"] is None
        assert forget_stale_servers(data) == []
    finally:
        server.kill()
        server.wait()


def test_does_a_restart_keep_the_hub_s_internal_ports(tmp_path):
    """The servers still running call the hub at the port of the first start."""
    import json

    from customs_course.hub.datadir import HubData
    from customs_course.hub.start import kept_ports

    data = HubData(tmp_path)
    assert kept_ports(data) == {}
    data.settings.write_text(json.dumps({"hub_port": 41234, "proxy_api_port": 41235,
                                         "port": 8000}))
    assert kept_ports(data) == {"hub_port": 41234, "proxy_api_port": 41235}


@pytest.mark.parametrize("damage, why", [
    (None, None),
    ("problem.ipynb", "problem.ipynb is truncated"),  # the disk filled while copying it
    ("timestamp.txt", "timestamp.txt is missing, empty or unreadable"),  # ...while writing it
    ("submission_secret.txt", "submission_secret.txt, which nbgrader writes last"),
])
def test_which_submission_folders_did_nbgrader_s_submit_finish(tmp_path, damage, why):
    """The three states a full disk left behind, seen with a real ENOSPC (test_full_disk.py):
    a truncated notebook and nothing after it; an empty timestamp.txt; an empty secret."""
    from customs_course.hub.exchange import unfinished

    folder = finished(tmp_path / f"{ME}+ps1+2026-03-01 10:00:00.000000 UTC+aa")
    if damage == "problem.ipynb":
        (folder / damage).write_text('{"cells": [')
    elif damage:
        (folder / damage).write_text("")
    found = unfinished(folder)
    assert (found is None) if why is None else (why in found)
    if damage and damage != "problem.ipynb":  # a notebook may be left out on purpose
        (folder / damage).unlink()
        assert unfinished(folder) is not None  # missing altogether


@pytest.mark.skipif(os.geteuid() != 0, reason="hub stop stops other users' servers: root only")
def test_does_hub_stop_name_a_folder_that_is_no_hub_s(tmp_path):
    from customs_course.hub.datadir import HubData
    from customs_course.hub.lifecycle import stop_class

    with pytest.raises(GradingError, match="not the data folder of a class hub"):
        stop_class(HubData(tmp_path))
