"""Are the summary's distribution and pass rates computed right, and the progress bar drawn?"""

from __future__ import annotations

import io

from customs_course.grading.export import summarise
from customs_course.grading.progress import ProgressBar


def row(status, q1, q2):
    return {"status": status, "q1": q1, "q2": q2, "total": (q1 or 0) + (q2 or 0)}


def test_are_pass_rates_counted_over_graded_submissions_only():
    rows = [
        row("graded", 2.0, 3.0),
        row("graded", 2.0, 1.0),
        row("timeout", 0.0, None),  # q2 still to grade by hand
        row("missing", 0.0, 0.0),
        row("corrupt", 0.0, 0.0),
    ]
    text, table = summarise(rows, {"q1": 2.0, "q2": 3.0}, "demo")
    q1, q2 = table
    assert (q1["graded"], q1["passed"], q1["pass_rate"]) == (3, 2, round(2 / 3, 4))
    assert (q2["graded"], q2["passed"], q2["pass_rate"]) == (2, 1, 0.5)
    assert "demo: 5 students, 3 graded by nbgrader, maximum 5 points" in text


def test_does_the_distribution_count_every_student_once():
    rows = [row("graded", 2.0, 3.0), row("graded", 0.0, 0.0), row("missing", 0.0, 0.0)]
    text, _ = summarise(rows, {"q1": 2.0, "q2": 3.0}, "demo")
    bands = [line for line in text.splitlines() if " to " in line]
    assert len(bands) == 10
    assert sum(int(line.split()[-1]) for line in bands) == len(rows)
    assert bands[0].split()[-1] == "2" and bands[-1].split()[-1] == "1"


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_does_the_progress_bar_redraw_one_line_on_a_terminal():
    stream = FakeTerminal()
    bar = ProgressBar(4, stream=stream)
    for _ in range(4):
        bar.advance("x")
    bar.close()
    assert stream.getvalue().count("\r") == 5 and stream.getvalue().endswith("\n")
    assert "4/4 graded" in stream.getvalue()


def test_does_the_progress_bar_write_plain_lines_in_a_log():
    stream = io.StringIO()
    bar = ProgressBar(2, stream=stream)
    bar.advance("s1: graded")
    bar.advance("s2: timeout", flagged=True)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[1].endswith("s2: timeout") and "1 flagged" in lines[1]
