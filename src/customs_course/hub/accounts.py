"""The hub's users: the roster's learners and the instructor, each a system user of the server.

nbgrader's exchange protects learners from each other with Unix permissions (a learner cannot
list the inbound folder, and each submission is owned by its author), so every hub user must be
a distinct system user: JupyterHub's LocalProcessSpawner starts each single-user server as that
user. A roster id therefore has to be a valid Unix user name as well as a safe folder name.
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
from pathlib import Path

from customs_course.grading.course import GradingError
from customs_course.grading.roster import read_roster

# Debian's useradd accepts more, but this is what every tool (and a student id) handles.
UNIX_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
FIRST_UID = 1000  # below: system accounts (root, daemon...), never a hub user


def check_user_name(name: str) -> str | None:
    """Return why ``name`` cannot be a hub user's system name, or None when it can."""
    if not UNIX_NAME.fullmatch(name):
        return (
            f"{name!r} is not a valid user name on the server: use lower-case letters, digits, "
            "'_' or '-', starting with a letter or '_', at most 32 characters"
        )
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return None
    if uid < FIRST_UID:
        return f"{name!r} is a system account of the server (uid {uid}), not a person"
    return None


def hub_roster(path: Path | str) -> list[str]:
    """Return the learner ids of a roster CSV, checked as hub user names.

    Raises
    ------
    GradingError
        Listing every id that cannot be a user name (nothing is started then).
    """
    students = read_roster(path)  # the grading roster's own checks and messages first
    problems = [f"{s.id}: {why}" for s in students if (why := check_user_name(s.id))]
    if problems:
        raise GradingError(
            f"{path}: {len(problems)} id(s) cannot be hub users, so nothing was started; "
            "correct the roster and start again:\n  " + "\n  ".join(problems)
        )
    return [s.id for s in students]


def missing_accounts(names: list[str]) -> list[str]:
    """Return the names that have no system user yet."""
    missing = []
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            missing.append(name)
    return missing


def create_accounts(names: list[str], *, home_base: Path | None = None) -> list[str]:
    """Create a system user (with a private home) for each name that has none; return those made.

    Only root can; the accounts have no password (they log in through the hub only).
    """
    if os.geteuid() != 0:
        raise GradingError("Only root can create the learners' system users; run as root.")
    made = []
    for name in missing_accounts(names):
        command = ["useradd", "--create-home", "--shell", "/bin/bash", "--user-group"]
        if home_base is not None:
            command += ["--base-dir", str(home_base)]
        subprocess.run([*command, name], check=True, capture_output=True)
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)  # learners cannot read each other's homes
        made.append(name)
    return made


def remove_accounts(names: list[str]) -> None:
    """Remove the system users ``names`` and their homes (tests' throw-away users)."""
    for name in names:
        if not missing_accounts([name]):
            subprocess.run(["userdel", "--remove", name], capture_output=True)
