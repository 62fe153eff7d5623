"""The worker pool's dispatch, with stand-in workers (the real ones are in the end-to-end tests)."""

from __future__ import annotations

import json

from customs_course.grading.pool import WorkerPool


class FakeWorker:
    """Answers each student at once and records whether it was asked to start ahead."""

    def __init__(self, pool: WorkerPool, sent: list) -> None:
        self.pool, self.sent, self.student = pool, sent, None

    def send(self, assignment: str, student: str, ahead: bool = True) -> None:
        self.student = student
        self.sent.append((student, ahead))
        self.pool.answers.put((self, json.dumps({"student": student, "success": True})))

    def stop(self) -> None:
        pass


def test_is_no_sandbox_started_ahead_once_no_student_is_left():
    pool = WorkerPool(None, "ps1", workers=2, timeout=None)
    sent: list = []
    pool.idle.extend(FakeWorker(pool, sent) for _ in range(2))
    graded = []
    pool.grade([f"s{i}" for i in range(1, 6)], lambda student, result: graded.append(student))
    assert sorted(graded) == ["s1", "s2", "s3", "s4", "s5"]
    # every student but the last leaves someone to start a sandbox for
    assert sent == [("s1", True), ("s2", True), ("s3", True), ("s4", True), ("s5", False)]
