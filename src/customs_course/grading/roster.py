"""Read a class roster (CSV) and record its students in the gradebook.

The roster is a CSV file with a header row; only the student id is required. Accepted column
names (any case; spaces, dashes and underscores are the same):

- student id: ``student_id``, ``id``, ``username``, ``login``
- first name: ``first_name``, ``firstname``, ``given_name``
- last name: ``last_name``, ``lastname``, ``surname``, ``family_name``
- email: ``email``, ``e_mail``, ``email_address``

Commas or semicolons (as spreadsheet programs write in many countries) both work, and so does
the UTF-8 byte-order mark that Excel adds. A student id becomes a folder name, so it must be a
safe one: letters, digits, ``.``, ``_``, ``-`` or ``@``, starting with a letter or a digit, at
most 64 characters. Ids that differ only by case are refused (they would share a folder on
Windows and macOS).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from customs_course.grading.course import GradingCourse, GradingError

SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}
COLUMNS = {
    "id": ("student_id", "id", "username", "login"),
    "first_name": ("first_name", "firstname", "given_name"),
    "last_name": ("last_name", "lastname", "surname", "family_name"),
    "email": ("email", "e_mail", "email_address"),
}


@dataclass(frozen=True)
class Student:
    """One row of the roster."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


def check_student_id(student_id: str) -> str | None:
    """Return why ``student_id`` is not a safe folder name, or None when it is."""
    if not student_id:
        return "the student id is empty"
    if "/" in student_id or "\\" in student_id or ".." in student_id:
        return f"student id {student_id!r} is a path, not an id (path traversal is refused)"
    if not SAFE_ID.fullmatch(student_id):
        return (
            f"student id {student_id!r} is not a safe folder name: use letters, digits, "
            "'.', '_', '-' or '@', start with a letter or a digit, at most 64 characters"
        )
    if student_id.split(".")[0].lower() in WINDOWS_RESERVED:
        return f"student id {student_id!r} is a reserved file name on Windows"
    return None


def _normalise(header: str) -> str:
    return re.sub(r"[\s\-_]+", "_", header.strip().lower())


def read_roster(path: Path | str) -> list[Student]:
    """Read and validate a roster CSV file.

    Parameters
    ----------
    path : Path or str
        The CSV file.

    Returns
    -------
    list of Student
        One per row, in file order.

    Raises
    ------
    GradingError
        Listing every problem with its line number (unsafe or duplicate ids, no id column).
    """
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"No roster file {path}: export the class list as CSV and pass it.")
    text = path.read_text(encoding="utf-8-sig")
    first_line = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    headers = {_normalise(h): h for h in reader.fieldnames or [] if h}
    found = {}
    for field, names in COLUMNS.items():
        found[field] = next((headers[n] for n in names if n in headers), None)
    if found["id"] is None:
        raise GradingError(
            f"{path} has no student id column; name one of its headers "
            f"{', '.join(COLUMNS['id'])} (found: {', '.join(reader.fieldnames or []) or 'none'})."
        )
    students: list[Student] = []
    problems: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    for line, row in enumerate(reader, start=2):
        values = {f: (row.get(col) or "").strip() if col else "" for f, col in found.items()}
        if not any(values.values()):
            continue
        why = check_student_id(values["id"])
        if why:
            problems.append(f"line {line}: {why}")
            continue
        key = values["id"].lower()
        if key in seen:
            first_line, first_id = seen[key]
            note = (
                ""
                if first_id == values["id"]
                else f" as {first_id!r} (ids may not differ only by case)"
            )
            problems.append(
                f"line {line}: student id {values['id']!r} already on line {first_line}{note}"
            )
            continue
        seen[key] = (line, values["id"])
        students.append(Student(**values))
    if problems:
        raise GradingError(f"{path} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    if not students:
        raise GradingError(f"{path} lists no student.")
    return students


def import_roster(path: Path | str, *, course_root: Path | None = None) -> list[Student]:
    """Record the students of a roster CSV in the gradebook (new ones added, names updated).

    Students already in the gradebook but absent from this roster are kept: their grades stay.

    Returns
    -------
    list of Student
        The students of the file.
    """
    students = read_roster(path)
    course = GradingCourse.open(course_root)
    with course.gradebook() as gradebook:
        for student in students:
            gradebook.update_or_create_student(
                student.id,
                first_name=student.first_name or None,
                last_name=student.last_name or None,
                email=student.email or None,
            )
    return students


def roster_of(course: GradingCourse) -> list[Student]:
    """Return the students recorded in the gradebook, sorted by id."""
    with course.gradebook() as gradebook:
        rows = [
            Student(s.id, s.first_name or "", s.last_name or "", s.email or "")
            for s in gradebook.students
        ]
    return sorted(rows, key=lambda s: s.id)
