"""Does ``customs-course grade`` offer one command per step and explain mistakes?"""

from __future__ import annotations

import subprocess
import sys

import pytest

from customs_course.cli import main


def test_does_help_list_every_group_and_grading_step():
    result = subprocess.run(
        [sys.executable, "-m", "customs_course.cli", "grade", "--help"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    for step in ("import-roster", "collect", "autograde", "feedback", "export", "simulate"):
        assert step in result.stdout
    top = subprocess.run(
        [sys.executable, "-m", "customs_course.cli", "--help"], capture_output=True, text=True
    )
    assert all(group in top.stdout for group in ("datasets", "assignments", "grade"))


def test_are_autograde_options_parsed():
    from customs_course.cli import build_parser

    args = build_parser().parse_args(
        [
            "grade",
            "autograde",
            "a1",
            "--workers",
            "3",
            "--timeout",
            "7.5",
            "--force",
            "--student",
            "s1",
            "--student",
            "s2",
            "--course-root",
            "/tmp/x",
        ]
    )
    assert (args.workers, args.timeout, args.force, args.student) == (3, 7.5, True, ["s1", "s2"])
    assert str(args.course_root) == "/tmp/x"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["collect", "ps1", "."], "import the roster first"),
        (["autograde", "ps1"], "import the roster first"),
        (["import-roster", "missing.csv"], "No roster file"),
    ],
)
def test_does_a_mistake_exit_2_with_a_message_saying_what_to_do(ps1_course, capsys, argv, message):
    code = main(["grade", *argv, "--course-root", str(ps1_course)])
    assert code == 2
    assert message in capsys.readouterr().err


def test_does_an_unknown_assignment_name_the_known_ones(ps1_course, roster, tmp_path, capsys):
    assert (
        main(
            [
                "grade",
                "import-roster",
                str(roster(tmp_path / "r.csv", ["s1"])),
                "--course-root",
                str(ps1_course),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["grade", "autograde", "nope", "--course-root", str(ps1_course)]) == 2
    err = capsys.readouterr().err
    assert "No assignment 'nope'" in err and "known assignments: ps1" in err


def test_does_a_folder_without_solutions_get_a_clear_error(tmp_path, capsys):
    assert main(["grade", "export", "ps1", "--course-root", str(tmp_path)]) == 2
    assert "has no solutions/ folder" in capsys.readouterr().err
