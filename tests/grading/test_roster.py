"""Is a class roster read leniently but safely, and recorded in the gradebook?"""

from __future__ import annotations

import pytest

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.roster import check_student_id, import_roster, read_roster, roster_of


def write(tmp_path, text: str, encoding="utf-8"):
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_does_a_spreadsheet_export_with_semicolons_and_a_bom_read_right(tmp_path):
    path = write(tmp_path, "\ufeffStudent ID;First Name;Surname;E-mail\ns01;Ana;Lima;a@x.org\n")
    [student] = read_roster(path)
    assert (student.id, student.first_name, student.last_name, student.email) == (
        "s01",
        "Ana",
        "Lima",
        "a@x.org",
    )


def test_is_a_roster_of_ids_only_enough(tmp_path):
    students = read_roster(write(tmp_path, "username\njane.doe@example.org\nx-17\n\n"))
    assert [s.id for s in students] == ["jane.doe@example.org", "x-17"]


@pytest.mark.parametrize(
    "bad",
    ["../etc", "a/b", "a\\b", "..", ".hidden", "-rf", "with space", "CON", "a" * 65, "é1"],
)
def test_is_every_unsafe_student_id_refused(bad):
    assert check_student_id(bad) is not None


def test_does_the_error_name_every_bad_line_and_say_what_is_allowed(tmp_path):
    path = write(tmp_path, "student_id\ns01\n../../etc/passwd\ns01\nS01\nok_2\n")
    with pytest.raises(GradingError) as error:
        read_roster(path)
    message = str(error.value)
    assert "line 3" in message and "path traversal" in message
    assert "line 4" in message and "already on line 2" in message
    assert "line 5" in message and "only by case" in message
    assert "ok_2" not in message


def test_does_a_roster_without_an_id_column_name_the_accepted_headers(tmp_path):
    with pytest.raises(GradingError, match="student_id, id, username, login"):
        read_roster(write(tmp_path, "name,mail\nAna,a@x.org\n"))


def test_does_a_missing_roster_file_say_what_to_do(tmp_path):
    with pytest.raises(GradingError, match="export the class list as CSV"):
        read_roster(tmp_path / "nope.csv")


def test_are_students_recorded_and_kept_when_a_later_roster_drops_them(ps1_course, tmp_path):
    import_roster(
        write(tmp_path, "student_id,first_name\ns01,Ana\ns02,Bo\n"), course_root=ps1_course
    )
    import_roster(write(tmp_path, "student_id,first_name\ns02,Bob\n"), course_root=ps1_course)
    students = {s.id: s for s in roster_of(GradingCourse.open(ps1_course))}
    assert sorted(students) == ["s01", "s02"]
    assert students["s02"].first_name == "Bob"
