"""Does every valid nbformat 4 notebook grade as plain ``nbgrader autograde`` grades it?

The same submission, saved as nbformat 4.0, 4.1, 4.2 and 4.4 (which forbid cell ids), as 4.5
with ids, as 4.5 without ids (nbformat adds them when it reads) and as 4.5 with duplicate ids
(nbformat repairs them), is graded by ``customs-course grade autograde`` in the sandbox and by
plain nbgrader in another copy of the course: every cell must score the same, with the status
``graded``. The integrity probes once made every file below 4.5 ``tampered``.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.layout import prepare_assignment
from customs_course.grading.roster import import_roster

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

# right for squares, wrong for sum_of_squares: the scores are not all or nothing
ANSWERS = {
    "squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n"
    "    return [i * i for i in range(1, n + 1)]",
    "sum_of_squares": "def sum_of_squares(n):\n    return 0",
}
VERSIONS = {  # student -> (nbformat minor, cell ids: "yes", "none" or "duplicate")
    "v40": (0, "none"), "v41": (1, "none"), "v42": (2, "none"), "v44": (4, "none"),
    "v45": (5, "yes"), "v45_no_ids": (5, "none"), "v45_duplicate_ids": (5, "duplicate"),
}


def saved_as(release, minor: int, ids: str) -> bytes:
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.source = ANSWERS.get(grade_id, cell.source)
    raw = json.loads(nbformat.writes(notebook))
    raw["nbformat_minor"] = minor
    for cell in raw["cells"]:
        if ids == "none":
            cell.pop("id", None)
    if ids == "duplicate":
        for cell in raw["cells"]:
            cell["id"] = "same-id"
    return json.dumps(raw, indent=1).encode()


def submit(root, tmp_path, files: dict[str, bytes]) -> GradingCourse:
    course = GradingCourse.open(root)
    for student, data in files.items():
        folder = course.submission_dir(student, "ps1")
        folder.mkdir(parents=True)
        (folder / "problem1.ipynb").write_bytes(data)
    roster = tmp_path / f"roster_{root.name}.csv"
    roster.write_text("student_id\n" + "\n".join(files) + "\n")
    import_roster(roster, course_root=root)
    return course


def cell_scores(course: GradingCourse, students) -> dict[str, dict[str, float]]:
    with course.gradebook() as gradebook:
        return {
            student: {
                grade.name: grade.auto_score
                for grade in gradebook.find_submission_notebook("problem1", "ps1", student).grades
            }
            for student in students
        }


def test_does_every_nbformat_4_minor_grade_as_plain_nbgrader_grades_it(
    new_ps1_course, ps1_release, tmp_path
):
    files = {s: saved_as(ps1_release, *version) for s, version in VERSIONS.items()}
    for student, data in files.items():  # the files really are what their names say
        raw = json.loads(data)
        assert raw["nbformat_minor"] == VERSIONS[student][0]
        assert ("id" in raw["cells"][0]) == (VERSIONS[student][1] != "none")

    plain_root, ours_root = new_ps1_course(), new_ps1_course()
    plain = submit(plain_root, tmp_path, files)
    prepare_assignment(plain, "ps1")  # records the assignment, as generate_assignment does
    api = plain.api(plain.nbgrader_config())
    for student in files:
        result = api.autograde("ps1", student, force=True, create=True)
        assert result["success"], (student, result.get("log"), result.get("error"))

    ours = submit(ours_root, tmp_path, files)
    report = autograde("ps1", course_root=ours_root, workers=2, timeout=30, progress=False)
    outcomes = {o.student: o for o in report.outcomes}
    assert {s: (o.status.value, o.reason) for s, o in outcomes.items()} == {
        s: ("graded", "") for s in files
    }
    expected = cell_scores(plain, files)
    assert cell_scores(ours, files) == expected
    assert expected["v40"] == {"correct_squares": 2.0, "squares_invalid_input": 1.0,
                               "correct_sum_of_squares": 0.0, "sum_of_squares_equation": 0.0}
