"""Is a poisoned submission that student's failure alone, with a reason, on every run?

Files built to break a parser (deep nesting, huge integers, NaN, metadata of the wrong types,
a source that is a list of numbers, a file of hundreds of megabytes) must each become the
student's ``corrupt`` status with a reason, never an exception; an unexpected error while
reading or recording one student becomes their ``grading_error``, naming them; and a class
with such files beside honest students is graded in full, on every rerun.
"""

from __future__ import annotations

import copy
import json
import tracemalloc

import nbformat
import pytest

from customs_course.grading.autograde import autograde
from customs_course.grading.checks import check_submission
from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.layout import layout_of
from customs_course.grading.results import (
    Outcome,
    Oversized,
    files_sha256,
    load_outcome,
    max_submission_bytes,
    read_submitted,
    save_outcome,
)
from customs_course.grading.roster import import_roster
from customs_course.grading.status import Finding, Status


def release_json(release) -> dict:
    return json.loads(nbformat.writes(release))


def with_cell(release, key, value, *, where="metadata", grade_id="squares") -> bytes:
    raw = release_json(release)
    cell = next(c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
                == grade_id)
    if where == "metadata":
        cell["metadata"]["nbgrader"][key] = value
    else:
        cell[key] = value
    return json.dumps(raw).encode()


def poisons(release) -> dict[str, tuple[bytes, str]]:
    """name -> (file content, a part of the reason it must get)."""
    raw = release_json(release)
    nan = json.dumps(raw).replace('"metadata": {', '"metadata": {"x": NaN, ', 1)
    huge = json.dumps(raw).replace('"metadata": {', '"metadata": {"x": ' + "9" * 5000 + ", ", 1)
    metadata_list = copy.deepcopy(raw)
    metadata_list["cells"][0]["metadata"] = []
    nbgrader_string = copy.deepcopy(raw)
    nbgrader_string["cells"][2]["metadata"]["nbgrader"] = "yes"
    kernelspec = copy.deepcopy(raw)
    kernelspec["metadata"]["kernelspec"] = 5
    return {
        "deeply_nested": (b'{"nbformat": 4, "cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
                          "nested too deeply"),
        "huge_integer": (huge.encode(), "not a notebook: Exceeds the limit"),
        "huge_nbformat": (b'{"nbformat": ' + b"4" * 4000 + b"}", "wrong nbformat of another kind"),
        "nan": (nan.encode(), "NaN is not allowed in JSON"),
        "infinite_points": (with_cell(release, "points", "INF", grade_id="correct_squares")
                            .replace(b'"INF"', b"1e400"), "points inf is not a number"),
        "source_of_numbers": (with_cell(release, "source", [1, 2], where="cell"), "schema"),
        "metadata_a_list": (json.dumps(metadata_list).encode(), "schema"),
        "kernelspec_a_number": (json.dumps(kernelspec).encode(), "schema"),
        "grade_id_a_list": (with_cell(release, "grade_id", ["squares"]), "grade_id is a list"),
        "nbgrader_a_string": (json.dumps(nbgrader_string).encode(), "not a mapping"),
        "points_not_a_number": (with_cell(release, "points", "two", grade_id="correct_squares"),
                                "points 'two' is not a number"),
        "nbformat_true": (json.dumps({**raw, "nbformat": True}).encode(), "wrong nbformat"),
    }


@pytest.fixture(scope="module")
def layout(ps1_release):
    return layout_of(ps1_release, "problem1")


def test_does_every_poison_become_corrupt_with_its_reason(ps1_release, layout):
    for name, (data, words) in poisons(ps1_release).items():
        findings = check_submission({"problem1": data}, [layout])
        assert [f.status for f in findings] == [Status.CORRUPT], (name, findings)
        assert words in findings[0].reason, (name, findings[0].reason)


def test_does_the_untouched_release_still_pass(ps1_release, layout):
    assert check_submission({"problem1": nbformat.writes(ps1_release).encode()}, [layout]) == []


def test_is_a_huge_file_refused_without_being_read_into_memory(tmp_path, layout):
    path = tmp_path / "problem1.ipynb"
    with path.open("wb") as handle:  # a sparse file: 300 MB that take no disk
        handle.truncate(300 * 2**20)
    limit = 50 * 2**20
    tracemalloc.start()
    data = read_submitted(path, limit)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert isinstance(data, Oversized) and data.size == 300 * 2**20
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MB held to refuse it"
    [finding] = check_submission({"problem1": data}, [layout])
    assert finding.status is Status.CORRUPT
    assert "300.0 MB, more than the 50 MB" in finding.reason
    assert "clear the outputs" in finding.reason
    assert files_sha256({"problem1": data}) != files_sha256({"problem1": b""})
    small = tmp_path / "small.ipynb"
    small.write_bytes(b"x" * limit)
    assert read_submitted(small, limit) == b"x" * limit  # the limit itself is allowed


