"""Fail closed, configure like nbgrader: the sandbox mode, the limits, the timeout, statuses.

The fast tests need no bubblewrap and no kernel; those marked ``notebooks`` run a kernel
(in the sandbox's ``off`` mode, so that they run wherever the course's tests run).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from customs_course.cli import main
from customs_course.grading import bwrap, sandbox
from customs_course.grading.autograde import classify_failure, effective_timeout
from customs_course.grading.course import GradingCourse
from customs_course.grading.sandbox import Sandbox, SandboxError, SandboxLimits
from customs_course.grading.sandboxed_execute import SandboxedExecute, _execution_error
from customs_course.grading.status import Status

KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}


@pytest.fixture
def no_bwrap(monkeypatch):
    """Pretend bubblewrap is not installed."""
    sandbox.bwrap_problem.cache_clear()
    real_which = bwrap.shutil.which
    monkeypatch.setattr(
        bwrap.shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name)
    )
    yield
    sandbox.bwrap_problem.cache_clear()


def test_does_autograde_refuse_with_exit_2_when_auto_finds_no_bubblewrap(
    ps1_course, roster, tmp_path, capsys, no_bwrap
):
    root = ["--course-root", str(ps1_course)]
    assert main(["grade", "import-roster", str(roster(tmp_path / "r.csv", ["s1"])), *root]) == 0
    capsys.readouterr()
    assert main(["grade", "autograde", "ps1", *root]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot grade in a sandbox: the bwrap command")
    assert "--sandbox off" in err
    (ps1_course / "grading" / "nbgrader_config.py").write_text('c.Sandbox.mode = "auto"\n')
    assert main(["grade", "autograde", "ps1", *root]) == 2  # the configured auto, the same


def test_is_a_timeout_of_zero_or_less_or_not_a_number_refused_by_the_cli(capsys):
    for bad in ("0", "-1", "abc", "nan"):
        with pytest.raises(SystemExit):
            main(["grade", "autograde", "a1", "--timeout", bad])
        assert "not a number of seconds above 0" in capsys.readouterr().err


def test_is_the_timeout_read_as_nbgrader_reads_it_and_the_flag_wins(ps1_course):
    course = GradingCourse.open(ps1_course)
    assert effective_timeout(course, None) == 120.0  # the course's nbgrader_config.py
    course.config.merge(Config({"ExecutePreprocessor": {"timeout": 45}}))
    assert effective_timeout(course, None) == 45.0
    course.config.merge(Config({"Execute": {"timeout": 2}}))  # more specific: wins
    assert effective_timeout(course, None) == 2.0
    course.config.merge(Config({"SandboxedExecute": {"timeout": 0.5}}))
    assert effective_timeout(course, None) == 0.5
    assert effective_timeout(course, 7.5) == 7.5
    assert SandboxedExecute(config=Config({"Execute": {"timeout": 0.5}})).timeout == 0.5


def test_are_limits_read_from_the_configuration_with_clear_errors():
    limits = SandboxLimits.from_config(
        {"Sandbox": {"memory_mb": "2048", "budget_seconds": 90.5, "wall_seconds": 600}}
    )
    assert (limits.memory_mb, limits.budget_seconds, limits.wall_seconds) == (2048, 90.5, 600)
    assert limits.cpu_seconds == SandboxLimits().cpu_seconds
    with pytest.raises(SandboxError, match="memory_mb"):
        SandboxLimits.from_config({"Sandbox": {"memory": 2048}})
    for bad in ({"memory_mb": "lots"}, {"processes": 0}, {"budget_seconds": -1},
                {"wall_seconds": float("nan")}):
        with pytest.raises(SandboxError, match=f"c.Sandbox.{next(iter(bad))} = .* at least"):
            SandboxLimits.from_config({"Sandbox": bad})


def test_is_the_time_budget_twice_the_timeout_plus_a_minute_unless_configured():
    assert SandboxLimits().budget(10) == 80
    assert SandboxLimits().budget(0.5) == 61
    assert SandboxLimits().budget(None) == 2 * SandboxLimits().cpu_seconds + 60
    assert SandboxLimits(budget_seconds=5).budget(10) == 5


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("TamperingDetected", Status.TAMPERED),
        ("ResourceLimitExceeded", Status.RESOURCE_LIMIT),
        ("DeadKernelError", Status.KERNEL_CRASH),
        ("SandboxDied", Status.KERNEL_CRASH),
        ("CellTimeoutError", Status.TIMEOUT),
        ("UnresponsiveKernelError", Status.TIMEOUT),
        ("GradingWorkerDied", Status.GRADING_ERROR),
        ("NbGraderFailed", Status.GRADING_ERROR),
    ],
)
def test_is_the_status_taken_from_the_kind_of_failure(kind, status):
    finding = classify_failure({"kind": kind, "stage": "execute", "message": "what was seen"})
    assert finding.status is status


def test_does_the_status_never_come_from_text_a_student_can_write():
    """nbgrader's log quotes the notebook: a student can put exception names in it."""
    failure = {"kind": "NbGraderFailed", "stage": "nbgrader",
               "message": "TamperingDetected: ResourceLimitExceeded DeadKernelError Kernel died"}
    finding = classify_failure(failure)
    assert finding.status is Status.GRADING_ERROR
    assert finding.reason.startswith("nbgrader could not grade it: TamperingDetected")
    assert classify_failure(None).status is Status.GRADING_ERROR


