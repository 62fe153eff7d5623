"""Do the three places that pin the stack agree?"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for line in requirements:
        match = PIN.match(line.strip())
        if match:
            found[normalise(match.group(1))] = match.group(2)
    return found


def pyproject_dependencies() -> list[str]:
    """The learner's dependencies and the extras (dev: the book and the tests)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return project["dependencies"] + [pin for extra in extras for pin in extra]


def environment_pip_section() -> list[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    for entry in environment["dependencies"]:
        if isinstance(entry, dict) and "pip" in entry:
            return entry["pip"]
    raise AssertionError("environment.yml has no pip section")


def test_is_every_pyproject_dependency_pinned_exactly():
    loose = [d for d in pyproject_dependencies() if not PIN.match(d)]
    assert not loose, f"pin these with == in pyproject.toml: {loose}"


def test_does_environment_yml_install_the_same_versions_as_pyproject():
    expected = pins(pyproject_dependencies())
    mirrored = pins(environment_pip_section())
    assert mirrored == expected, (
        "environment.yml's pip section differs from pyproject.toml: "
        f"only in pyproject {sorted(expected.items() - mirrored.items())}, "
        f"only in environment.yml {sorted(mirrored.items() - expected.items())}"
    )
    assert "-e .[dev]" in environment_pip_section(), (
        "environment.yml must install the course package with its dev extra")


def test_does_environment_yml_use_a_python_that_pyproject_allows():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in environment["dependencies"] if str(d).startswith("python="))
    major, minor = map(int, python.split("=")[1].split(".")[:2])
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=3.11" and (major, minor) >= (3, 11), (python, required)


def test_does_the_lock_file_agree_with_pyproject():
    locked = pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in pins(pyproject_dependencies()).items():
        assert locked.get(name) == version, (
            f"constraints.txt has {name}=={locked.get(name)}, pyproject.toml {version}: "
            "run `make lock`"
        )
