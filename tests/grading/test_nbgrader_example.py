"""Does the workflow grade nbgrader's documented example shape (a "ps1" problem set)?

Autograded code answers with visible and hidden tests, and a written answer graded by hand.
"""

from __future__ import annotations

import copy
import csv
import html
import re

import nbformat
import pytest

from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.export import export_grades
from customs_course.grading.feedback import generate_feedback
from customs_course.grading.intake import collect_submissions
from customs_course.grading.roster import import_roster

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

ANSWERS = {
    "perfect": {
        "squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n"
        "    return [i * i for i in range(1, n + 1)]",
        "sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))",
        "sum_of_squares_equation": "Each term is at most n squared, and there are n of them.",
    },
    # right for the visible tests (n <= 3), wrong for the hidden ones (n = 10)
    "hidden_fail": {
        "squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n"
        "    return [i * i for i in range(1, min(n, 3) + 1)]",
        "sum_of_squares": "def sum_of_squares(n):\n    return sum(squares(n))",
        "sum_of_squares_equation": "Because.",
    },
    "wrong": {
        "squares": "def squares(n):\n    return []",
        "sum_of_squares": "def sum_of_squares(n):\n    return 0",
    },
    "blank": {},
}
# which autograded cells each student must pass, from the answers above
PASSES = {
    "perfect": {"correct_squares", "squares_invalid_input", "correct_sum_of_squares"},
    "hidden_fail": {"squares_invalid_input"},
    "wrong": set(),
    "blank": set(),
}
HIDDEN_CODE = ("squares(10)", "sum_of_squares(10)", "385", "BEGIN HIDDEN", "END HIDDEN")


def by_id(notebook, grade_id):
    return next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory, new_ps1_course, ps1_release):
    """Collect, autograde, write feedback and export a class of four ps1 students."""
    root = new_ps1_course()
    inbox = tmp_path_factory.mktemp("inbox")
    for student, answers in ANSWERS.items():
        notebook = copy.deepcopy(ps1_release)
        for grade_id, source in answers.items():
            by_id(notebook, grade_id).source = source
        nbformat.write(notebook, inbox / f"{student}_problem1.ipynb")
    (inbox / "roster.csv").write_text("student_id\n" + "\n".join(ANSWERS) + "\n")
    import_roster(inbox / "roster.csv", course_root=root)
    collect_submissions("ps1", inbox, course_root=root)
    report = autograde("ps1", course_root=root, workers=2, timeout=30, progress=False)
    pages = generate_feedback("ps1", course_root=root)
    export = export_grades("ps1", course_root=root)
    return root, report, pages, export


def text_of(page) -> str:
    """The text a student reads in an HTML page (syntax highlighting splits code in spans)."""
    body = re.sub(r"<(style|script)\b.*?</\1>", "", page.read_text(), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def rows(export) -> dict[str, dict]:
    with export.grades.open(newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("student", list(ANSWERS))
def test_does_each_student_get_the_points_of_the_tests_they_pass(graded, student, nb):
    _, report, _, export = graded
    row = rows(export)[student]
    autograded = [q for q in nb.points if q != "sum_of_squares_equation"]
    for question in autograded:
        expected = nb.points[question] if question in PASSES[student] else 0
        assert float(row[question]) == expected, question
    assert row["status"] == "graded" and row["reason"] == ""


def test_is_the_written_answer_left_to_the_grader_unless_blank(graded):
    _, _, _, export = graded
    table = rows(export)
    assert table["perfect"]["sum_of_squares_equation"] == ""
    assert table["perfect"]["manual_pending"] == "sum_of_squares_equation"
    assert table["blank"]["sum_of_squares_equation"] == "0"  # no response: nbgrader gives 0
    assert table["wrong"]["manual_pending"] == ""


def test_does_no_feedback_page_show_hidden_test_code(graded, nb):
    _, _, pages, _ = graded
    assert len(pages) == len(ANSWERS)
    for page in pages:
        text = text_of(page)
        for code in (*HIDDEN_CODE, nb.secret):
            assert code not in text, f"{code!r} in {page}"


def test_does_feedback_show_scores_and_visible_failure_messages(graded):
    root, _, pages, _ = graded
    feedback = {page.parts[-3]: text_of(page) for page in pages}
    assert re.search(r"Score: 0\.0 / 2\.0", feedback["wrong"])
    assert "squares(3) should be [1, 4, 9]" in feedback["wrong"]
    assert "A hidden test failed (AssertionError)" in feedback["hidden_fail"]
    assert "A hidden test failed" not in feedback["perfect"]


def test_would_nbgraders_own_feedback_show_the_hidden_tests(graded):
    """Why StudentFeedback exists: nbgrader 0.9.6 alone puts hidden tests in the feedback."""
    root, _, _, _ = graded
    course = GradingCourse.open(root)
    config = course.nbgrader_config(CourseDirectory={"feedback_directory": "grading/plain"})
    assert course.api(config).generate_feedback("ps1", "hidden_fail", force=True)["success"]
    plain = text_of(root / "grading" / "plain" / "hidden_fail" / "ps1" / "problem1.html")
    assert "squares(10)" in plain and "BEGIN HIDDEN TESTS" in plain


def test_does_a_manual_grade_reach_the_export_and_survive_a_regrade(graded, nb):
    root, _, _, _ = graded
    course = GradingCourse.open(root)
    with course.gradebook() as gradebook:
        grade = gradebook.find_grade("sum_of_squares_equation", "problem1", "ps1", "perfect")
        grade.manual_score = 1.5
        gradebook.db.commit()
    autograde("ps1", course_root=root, force=True, students=["perfect"], progress=False)
    row = rows(export_grades("ps1", course_root=root))["perfect"]
    assert row["sum_of_squares_equation"] == "1.5" and row["manual_pending"] == ""
    autograded = sum(v for k, v in nb.points.items() if k != "sum_of_squares_equation")
    assert float(row["total"]) == autograded + 1.5