def test_does_a_spent_budget_become_resource_limit_with_a_reason_that_says_so():
    error = _execution_error({"name": "BudgetExceeded", "message": "anything"}, SandboxLimits(),
                             timeout=2, budget=64)
    finding = classify_failure({"kind": type(error).__name__, "stage": "execute",
                                "message": str(error)})
    assert finding.status is Status.RESOURCE_LIMIT
    assert "time budget of 64 s per submission" in finding.reason
    assert "per-cell timeout of 2 s" in finding.reason


def sleepy_notebook(seconds: float, cells: int):
    code = [new_code_cell("import time")]
    code += [new_code_cell(f"time.sleep({seconds})") for _ in range(cells)]
    return new_notebook(cells=code, metadata=KERNEL)


def unsandboxed() -> Sandbox:
    return Sandbox.choose("off", SandboxLimits(), Path("/nonexistent/course"))


def timed_out(answer) -> list[bool]:
    return [any(o.get("ename") == "CellTimeoutError" for o in cell["outputs"])
            for cell in answer["notebook"]["cells"][1:]]


@pytest.mark.notebooks
def test_is_a_fractional_timeout_honoured_to_the_fraction():
    answer = unsandboxed().run(sleepy_notebook(0.25, 1), timeout=0.5, wall_seconds=120)
    assert timed_out(answer) == [False]
    start = time.monotonic()
    answer = unsandboxed().run(sleepy_notebook(0.9, 1), timeout=0.5, wall_seconds=120)
    assert timed_out(answer) == [True]
    assert time.monotonic() - start < 30


@pytest.mark.notebooks
def test_is_a_notebook_whose_cells_each_stop_under_the_timeout_stopped_by_the_budget():
    cells = sleepy_notebook(0.7, 4)  # each under the 1 s timeout, 2.8 s together
    answer = unsandboxed().run(cells, timeout=1, wall_seconds=120, budget=2)
    assert answer["error"]["name"] == "BudgetExceeded"
    answer = unsandboxed().run(cells, timeout=1, wall_seconds=120, budget=6)
    assert "error" not in answer and timed_out(answer) == [False] * 4


def modes_here() -> list:
    modes = [pytest.param("off", id="off")]
    problem = sandbox.bwrap_problem(0 if sandbox._is_root() else None)
    modes.append(pytest.param("bwrap", id="bwrap", marks=pytest.mark.skipif(
        problem is not None, reason=f"bubblewrap cannot run here: {problem}")))
    return modes


