"""Worker processes for :mod:`customs_course.grading.autograde`: start, feed, replace, stop.

Each worker is a separate ``python -m customs_course.grading.worker`` process in its own session
or process group (so that Ctrl-C reaches only the main process, which then stops the workers;
their kernels notice that their parent is gone and exit), fed one student at a time over a
pipe. A thread per worker reads its answers into one queue, which works with pipes on every
platform. A worker that dies (killed, out of memory) is replaced and only the student it was
grading is retried.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Callable
from pathlib import Path

from customs_course.grading.course import GradingCourse

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
if sys.platform == "win32":
    _ISOLATE = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
else:
    _ISOLATE = {"start_new_session": True}


def _snapshot(course: GradingCourse, folder: Path) -> Path:
    """Copy the course gradebook, consistently even while it is open, into ``folder``."""
    target = folder / "snapshot.db"
    source = sqlite3.connect(course.db_path)
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()
    return target


class _Worker:
    """One worker process, the student it is grading, and a thread reading its answers."""

    def __init__(self, args: list[str], slot: int, answers: queue.Queue) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "customs_course.grading.worker", *args, str(slot)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            **_ISOLATE,
        )
        self.student: str | None = None
        threading.Thread(target=self._read, args=(answers,), daemon=True).start()

    def _read(self, answers: queue.Queue) -> None:
        for line in self.process.stdout:
            answers.put((self, line))
        answers.put((self, None))  # end of file: the process ended

    def send(self, assignment: str, student: str, ahead: bool = True) -> None:
        """Grade ``student``; ``ahead``: start a sandbox for one more student meanwhile."""
        self.student = student
        request = {"assignment": assignment, "student": student, "ahead": ahead}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        self.terminate()
        self.wait()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def wait(self) -> None:
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class WorkerPool:
    """Up to ``workers`` worker processes grading ``assignment``, started on entering.

    Workers start as soon as the pool is entered (they import nbgrader, about two seconds),
    so that the main process can check submissions meanwhile. :meth:`grade` then feeds them.
    """

    def __init__(
        self,
        course: GradingCourse,
        assignment: str,
        *,
        workers: int,
        timeout: float | None,
        sandbox: str = "auto",
    ) -> None:
        self.course, self.assignment, self.size = course, assignment, workers
        self.timeout, self.sandbox = timeout, sandbox
        self.started = 0  # workers started so far: each gets its own slot (sandbox user)
        self.answers: queue.Queue = queue.Queue()
        self.idle: deque[_Worker] = deque()
        self.args: list[str] = []

    def __enter__(self) -> WorkerPool:
        logs = self.course.results(self.assignment) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self._scratch = tempfile.TemporaryDirectory(prefix="customs-grade-")
        snapshot = _snapshot(self.course, Path(self._scratch.name))
        timeout = "" if self.timeout is None else str(self.timeout)
        self.args = [
            str(self.course.root), str(snapshot), timeout, str(logs / "workers.log"), self.sandbox
        ]
        self.idle.extend(self._start() for _ in range(self.size))
        return self

    def _start(self) -> _Worker:
        self.started += 1
        log.debug("starting grading worker %d (sandbox %s)", self.started, self.sandbox)
        return _Worker(self.args, self.started, self.answers)

    def __exit__(self, *exc) -> None:
        for worker in self.idle:  # all at once: each takes a moment to stop its sandbox
            worker.terminate()
        while self.idle:
            self.idle.popleft().wait()
        self._scratch.cleanup()

    def _next_answer(self) -> tuple[_Worker, str | None]:
        while True:  # a timeout lets Ctrl-C through on every platform
            try:
                return self.answers.get(timeout=0.5)
            except queue.Empty:
                continue

    def grade(self, students: list[str], on_result: Callable[[str, dict], None]) -> None:
        """Grade ``students``; call ``on_result(student, result)`` here as each one ends.

        ``on_result`` runs in this process, one student at a time, so it may write the
        gradebook. A worker that dies is replaced and its student retried, up to
        ``MAX_ATTEMPTS`` times; then the result is a failure naming ``GradingWorkerDied``.
        """
        pending = deque(students)
        attempts: Counter = Counter()
        busy: set[_Worker] = set()

        def dispatch() -> None:
            while pending and (self.idle or len(busy) < self.size):
                worker = self.idle.popleft() if self.idle else self._start()
                student = pending.popleft()
                try:  # no sandbox started ahead once no student is left to give it
                    worker.send(self.assignment, student, ahead=bool(pending))
                except OSError:  # it died while idle: replace it
                    worker.stop()
                    pending.appendleft(student)
                    continue
                busy.add(worker)

        try:
            dispatch()
            while busy:
                worker, line = self._next_answer()
                if worker not in busy:
                    continue  # the end of a worker that was already replaced or stopped
                busy.discard(worker)
                if line is not None:
                    self.idle.append(worker)
                    on_result(worker.student, json.loads(line))
                else:  # the worker process died (killed, out of memory)
                    worker.stop()
                    attempts[worker.student] += 1
                    log.info("the worker grading %s died (attempt %d of %d)", worker.student,
                             attempts[worker.student], MAX_ATTEMPTS)
                    if attempts[worker.student] < MAX_ATTEMPTS:
                        pending.appendleft(worker.student)
                    else:
                        on_result(
                            worker.student,
                            {
                                "success": False,
                                "log": "",
                                "failure": {
                                    "kind": "GradingWorkerDied",
                                    "stage": "worker",
                                    "message": f"the grading process died {MAX_ATTEMPTS} "
                                    "times on this submission",
                                },
                            },
                        )
                dispatch()
        finally:
            for worker in busy:
                worker.stop()
