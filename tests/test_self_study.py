"""Can a learner alone tell right from wrong in a level 2 exercise, and read a worked solution
after an attempt, while the student version holds no solution?

- every graded test cell of a level 2 exercise is followed by a self-study check, whose question
  exists and says "Correct" for the instructor's solution and "Not yet" for a wrong answer;
- each code solution is on the exercise's worked-solution page, folded (a dropdown that opens
  on a click), and no solution code is anywhere in exercises/.

The worked solutions are folded and labelled "after you have tried"; the page does not check
that an attempt was made (the browser keeps no record of it here).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from customs_course.grading.simulate import strip_markers, wrong_answer
from customs_course.selfcheck import load_questions

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("level2_first_look", "level2_data_quality")
CHECK_CALL = re.compile(r'check\("([\w-]+)", (.+)\)$')
DROPDOWN = re.compile(
    r"^````\{admonition\} Show [^\n]*after you have [^\n]*\n:class: dropdown\n(.*?)^````$",
    re.DOTALL | re.MULTILINE,
)
PYTHON = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def source(assignment: str) -> nbformat.NotebookNode:
    [path] = (ROOT / "solutions" / assignment).glob("*.ipynb")
    return nbformat.read(path, 4)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_self_study(cell) -> bool:
    return "self-study" in cell.metadata.get("tags", [])


def self_study_checks(cell) -> list[tuple[str, str]]:
    """The (question id, answer expression) pairs that a self-study cell checks."""
    calls = []
    for line in cell.source.splitlines():
        if line.startswith("print(") and line.endswith(")"):
            line = line.removeprefix("print(")[:-1]
        if match := CHECK_CALL.match(line):
            calls.append((match[1], match[2]))
    return calls


def solutions(assignment: str) -> dict[str, str]:
    """Each code answer's solution, by grade id."""
    return {
        grade_id(c): strip_markers(c.source).strip()
        for c in source(assignment).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_is_every_graded_test_followed_by_a_self_study_check(assignment):
    cells = source(assignment).cells
    questions = load_questions()
    for index, cell in enumerate(cells):
        if not cell.metadata.get("nbgrader", {}).get("grade") or cell.cell_type != "code":
            continue
        after = cells[index + 1] if index + 1 < len(cells) else None
        assert after is not None and is_self_study(after), (
            f"{assignment}: test {grade_id(cell)} has no self-study check after it"
        )
        checks = self_study_checks(after)
        assert checks, f"{assignment}: the cell after {grade_id(cell)} calls no check()"
        for question_id, _ in checks:
            assert question_id in questions, f"{question_id} is not in a selfcheck.yml"
            assert question_id.startswith("l2-ex-")


def run_cells(cells, namespace: dict, answers: dict[str, str] | None = None) -> dict:
    """Run an exercise's code cells in-process; ``answers`` replaces answer cells by grade id.

    Self-study and graded test cells are skipped: the checks are evaluated by the caller.
    """
    for cell in cells:
        if cell.cell_type != "code" or is_self_study(cell):
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            continue
        code = cell.source
        if meta.get("solution"):
            code = strip_markers(code) if answers is None else answers[grade_id(cell)]
        exec(compile(code, grade_id(cell) or "cell", "exec"), namespace)  # the instructor's code
    return namespace


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def solved(request):
    cells = source(request.param).cells
    right = run_cells(cells, {})
    wrong_answers = {g: wrong_answer(code) for g, code in solutions(request.param).items()}
    wrong = run_cells(cells, {}, wrong_answers)
    return cells, right, wrong


def test_does_each_check_say_correct_for_the_solution_and_not_yet_for_a_wrong_answer(solved):
    cells, right, wrong = solved
    for cell in filter(is_self_study, cells):
        for question_id, expression in self_study_checks(cell):
            result = eval(f'check("{question_id}", {expression})', right)
            assert result.correct, f"{question_id} says {result!r} for the solution"
            try:  # the simulated class's wrong answer: every name bound to None
                result = eval(f'check("{question_id}", {expression})', wrong)
            except (AttributeError, TypeError, IndexError, KeyError):
                continue  # an answer of the wrong type stops the check cell: not a "Correct"
            assert not result.correct, f"{question_id} says Correct for a wrong answer"


def test_does_a_near_miss_get_not_yet(solved):
    """One line too few or a rounded share is wrong, not right: the checks are exact."""
    cells, right, _ = solved
    if "top_red_origins" in right:
        nearly = right["top_red_origins"].head(4)
        assert not right["check"]("l2-ex-first-look-q3", nearly.index).correct
        assert not right["check"]("l2-ex-first-look-q2", round(right["red_share"], 2) + 0.01)
    else:
        flagged = right["extraction"].index[right["bad_date"]]
        assert not right["check"]("l2-ex-data-quality-q4", flagged[:-1]).correct
        assert right["check"]("l2-ex-data-quality-q4", flagged).correct


def worked_page(assignment: str) -> str:
    return (ROOT / "book" / "selfstudy" / f"{assignment}.md").read_text()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_is_each_solution_on_the_worked_solution_page_folded(assignment):
    page = worked_page(assignment)
    folded = DROPDOWN.findall(page)
    folded_code = [code.strip() for block in folded for code in PYTHON.findall(block)]
    for grade, code in solutions(assignment).items():
        assert code in folded_code, (
            f"{assignment} {grade}: its solution is not, word for word, in a folded block of "
            f"book/selfstudy/{assignment}.md"
        )
    outside = DROPDOWN.sub("", page)
    assert not PYTHON.findall(outside), "a solution shown outside a folded block"
    n_questions = len(re.findall(r"^## Question \d+", page, re.MULTILINE))
    assert len(folded) == n_questions, "one folded block per question"


def test_does_the_page_check_catch_an_unfolded_solution():
    page = worked_page("level2_first_look")
    unfolded = page.replace(":class: dropdown\n", "\n", 1)
    assert len(DROPDOWN.findall(unfolded)) == len(DROPDOWN.findall(page)) - 1


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_is_no_worked_solution_code_in_the_student_versions(assignment):
    lines = {
        line.strip()
        for block in DROPDOWN.findall(worked_page(assignment))
        for code in PYTHON.findall(block)
        for line in code.splitlines()
        if len(line.strip()) >= 15  # short lines such as ")" prove nothing
    }
    assert lines
    for path in (ROOT / "exercises").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for line in lines:
                assert line not in text, f"solution line {line!r} is in {path.relative_to(ROOT)}"


def test_are_the_self_study_pages_in_the_book_and_linked_from_level_2():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    level = (ROOT / "book" / "levels" / "level2_secretariat.md").read_text()
    for assignment in ASSIGNMENTS:
        assert f"file: book/selfstudy/{assignment}" in toc
    for label in ("sol-l2-first-look", "sol-l2-data-quality", "spreadsheet-to-pandas",
                  "l2-python-first-steps"):
        assert f"<{label}>`" in level or f"`{label}`" in level, label
