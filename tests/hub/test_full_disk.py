"""A full disk while submitting and while collecting, with a real ENOSPC (issue 17).

The disk fills for real: bubblewrap mounts a small tmpfs (``--size``) over the exchange's
inbound while nbgrader's own submit runs, or over the course's ``grading/submitted`` while
``collect_from_exchange`` runs. What nbgrader leaves behind is copied out of the tmpfs and
collected as the instructor would. Root and bubblewrap are needed (CI has both; skipped
otherwise, saying why).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from customs_course.hub.datadir import COURSE_ID, HubData

ME = pwd.getpwuid(os.geteuid()).pw_name
OTHER = "nobody"  # a second learner, whose submission must not be affected
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None,
    reason="a real full disk needs bubblewrap's tmpfs, and learners' owners need root",
)

SUBMIT = textwrap.dedent("""
    import json, os, sys
    def run(root, work, course_id):
        from traitlets.config import Config
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange.default.submit import ExchangeSubmit
        c = Config()
        c.CourseDirectory.course_id = course_id
        c.CourseDirectory.assignment_id = "ps1"
        c.CourseDirectory.root = work
        c.Exchange.root = root
        c.Exchange.cache = work + "/cache"
        submit = ExchangeSubmit(coursedir=CourseDirectory(config=c),
                                authenticator=Authenticator(config=c), config=c)
        before = os.getcwd()
        os.chdir(work)  # nbgrader submits the assignment's folder of the current one
        try:
            submit.start()
            return "submitted"
        except Exception as error:
            return str(error)
        finally:
            os.chdir(before)
