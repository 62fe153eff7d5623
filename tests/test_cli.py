"""Does the command-line interface answer, and explain bad input?"""

from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "customs_course.cli", *args], capture_output=True, text=True
    )


def test_does_help_list_the_command_groups():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "datasets" in result.stdout and "assignments" in result.stdout


def test_does_an_unknown_assignment_get_a_message_naming_the_known_ones():
    result = run_cli("assignments", "generate", "no_such_assignment")
    assert result.returncode == 2
    assert "No assignment no_such_assignment" in result.stderr
    assert "level2_first_look" in result.stderr
