"""The hub's data folder: everything a class hub keeps, in one place that a backup copies.

::

    DATA/
      hub.json                  the settings ``hub start`` wrote (roster, instructor, ports, limits)
      jupyterhub.sqlite         JupyterHub's database (users, servers, tokens)
      jupyterhub_cookie_secret  signs the login cookies (root only)
      passwords.dbm*            the learners' hub passwords, bcrypt-hashed (root only)
      hub.log                   the hub's log
      jupyterhub.pid, proxy.pid the running hub and proxy (hub/lifecycle.py reads them)
      exchange/<course id>/     nbgrader's exchange: outbound (released), inbound (submitted),
                                feedback (released feedback)
      course/                   the instructor's course root: solutions/, exercises/, lessons/
                                and grading/ (gradebook.db, submissions, grades, feedback)
      jupyter/<role>/           the single-user servers' settings per role (learner, instructor)

Learners' own work lives in their home folders (``/home/<id>``), which a backup copies too.
Permissions: ``course/`` belongs to the instructor and is private (learners never see the
solutions); in the exchange, learners may write into ``inbound`` but not list it, and may read
a feedback file only by its name, a hash of a secret only the submitting learner has.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

COURSE_ID = "customs-data-analytics"
# nbgrader's own modes for its exchange (release_assignment, submit, release_feedback)
EXCHANGE_MODES = {"outbound": 0o755, "inbound": 0o733, "feedback": 0o711}
PRIVATE = ("jupyterhub_cookie_secret",)


@dataclass(frozen=True)
class HubData:
    """The paths of a hub's data folder."""

    root: Path

    @property
    def settings(self) -> Path:
        return self.root / "hub.json"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def course_exchange(self) -> Path:
        return self.exchange / COURSE_ID

    @property
    def course(self) -> Path:
        return self.root / "course"

    def role_config(self, role: str) -> Path:
        return self.root / "jupyter" / role

    def read_settings(self) -> dict:
        return json.loads(self.settings.read_text(encoding="utf-8"))


def _own(path: Path, uid: int, gid: int, mode: int) -> None:
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def copy_course(source: Path, course: Path) -> None:
    """Copy the course's solutions/, exercises/ and lessons (modules/) when not there yet.

    An existing copy is kept: the instructor may have edited it on the hub.
    """
    for name, target in (("solutions", "solutions"), ("exercises", "exercises"),
                         ("modules", "lessons")):
        if not (course / target).exists() and (source / name).is_dir():
            shutil.copytree(source / name, course / target,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


def prepare(data: HubData, course_source: Path, instructor: str) -> None:
    """Create the data folder, the exchange and the instructor's course root, with their modes.

    The exchange root and the course folder in it are created here, owned by root and the
    instructor. nbgrader wants its root writable by everyone (it checks the mode 777), so it
    gets the sticky bit too (1777, as /tmp): no learner can then rename or remove the course's
    folder, which exists before any release, so no learner can plant one of their own.
    """
    account = pwd.getpwnam(instructor)
    uid, gid = account.pw_uid, account.pw_gid
    data.root.mkdir(parents=True, exist_ok=True)
    os.chmod(data.root, 0o755)
    data.exchange.mkdir(exist_ok=True)
    _own(data.exchange, 0, 0, 0o1777)
    data.course_exchange.mkdir(exist_ok=True)
    _own(data.course_exchange, uid, gid, 0o755)
    for name, mode in EXCHANGE_MODES.items():
        (data.course_exchange / name).mkdir(exist_ok=True)
        _own(data.course_exchange / name, uid, gid, mode)
    data.course.mkdir(exist_ok=True)
    copy_course(course_source, data.course)
    (data.course / "grading").mkdir(exist_ok=True)
    for folder, _, files in os.walk(data.course):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.lchown(name, uid, gid)
    os.chmod(data.course, 0o700)  # the solutions and every grade: the instructor's only
    write_role_configs(data)


LEARNER_EXTENSIONS = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgitpuller": True,
}
INSTRUCTOR_EXTENSIONS = {**LEARNER_EXTENSIONS, "nbgrader.server_extensions.formgrader": True,
                         "nbgrader.server_extensions.course_list": True}
LAB_PLUGINS_OFF = {  # the learner's JupyterLab hides the instructor's panels
    "disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True,
        "@jupyter/nbgrader:course-list": True,
        "@jupyter/nbgrader:create-assignment": True,
    }
}


def nbgrader_settings(data: HubData, role: str) -> str:
    """The single-user nbgrader configuration of ``role`` on this hub, as Python source."""
    lines = [
        "# Written by `customs-course hub start`: nbgrader on the class hub.",
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {COURSE_ID!r}",
        f"c.Exchange.root = {str(data.exchange)!r}",
    ]
    gradebook = f"sqlite:///{data.course / 'grading' / 'gradebook.db'}"
    if role == "instructor":  # the course root of grading/nbgrader_config.py, in the data folder
        lines += [
            f"c.CourseDirectory.root = {str(data.course)!r}",
            'c.CourseDirectory.source_directory = "solutions"',
            'c.CourseDirectory.release_directory = "exercises"',
            'c.CourseDirectory.submitted_directory = "grading/submitted"',
            'c.CourseDirectory.autograded_directory = "grading/autograded"',
            'c.CourseDirectory.feedback_directory = "grading/feedback"',
            f"c.CourseDirectory.db_url = {gradebook!r}",
        ]
    return "\n".join(lines) + "\n"


def write_role_configs(data: HubData) -> None:
    """Write ``jupyter/<role>/`` (server extensions, nbgrader settings) for both roles."""
    roles = (("learner", LEARNER_EXTENSIONS), ("instructor", INSTRUCTOR_EXTENSIONS))
    for role, extensions in roles:
        folder = data.role_config(role)
        folder.mkdir(parents=True, exist_ok=True)
        server = {"ServerApp": {"jpserver_extensions": extensions}}
        (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1) + "\n")
        (folder / "nbgrader_config.py").write_text(nbgrader_settings(data, role))
        if role == "learner":
            labconfig = folder / "labconfig"
            labconfig.mkdir(exist_ok=True)
            page = json.dumps(LAB_PLUGINS_OFF, indent=1) + "\n"
            (labconfig / "page_config.json").write_text(page)
    for path in data.root.joinpath("jupyter").rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def mode_of(path: Path) -> int:
    """The permission bits of ``path`` (for the checks and the tests)."""
    return stat.S_IMODE(path.lstat().st_mode)