""")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def notebook(text: str) -> nbformat.NotebookNode:
    return new_notebook(cells=[new_code_cell(f"def double(x):\n    return 2 * x  # {text}")])


def submit(data: HubData, work: Path, text: str, *, disk_bytes: int | None = None) -> str:
    """nbgrader's submit of ``text`` as this user; with ``disk_bytes``, on a disk that small."""
    (work / "ps1").mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(text), work / "ps1" / "problem.ipynb")
    if not disk_bytes:  # here, as the learner's server runs it
        scope: dict = {}
        exec(SUBMIT, scope)
        return scope["run"](str(data.exchange), str(work), COURSE_ID)
    # on a disk that small: the inbound is a tmpfs of that size; what is left there is copied out
    inbound = data.course_exchange / "inbound"
    staged = work / "left-in-inbound"
    staged.mkdir()
    run = SUBMIT + "\nprint(json.dumps(run(*sys.argv[1:4])))"
    copy_out = shlex.join(["cp", "-a", f"{inbound}/.", str(staged)])
    script = f"{shlex.join([sys.executable, '-c', run, str(data.exchange), str(work), COURSE_ID])}"
    command = ["bwrap", "--dev-bind", "/", "/", "--size", str(disk_bytes), "--tmpfs",
               str(inbound), "--", "sh", "-c", f"{script}; {copy_out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=work)
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    for folder in staged.iterdir():
        os.rename(folder, inbound / folder.name)
    return outcome


@pytest.fixture(scope="module")
def course_template(tmp_path_factory):
    """A course with the assignment ps1 and the roster ME and OTHER (made once: nbgrader)."""
    from test_class_hub import make_course

    from customs_course.grading.roster import import_roster

    course = make_course(tmp_path_factory.mktemp("template") / "course")
    (course / "roster.csv").write_text(f"student_id\n{ME}\n{OTHER}\n")
    import_roster(course / "roster.csv", course_root=course)
    return course


@pytest.fixture
def hub(tmp_path, course_template):
    """A hub's data folder with ps1 released to its exchange, and a copy of the course."""
    course = tmp_path / "course"
    shutil.copytree(course_template, course)
    data = HubData(tmp_path / "data")
    for name in ("inbound", "outbound"):
        (data.course_exchange / name).mkdir(parents=True)
    shutil.copytree(course / "exercises" / "ps1", data.course_exchange / "outbound" / "ps1")
    os.chmod(data.exchange, 0o777)
    return data, course


def other_submits(data: HubData, tmp_path: Path) -> Path:
    """OTHER's complete submission, in their own folder (as their server would write it)."""
    work = tmp_path / "other"
    assert submit(data, work, "OTHER-WORK") == "submitted"
    [folder] = (data.course_exchange / "inbound").glob(f"{ME}+*")
    mine = folder.with_name(folder.name.replace(f"{ME}+", f"{OTHER}+", 1))
    os.rename(folder, mine)
    uid = pwd.getpwnam(OTHER).pw_uid
    for path in [mine, *mine.rglob("*")]:
        os.lchown(path, uid, uid)
    return mine


def test_a_submit_stopped_by_a_full_disk_keeps_the_earlier_submission(hub, tmp_path):
    from customs_course.grading.course import GradingCourse
    from customs_course.hub.exchange import collect_from_exchange

    data, course = hub
    other_submits(data, tmp_path)
    work = tmp_path / "me"
    assert submit(data, work, "MY-FIRST-COMPLETE") == "submitted"
    big = "MY-SECOND " + "x" * 200_000  # more than the 64 KiB disk holds
    failed = submit(data, work, big, disk_bytes=65536)
    assert "No space left on device" in failed  # the disk really filled
    inbound = data.course_exchange / "inbound"
    partial = [f for f in inbound.glob(f"{ME}+*") if not (f / "timestamp.txt").exists()]
    assert len(partial) == 1  # nbgrader left a folder without its timestamp...
    with pytest.raises(ValueError):  # ...and a truncated notebook, newer than the first
        json.loads((partial[0] / "problem.ipynb").read_text())
    before = snapshot(inbound)

    report = "\n".join(collect_from_exchange("ps1", data, course_root=course).lines())
    grading = GradingCourse.open(course)
    mine = grading.submission_dir(ME, "ps1") / "problem.ipynb"
    assert "MY-FIRST-COMPLETE" in mine.read_text()  # the earlier, complete one is graded
    assert "OTHER-WORK" in (grading.submission_dir(OTHER, "ps1") / "problem.ipynb").read_text()
    assert f"incomplete submission of {ME}: {partial[0].name}" in report, report
    assert "truncated" in report or "timestamp.txt is missing" in report, report
    assert f"{ME}'s earlier complete submission stays the one graded" in report
    assert f"Ask {ME} to submit again once the exchange's disk has room" in report
    assert f"incomplete submission of {OTHER}" not in report
    assert "2 new" in report, report
    assert snapshot(inbound) == before  # nothing deleted or changed in the exchange


def test_is_an_incomplete_first_submission_named_with_no_earlier_one(hub, tmp_path):
    from customs_course.hub.exchange import collect_from_exchange

    data, course = hub
    inbound = data.course_exchange / "inbound"
    empty = inbound / f"{ME}+ps1+2026-12-01 10:00:00.000000 UTC+abcdefghijkl"
    empty.mkdir()  # the disk filled before the first file
    report = "\n".join(collect_from_exchange("ps1", data, course_root=course).lines())
    assert f"incomplete submission of {ME}: {empty.name}" in report, report
    assert f"{ME} has no complete submission collected" in report
    assert empty.is_dir()


COLLECT = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from customs_course.grading.course import GradingError
    from customs_course.hub.datadir import HubData
    from customs_course.hub.exchange import collect_from_exchange
    data, course, full = HubData(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
    filler = full / "filler"
    filler.write_bytes(b"0" * int(sys.argv[4]))
    try:
        collect_from_exchange("ps1", data, course_root=course)
        first = "collected"
    except GradingError as error:
        first = str(error)
    leftovers = [str(p) for p in course.rglob(".incoming-*")]
    filler.unlink()  # the instructor frees some space, and runs the same collect again
    again = collect_from_exchange("ps1", data, course_root=course).lines()
    print(json.dumps({"first": first, "leftovers": leftovers, "again": again,
                      "current": (full / sys.argv[5] / "ps1" / "problem.ipynb").read_text()}))
""")


def test_a_collect_on_a_full_disk_says_so_and_a_rerun_completes_it(hub, tmp_path):
    data, course = hub
    work = tmp_path / "me"
    big = "MINE " + "y" * 100_000
    assert submit(data, work, big) == "submitted"
    inbound = data.course_exchange / "inbound"
    before = snapshot(inbound)
    submitted = course / "grading" / "submitted"
    submitted.mkdir(parents=True, exist_ok=True)
    size, filler = 256 * 1024, 200 * 1024  # room for the filler, not for the notebook too
    done = subprocess.run(
        ["bwrap", "--dev-bind", "/", "/", "--size", str(size), "--tmpfs", str(submitted),
         "--", sys.executable, "-c", COLLECT, str(data.root), str(course), str(submitted),
         str(filler), ME], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "is full (No space left on device)" in found["first"], found["first"]
    assert "Nothing in the exchange was changed" in found["first"]
    assert "run the same command again" in found["first"]
    assert found["leftovers"] == []  # no partial copy beside the submission
    assert any("1 new" in line for line in found["again"]), found["again"]
    assert "MINE yyyy" in found["current"]
    assert snapshot(inbound) == before
