"""Does the notebook tests' reuse of the book's executions stay correct?"""

from __future__ import annotations

import nbformat
import pytest
from jupyter_cache import get_cache
from nbformat.v4 import new_code_cell, new_notebook, new_output

from customs_course import execution_cache
from customs_course.execution_cache import (
    FINGERPRINT_FILE,
    cached_execution,
    course_fingerprint,
    first_error,
    prepare,
)


def lesson(code: str) -> nbformat.NotebookNode:
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return new_notebook(cells=[new_code_cell(code)], metadata={"kernelspec": kernelspec})


def executed(code: str, output) -> nbformat.NotebookNode:
    notebook = lesson(code)
    notebook.cells[0].outputs = [output]
    return notebook


def cache_execution(build_dir, notebook):
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(build_dir / execution_cache.CACHE_SUBDIR)
    cache.cache_notebook_bundle(CacheBundleIn(notebook, "lesson.ipynb"), check_validity=False)


def test_does_a_change_of_course_code_clear_stale_results(tmp_path):
    for sub in execution_cache.STALE_SUBDIRS:
        (tmp_path / sub).mkdir()
    (tmp_path / FINGERPRINT_FILE).write_text("fingerprint of older course code")
    assert prepare(tmp_path) is True
    assert not any((tmp_path / sub).exists() for sub in execution_cache.STALE_SUBDIRS)
    assert (tmp_path / FINGERPRINT_FILE).read_text() == course_fingerprint()


def test_does_an_unchanged_course_keep_its_results(tmp_path):
    prepare(tmp_path)
    (tmp_path / ".doctrees").mkdir()
    assert prepare(tmp_path) is False
    assert (tmp_path / ".doctrees").exists()


def test_is_a_cached_execution_reused_only_for_the_same_code_and_course(tmp_path, monkeypatch):
    monkeypatch.setattr(execution_cache, "course_fingerprint", lambda: "this course")
    prepare(tmp_path)
    result = new_output("execute_result", {"text/plain": "2"}, execution_count=1)
    cache_execution(tmp_path, executed("1 + 1", result))
    assert cached_execution(lesson("1 + 1"), tmp_path) is not None
    assert cached_execution(lesson("1 + 2"), tmp_path) is None
    (tmp_path / FINGERPRINT_FILE).write_text("fingerprint of older course code")
    assert cached_execution(lesson("1 + 1"), tmp_path) is None


def test_is_an_error_in_a_cached_execution_reported():
    error = new_output("error", ename="ValueError", evalue="bad data", traceback=[])
    assert first_error(executed("raise ValueError('bad data')", error)) == (
        "code cell 0 raised ValueError: bad data"
    )
    ok = new_output("stream", name="stdout", text="fine")
    assert first_error(executed("print('fine')", ok)) is None


def test_is_an_error_in_a_cell_tagged_raises_exception_expected():
    error = new_output("error", ename="NameError", evalue="name 'x' is not defined", traceback=[])
    notebook = executed("x", error)
    notebook.cells[0].metadata["tags"] = ["raises-exception"]
    assert first_error(notebook) is None


LESSON_HEADER = (
    "---\njupytext:\n  text_representation:\n    format_name: myst\n"
    "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n# A lesson\n\n"
)


@pytest.mark.notebooks
def test_are_lessons_run_in_parallel_and_only_successes_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(execution_cache, "course_fingerprint", lambda: "this course")
    lessons = tmp_path / "modules" / "level9"
    lessons.mkdir(parents=True)
    (lessons / "01_ok.md").write_text(LESSON_HEADER + "```{code-cell} ipython3\n6 * 7\n```\n")
    (lessons / "02_broken.md").write_text(
        LESSON_HEADER + "```{code-cell} ipython3\nraise ValueError('broken')\n```\n"
    )
    (lessons / "notes.md").write_text("# Not a notebook\n")
    build = tmp_path / "_build"
    prepare(build)
    paths = execution_cache.lesson_paths(tmp_path)
    assert [p.name for p in paths] == ["01_ok.md", "02_broken.md"]

    outcome = execution_cache.execute_in_parallel(build, paths, workers=2)
    assert [p.name for p in outcome["executed"]] == ["01_ok.md"]
    assert [p.name for p in outcome["failed"]] == ["02_broken.md"]
    executed = cached_execution(execution_cache.read_lesson(paths[0]), build)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert code[0].outputs[0]["data"]["text/plain"] == "42"
    assert cached_execution(execution_cache.read_lesson(paths[1]), build) is None

    again = execution_cache.execute_in_parallel(build, paths, workers=2)
    assert [p.name for p in again["cached"]] == ["01_ok.md"]


def test_does_the_fingerprint_follow_the_framework_and_the_self_check_answers(monkeypatch):
    # the framework page's table and the lessons' check() cells read these files when they run
    from pathlib import Path

    read = Path.read_bytes
    for changed in ("framework.yml", "selfcheck.yml"):
        before = course_fingerprint()
        monkeypatch.setattr(Path, "read_bytes", lambda self, name=changed: read(self) + (
            b"#changed" if self.name == name else b""))
        assert course_fingerprint() != before, changed
        monkeypatch.setattr(Path, "read_bytes", read)


def test_does_a_kernel_start_wait_until_the_kernel_started_before_has_bound_its_ports(tmp_path):
    # two kernels started together can pick the same free port; the loser's client then hung
    # the book build for ever, so a worker holds the lock from choosing ports to the kernel's
    # first reply
    import threading

    ok = tmp_path / "01_ok.md"
    ok.write_text(LESSON_HEADER + "```{code-cell} ipython3\n6 * 7\n```\n")
    broken = tmp_path / "02_broken.md"
    broken.write_text(LESSON_HEADER + "```{code-cell} ipython3\nraise ValueError('x')\n```\n")
    lock = execution_cache._KERNEL_START
    results = []
    assert lock.acquire(timeout=30)  # another worker's kernel is starting
    run = threading.Thread(target=lambda: results.append(execution_cache._execute(ok, 60)))
    run.start()
    run.join(timeout=3)
    assert run.is_alive() and not results, "the kernel started while another was starting"
    lock.release()
    run.join(timeout=120)
    assert results and results[0][2] is None
    assert lock.acquire(block=False), "the lock stayed held after the kernel started"
    lock.release()
    _, _, error = execution_cache._execute(broken, 60)
    assert "ValueError" in error
    assert lock.acquire(block=False), "a failing lesson kept the lock"
    lock.release()
