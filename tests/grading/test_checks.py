"""Is every kind of bad submission classified, with a reason, before grading?"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from customs_course.grading.checks import check_notebook, check_submission, inspect_autograded
from customs_course.grading.layout import layout_of
from customs_course.grading.status import Status, most_severe


@pytest.fixture
def release(ps1_release):
    return copy.deepcopy(ps1_release)


@pytest.fixture
def layout(release):
    return layout_of(release, "problem1")


def by_id(notebook, grade_id):
    return next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def status_of(notebook_or_bytes, layout):
    data = notebook_or_bytes
    if not isinstance(data, bytes):
        data = nbformat.writes(notebook_or_bytes).encode()
    findings = check_notebook(data, layout)
    return most_severe([f.status for f in findings]), findings


def test_does_the_untouched_student_version_pass_every_check(release, layout):
    status, findings = status_of(release, layout)
    assert (status, findings) == (Status.GRADED, [])


def test_do_extra_cells_and_answers_pass_every_check(release, layout, nb):
    student = copy.deepcopy(release)
    by_id(student, "squares").source = "def squares(n):\n    return [1]"
    student.cells.insert(3, nbformat.v4.new_code_cell("print('trying things')"))
    assert status_of(student, layout) == (Status.GRADED, [])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not text"),
        (b'{"cells": [', "not JSON"),
        (b"[1, 2, 3]", "JSON without the nbformat"),
        (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}).encode(), "nbformat 3"),
        (json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": "oops"}).encode(), "schema"),
    ],
)
def test_is_a_corrupt_file_classified_corrupt_with_its_reason(data, words, layout):
    status, findings = status_of(data, layout)
    assert status is Status.CORRUPT
    assert words in findings[0].reason


def test_is_damaged_nbgrader_metadata_flagged(release, layout):
    student = copy.deepcopy(release)
    del by_id(student, "correct_squares").metadata.nbgrader["points"]
    status, findings = status_of(student, layout)
    assert {f.status for f in findings} == {Status.TEST_CELL_EDITED, Status.CELLS_CHANGED}
    assert "does not have points" in findings[-1].reason


def test_is_a_notebook_of_another_assignment_recognised(layout, nb):
    other = nb.notebook([nb.answer("q1", "x = 1"), nb.test("q1_test", "assert x == 1", 1)])
    status, findings = status_of(other, layout)
    assert status is Status.WRONG_ASSIGNMENT and "q1, q1_test" in findings[0].reason


def test_is_a_fresh_notebook_without_graded_cells_wrong_assignment(layout, nb):
    status, findings = status_of(nb.notebook([nbformat.v4.new_code_cell("x = 1")]), layout)
    assert status is Status.WRONG_ASSIGNMENT and "no graded cell" in findings[0].reason


def test_are_deleted_cells_named(release, layout):
    student = copy.deepcopy(release)
    student.cells = [
        c
        for c in student.cells
        if c.metadata.get("nbgrader", {}).get("grade_id")
        not in ("sum_of_squares", "correct_sum_of_squares")
    ]
    status, findings = status_of(student, layout)
    assert status is Status.CELLS_CHANGED
    assert findings[0].reason == "deleted cells: sum_of_squares, correct_sum_of_squares"


def test_are_reordered_cells_detected(release, layout):
    student = copy.deepcopy(release)
    test = by_id(student, "correct_squares")
    student.cells.remove(test)
    student.cells.insert(0, test)
    status, findings = status_of(student, layout)
    assert status is Status.CELLS_CHANGED and "reordered" in findings[0].reason


def test_is_an_answer_cell_turned_into_markdown_detected(release, layout):
    student = copy.deepcopy(release)
    cell = by_id(student, "squares")
    student.cells[student.cells.index(cell)] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata
    )
    status, findings = status_of(student, layout)
    assert status is Status.CELLS_CHANGED and "from a code answer cell" in findings[0].reason


@pytest.mark.parametrize("edit", ["source", "points"])
def test_is_an_edited_test_cell_detected(release, layout, edit):
    student = copy.deepcopy(release)
    cell = by_id(student, "correct_squares")
    if edit == "source":
        cell.source = "pass"
    else:
        cell.metadata.nbgrader["points"] = 200
    status, findings = status_of(student, layout)
    assert status is Status.TEST_CELL_EDITED and "correct_squares" in findings[0].reason


def test_is_an_edited_instruction_cell_only_a_note(release, layout):
    student = copy.deepcopy(release)
    by_id(student, "intro").source = "# My homework"
    status, findings = status_of(student, layout)
    assert status is Status.GRADED and "intro edited" in findings[0].reason


def test_is_a_student_without_any_file_missing(layout):
    findings = check_submission({"problem1": None}, [layout])
    assert [f.status for f in findings] == [Status.MISSING]


def test_is_a_cell_interrupted_by_the_timeout_found_after_grading(tmp_path, release, layout):
    graded = copy.deepcopy(release)
    cell = by_id(graded, "squares")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])
    ]
    path = tmp_path / "problem1.ipynb"
    nbformat.write(graded, path)
    [finding] = inspect_autograded(path, layout, timeout=3)
    assert (
        finding.status is Status.TIMEOUT and "squares" in finding.reason and "3 s" in finding.reason
    )


def test_is_a_passing_test_that_wrote_to_stderr_flagged(tmp_path, release, layout):
    graded = copy.deepcopy(release)
    by_id(graded, "correct_squares").outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="FutureWarning: ...")
    ]
    path = tmp_path / "problem1.ipynb"
    nbformat.write(graded, path)
    [finding] = inspect_autograded(path, layout, timeout=None)
    assert finding.status is Status.GRADED and "stderr" in finding.reason
