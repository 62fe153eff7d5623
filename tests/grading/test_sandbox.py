"""The sandbox and the integrity checks, piece by piece (the attacks are in test_adversarial.py)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from customs_course.grading import bwrap, sandbox
from customs_course.grading.integrity import (
    PROBE_KEY,
    TamperingDetected,
    add_probes,
    check_probes,
    restore_outputs,
)
from customs_course.grading.sandbox import Sandbox, SandboxError, SandboxLimits

KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}


def graded_notebook():
    answer = {"nbgrader": {"grade_id": "a", "solution": True, "grade": False, "locked": False,
                           "schema_version": 3, "task": False}}
    test = {"nbgrader": {"grade_id": "t", "solution": False, "grade": True, "locked": True,
                         "points": 1, "schema_version": 3, "task": False}}
    return new_notebook(
        cells=[
            new_code_cell("import math"),
            new_code_cell("x = 1", metadata=answer),
            new_code_cell("assert math.isclose(x, 1)", metadata=test),
        ],
        metadata=KERNEL,
    )


@pytest.fixture
def no_bwrap(monkeypatch):
    """Pretend bubblewrap is not installed."""
    sandbox.bwrap_problem.cache_clear()
    real_which = shutil.which
    monkeypatch.setattr(
        bwrap.shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name)
    )
    yield
    sandbox.bwrap_problem.cache_clear()


def test_do_auto_and_bwrap_refuse_without_bubblewrap_and_only_off_grades_unisolated(no_bwrap):
    for mode in ("auto", "bwrap"):
        with pytest.raises(SandboxError, match="not installed") as refused:
            Sandbox.choose(mode, SandboxLimits(), Path("/nonexistent/course"))
        assert "apt-get install bubblewrap" in str(refused.value)
        assert "--sandbox off" in str(refused.value)
    chosen = Sandbox.choose("off", SandboxLimits(), Path("/nonexistent/course"))
    assert chosen.mode == "off" and "WITHOUT a sandbox" in chosen.warning
    with pytest.raises(SandboxError, match="Unknown sandbox mode"):
        Sandbox.choose("docker", SandboxLimits(), Path("/nonexistent/course"))


def test_does_a_misspelt_limit_get_a_clear_error():
    limits = SandboxLimits.from_config({"Sandbox": {"memory_mb": "2048"}})
    assert limits.memory_mb == 2048 and limits.cpu_seconds == SandboxLimits().cpu_seconds
    with pytest.raises(SandboxError, match="memory_mb"):
        SandboxLimits.from_config({"Sandbox": {"memory": 2048}})


def test_is_a_course_inside_a_folder_the_sandbox_shows_refused(tmp_path):
    with pytest.raises(SandboxError, match="holds the course folder"):
        sandbox.check_not_exposed([tmp_path], tmp_path / "course")
    sandbox.check_not_exposed([tmp_path / "venv"], tmp_path / "course")


@pytest.mark.parametrize("own_user", [True, False], ids=["own user id", "user namespace"])
def test_does_the_sandbox_show_no_course_file_nor_the_grader_s_environment(
    tmp_path, monkeypatch, own_user
):
    """Both ways of running bubblewrap: as root (own user id) and as an instructor's account.

    The second is what a non-root instructor gets; as root it runs in a user namespace too.
    """
    if own_user and not sandbox._is_root():
        pytest.skip("the sandbox gets a user id of its own only when the grader runs as root")
    problem = sandbox.bwrap_problem(0 if own_user else None)
    if problem:
        pytest.skip(f"bubblewrap cannot run here: {problem}")
    monkeypatch.setenv("GRADER_ONLY_VARIABLE", "x")
    (tmp_path / "secret.txt").write_text("secret")
    cells = [
        f"import os\nprint(os.path.exists({str(tmp_path / 'secret.txt')!r}), "
        "'GRADER_ONLY_VARIABLE' in os.environ, os.getcwd())",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);",  # a figure, and nothing on stderr
    ]
    notebook = new_notebook(cells=[new_code_cell(c) for c in cells], metadata=KERNEL)
    chosen = Sandbox.choose("bwrap", SandboxLimits(), tmp_path)
    if not own_user:
        chosen = dataclasses.replace(chosen, uid=None)
    answer = chosen.run(notebook, timeout=60, wall_seconds=300)
    first, second = (cell["outputs"] for cell in answer["notebook"]["cells"])
    assert first[0]["text"] == "False False /tmp/work\n"
    assert [o["output_type"] for o in second] == ["display_data"]
    assert "image/png" in second[0]["data"]


def executed_copy(probes, *, error=True, report=None):
    """The probed notebook as if it ran: each probe raised its nonce and ``report``."""
    report = report or {"names": {}, "methods": {}, "hooks": [], "custom_exceptions": "()"}
    executed = copy.deepcopy(probes.notebook)
    for cell in executed.cells:
        if PROBE_KEY in cell.metadata and error:
            value = probes.nonce + json.dumps(report)
            cell.outputs = [new_output("error", ename="AssertionError", evalue=value,
                                       traceback=[])]
    return executed


def test_are_probes_put_around_the_answer_cells_and_read_back():
    probes = add_probes(graded_notebook())
    roles = [segment.role for segment in probes.segments]
    # the first cell has no nbgrader metadata: nbgrader does not restore it, so it is the student's
    assert roles == ["start", "student", "test"]
    assert sum(PROBE_KEY in c.metadata for c in probes.notebook.cells) == 3
    assert check_probes(executed_copy(probes), probes, []) == []


def test_is_a_silenced_probe_or_a_replaced_helper_tampering():
    probes = add_probes(graded_notebook())
    assert "errors were hidden" in check_probes(executed_copy(probes, error=False), probes, [])[0]
    executed = executed_copy(probes)
    reports = [c for c in executed.cells if PROBE_KEY in c.metadata]
    for index, cell in enumerate(reports):  # math.isclose changes across the answer cell
        identity = [1 if index < 1 else 2, None, "math", "user", True]
        body = {"names": {"math.isclose": identity}, "methods": {}, "hooks": [],
                "custom_exceptions": "()"}
        cell.outputs[0]["evalue"] = probes.nonce + json.dumps(body)
    [problem] = check_probes(executed, probes, [])
    assert "`math.isclose`, which the tests use, was replaced (after cell a)" == problem


def test_does_a_notebook_whose_cells_changed_in_the_sandbox_get_refused():
    original = graded_notebook()
    executed = copy.deepcopy(original)
    executed.cells[2].source = "pass"
    with pytest.raises(TamperingDetected, match="the source of cell t changed"):
        restore_outputs(copy.deepcopy(original), executed)
    executed = copy.deepcopy(original)
    executed.cells[1].outputs = [new_output("stream", name="stdout", text="hi\n")]
    restored = copy.deepcopy(original)
    restore_outputs(restored, executed)
    assert restored.cells[1].outputs[0]["text"] == "hi\n"


def _fake_sandbox(code: str):
    """A stand-in for a started sandbox: a Python process running ``code``."""
    import subprocess
    import sys
    import threading
    from types import SimpleNamespace

    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True,
    )
    tail: list[bytes] = []
    drain = threading.Thread(target=sandbox._drain, args=(process.stderr, 2000, tail))
    drain.start()
    return SimpleNamespace(process=process, drain=drain, stderr_tail=tail)


def test_is_a_sandbox_stopped_as_soon_as_its_answer_is_in():
    # the runner answers one line, then would take its time to shut down, its stdout still
    # open (bwrap holds it): the grader does not wait
    started = _fake_sandbox(
        "import sys, time; sys.stdin.read(); sys.stdout.write('{\"ok\": 1}\\n'); "
        "sys.stdout.flush(); time.sleep(30)"
    )
    answer = sandbox._exchange(started, b"{}", 1000, 60, SandboxLimits())
    assert answer == {"ok": 1}
    assert started.process.returncode == -9  # killed, not waited for


def test_does_a_sandbox_that_ends_without_answer_report_its_own_exit_code():
    started = _fake_sandbox("import sys; sys.stdin.read(); print('boom', file=sys.stderr); "
                            "sys.exit(3)")
    with pytest.raises(sandbox.SandboxDied, match=r"exit code 3\): boom"):
        sandbox._exchange(started, b"{}", 1000, 60, SandboxLimits())


def test_are_a_runs_phases_timed_from_the_runners_clock_readings():
    timings = {"runner_up": 10.5, "kernel_ready": 11.5, "request_read": 12.25, "executed": 14.0}
    phases = sandbox._phases(10.0, 12.0, 14.5, {"notebook": {}, "timings": timings})
    assert phases == {"started_ahead_by": 2.0, "run": 2.5, "runner_start": 0.5,
                      "kernel_start": 1.0, "waited_for_kernel": 0.25, "execute": 1.75,
                      "answer_to_stopped": 0.5}
    # the kernel was ready before the notebook came: no wait; garbled timings: no detail
    timings["request_read"] = 11.0
    assert sandbox._phases(10.0, 12.0, 14.5, {"timings": timings})["waited_for_kernel"] == 0
    assert sandbox._phases(10.0, 12.0, 14.5, {"timings": {"runner_up": "x"}}) == {
        "started_ahead_by": 2.0, "run": 2.5}