def test_is_the_size_limit_configurable_and_checked(ps1_course):
    root = ps1_course
    config = root / "grading" / "nbgrader_config.py"
    assert max_submission_bytes(GradingCourse.open(root)) == 50 * 2**20
    config.write_text("c = get_config()  # noqa\nc.Submission.max_mb = 0.5\n")
    assert max_submission_bytes(GradingCourse.open(root)) == 2**19
    config.write_text("c = get_config()  # noqa\nc.Submission.max_mb = 'lots'\n")
    with pytest.raises(GradingError, match="not a number of megabytes"):
        max_submission_bytes(GradingCourse.open(root))


def test_is_an_unreadable_ledger_entry_regraded_not_fatal(ps1_course):
    course = GradingCourse.open(ps1_course)
    save_outcome(course, "ps1", Outcome("s1", [Finding(Status.GRADED, "")]))
    assert load_outcome(course, "ps1", "s1").student == "s1"
    path = course.results("ps1") / "students" / "s1.json"
    for garbage in ("{", "[]", '{"student": "s1"}', "[" * 100_000):
        path.write_text(garbage)
        assert load_outcome(course, "ps1", "s1") is None


SOLVED = {
    "squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n"
    "    return [i * i for i in range(1, n + 1)]",
    "sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))",
}


@pytest.mark.notebooks
@pytest.mark.slow
def test_is_a_class_with_poisoned_files_graded_in_full_on_every_run(
    ps1_course, ps1_release, tmp_path, monkeypatch
):
    course = GradingCourse.open(ps1_course)
    (course.grading / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\nc.Submission.max_mb = 1\n"
    )
    honest = copy.deepcopy(ps1_release)
    for cell in honest.cells:
        cell.source = SOLVED.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
    big = copy.deepcopy(honest)
    big.cells.append(nbformat.v4.new_markdown_cell("x" * 2 * 2**20))
    files = {name: data for name, (data, _) in poisons(ps1_release).items()}
    files |= {"honest1": nbformat.writes(honest).encode(),
              "honest2": nbformat.writes(honest).encode(),
              "oversized": nbformat.writes(big).encode(),
              "bug_reading": nbformat.writes(honest).encode() + b" ",  # its own bytes
              "bug_recording": nbformat.writes(honest).encode()}
    for student, data in files.items():
        folder = course.submission_dir(student, "ps1")
        folder.mkdir(parents=True)
        (folder / "problem1.ipynb").write_bytes(data)
    (tmp_path / "roster.csv").write_text("student_id\n" + "\n".join(files) + "\n")
    import_roster(tmp_path / "roster.csv", course_root=ps1_course)

    # a bug of the grader's meeting one student's file, before and after nbgrader ran
    from customs_course.grading import autograde as module

    real_check, real_inspect = module.check_submission, module.inspect_autograded

    def check(found, layouts):
        if found["problem1"] == files["bug_reading"]:
            raise RecursionError("maximum recursion depth exceeded")
        return real_check(found, layouts)

    def inspect(path, layout, *, timeout):
        if "bug_recording" in path.parts:
            raise ValueError("unexpected output")
        return real_inspect(path, layout, timeout=timeout)

    monkeypatch.setattr(module, "check_submission", check)
    monkeypatch.setattr(module, "inspect_autograded", inspect)

    expected = {name: "corrupt" for name in poisons(ps1_release)}
    expected |= {"honest1": "graded", "honest2": "graded", "oversized": "corrupt",
                 "bug_reading": "grading_error", "bug_recording": "grading_error"}
    for run in range(2):
        report = autograde("ps1", course_root=ps1_course, workers=2, timeout=30, progress=False,
                           force=run == 0)
        outcomes = {o.student: o for o in report.outcomes}
        statuses = {s: load_outcome(course, "ps1", s).status.value for s in files}
        assert statuses == expected, run
        if run == 0:
            assert sorted(outcomes) == sorted(files)
        else:  # only the grading errors are tried again
            assert sorted(outcomes) == ["bug_reading", "bug_recording"]
        for student in ("bug_reading", "bug_recording"):
            reason = load_outcome(course, "ps1", student).reason
            assert f"{student}'s submission failed" in reason and "Rerun autograde" in reason
            log = (course.results("ps1") / "logs" / f"{student}.log").read_text()
            assert "Traceback" in log
    assert "too large to grade" in load_outcome(course, "ps1", "oversized").reason
    with course.gradebook() as gradebook:
        for student in ("honest1", "honest2"):
            assert gradebook.find_submission("ps1", student).score == 5.0