@pytest.mark.notebooks
@pytest.mark.parametrize("mode", modes_here())
def test_is_a_sandbox_started_ahead_fresh_and_used_once(mode, tmp_path):
    """The next student's sandbox starts while the last one is scored: nothing carries over."""
    from customs_course.grading.sandbox import _AHEAD

    chosen = Sandbox.choose(mode, SandboxLimits(), tmp_path / "course")
    first = new_notebook(metadata=KERNEL, cells=[new_code_cell(
        "import os, pathlib\nLEFT_BEHIND = 1\npathlib.Path('left.txt').write_text('x')\n"
        "pathlib.Path(os.environ['HOME'], 'left.txt').write_text('x')")])
    second = new_notebook(metadata=KERNEL, cells=[new_code_cell(
        "import os\nprint('LEFT_BEHIND' in globals(), os.path.exists('left.txt'), "
        "os.path.exists(os.path.join(os.environ['HOME'], 'left.txt')))")])
    chosen.start_ahead()
    ahead = _AHEAD[chosen]
    used = chosen.run(first, timeout=60, wall_seconds=300)
    assert chosen not in _AHEAD and ahead.process.poll() is not None  # used once, then ended
    assert "outputs" in used["notebook"]["cells"][0]
    chosen.start_ahead()
    assert _AHEAD[chosen] is not ahead
    answer = chosen.run(second, timeout=60, wall_seconds=300)
    # no global of the first student's kernel, no file in the working folder nor in HOME
    assert answer["notebook"]["cells"][0]["outputs"][0]["text"] == "False False False\n"


@pytest.mark.notebooks
def test_is_a_sandbox_started_ahead_only_when_another_student_follows(tmp_path, monkeypatch):
    from customs_course.grading import sandboxed_execute
    from customs_course.grading.sandbox import _AHEAD, stop_started_ahead

    step = SandboxedExecute(sandbox_mode="off", course_root=str(tmp_path / "course"),
                            start_ahead=True, timeout=60)
    notebook = new_notebook(metadata=KERNEL, cells=[new_code_cell("x = 1")])
    try:
        for follows in (False, True):
            monkeypatch.setattr(sandboxed_execute, "next_student", follows)
            step.preprocess(notebook, {})
            assert (step.sandbox in _AHEAD) is follows
    finally:
        stop_started_ahead()


@pytest.mark.notebooks
@pytest.mark.parametrize("mode", modes_here())
def test_does_the_next_sandbox_boot_while_a_notebook_runs_under_the_other_user_id(mode, tmp_path):
    """``start_next``: the next sandbox starts as the notebook is sent, beside it, never as the
    same user (as root), so that one student's processes never count against the next's limit.
    """
    from customs_course.grading.sandbox import _AHEAD, stop_started_ahead

    chosen = Sandbox.choose(mode, SandboxLimits(), tmp_path / "course")
    whoami = new_notebook(metadata=KERNEL, cells=[new_code_cell(
        "import os, time\ntime.sleep(1)\nprint(os.getuid())")])
    users = []
    try:
        for _ in range(3):
            sent = time.monotonic()
            answer = chosen.run(whoami, timeout=60, wall_seconds=300, start_next=True)
            ended = time.monotonic()
            users.append(int(answer["notebook"]["cells"][0]["outputs"][0]["text"]))
            following = _AHEAD[chosen]
            assert sent <= following.spawned < ended - 1  # it booted while the cell slept
            assert following.process.poll() is None
        following_user = following.uid
    finally:
        stop_started_ahead()
    if chosen.uid is None:  # not root: every sandbox runs as the grader's own user
        assert users == [users[0]] * 3 and following_user is None
    else:
        first, second = chosen.uids()
        assert first != second
        assert users == [first, second, first] and following_user == second
