"""Does one student's failure, or an interruption, never stop or spoil the others' grading?"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.intake import collect_submissions
from customs_course.grading.roster import import_roster
from customs_course.grading.sandbox import bwrap_problem


def sandbox_available() -> bool:
    return bwrap_problem(0) is None

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

SOLVED = {
    "squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n"
    "    return [i * i for i in range(1, n + 1)]",
    "sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))",
}
# student code that kills the process that started its kernel: without a sandbox, the grading
# worker itself; in the sandbox, only the sandbox's runner
KILL_THE_GRADER = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"


def make_class(root, tmp_path, release, answers: dict[str, dict[str, str]], damage=()):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for student, cells in answers.items():
        notebook = copy.deepcopy(release)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in cells:
                cell.source = cells[grade_id]
            if student in damage and grade_id == "correct_squares":
                del cell.metadata.nbgrader["points"]  # nbgrader cannot read this cell
        nbformat.write(notebook, inbox / f"{student}_problem1.ipynb")
    (tmp_path / "roster.csv").write_text("student_id\n" + "\n".join(answers) + "\n")
    import_roster(tmp_path / "roster.csv", course_root=root)
    collect_submissions("ps1", inbox, course_root=root)


def test_do_a_student_who_kills_the_grader_and_one_nbgrader_cannot_read_spare_the_others(
    ps1_course, tmp_path, ps1_release
):
    answers = {f"s{i}": SOLVED for i in range(1, 4)}
    answers["killer"] = {**SOLVED, "sum_of_squares": KILL_THE_GRADER}
    answers["damaged"] = SOLVED
    make_class(ps1_course, tmp_path, ps1_release, answers, damage={"damaged"})
    report = autograde("ps1", course_root=ps1_course, workers=2, timeout=30, progress=False)
    outcomes = {o.student: o for o in report.outcomes}
    assert {s: outcomes[s].status.value for s in answers} == {
        "s1": "graded",
        "s2": "graded",
        "s3": "graded",
        "killer": "kernel_crash",
        "damaged": "grading_error",
    }
    assert "died" in outcomes["killer"].reason
    assert "KeyError: 'points'" in outcomes["damaged"].reason
    assert "test cell correct_squares edited" in outcomes["damaged"].reason
    logs = GradingCourse.open(ps1_course).results("ps1") / "logs"
    assert "KeyError" in (logs / "damaged.log").read_text()


def processes_of(uids: range) -> list[int]:
    """The processes that belong to ``uids`` (the sandboxes of one grading run, run as root)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if proc.stat().st_uid in uids:
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def ledger_count(root, folder: Path | None = None) -> int:
    folder = folder or GradingCourse.open(root).results("ps1") / "students"
    return len(list(folder.glob("*.json"))) if folder.is_dir() else 0


def test_does_a_rerun_after_ctrl_c_grade_only_the_rest(ps1_course, tmp_path, ps1_release, nb):
    students = [f"s{i}" for i in range(1, 9)]
    make_class(ps1_course, tmp_path, ps1_release, {s: SOLVED for s in students})
    # user ids of this run's sandboxes alone, so that no other test's kernels are counted
    uid_base = 63000 + os.getpid() % 100 * 20  # two ids per worker
    with (ps1_course / "grading" / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.Sandbox.uid_base = {uid_base}\n")
    command = [
        sys.executable,
        "-m",
        "customs_course.cli",
        "grade",
        "autograde",
        "ps1",
        "--course-root",
        str(ps1_course),
        "--workers",
        "1",
        "--no-progress",
    ]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ledger = GradingCourse.open(ps1_course).results("ps1") / "students"  # once: opening is slow
    deadline = time.monotonic() + 120
    while ledger_count(ps1_course, ledger) < 1 and run.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)  # a student takes about 3 s: stop right after the first
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err[-2000:]
    assert "run the same command again" in err
    if os.geteuid() == 0 and sandbox_available():  # no kernel of the stopped run lives on
        sandboxes = range(uid_base, uid_base + 20)
        deadline = time.monotonic() + 15
        while processes_of(sandboxes) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_of(sandboxes) == []
    done = ledger_count(ps1_course)
    assert 1 <= done < len(students)
    report = autograde("ps1", course_root=ps1_course, progress=False)
    assert len(report.skipped) == done
    assert len(report.outcomes) == len(students) - done
    folder = GradingCourse.open(ps1_course).results("ps1") / "students"
    statuses = [json.loads((folder / f"{s}.json").read_text())["status"] for s in students]
    assert statuses == ["graded"] * len(students)
    with GradingCourse.open(ps1_course).gradebook() as gradebook:
        submissions = gradebook.find_assignment("ps1").submissions
        assert sorted(s.student.id for s in submissions) == students
        autograded = sum(p for q, p in nb.points.items() if q != "sum_of_squares_equation")
        assert {s.score for s in submissions} == {autograded}
