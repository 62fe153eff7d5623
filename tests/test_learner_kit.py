"""Does the course work from its wheel, outside the checkout (issue 16 item 5)?

The end-to-end test builds the wheel, installs it into a fresh virtual environment and runs
`customs-course start DIR --no-lab` from a folder outside the checkout. To stay fast the new
environment borrows the installed dependencies (a .pth file naming .venv's site-packages, which
Python does not scan for .pth files of its own, so the checkout's editable install stays out):
the course package itself comes from the wheel, and the test checks that it does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from customs_course import kit
from customs_course.content import learner_files
from customs_course.datasets import DATASET_NAMES, EDITIONS
from customs_course.paths import DATA_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
SOURCE_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
LESSONS = sorted(ROOT.glob("modules/*/*.md"))
EXERCISES = sorted(p for p in ROOT.glob("exercises/*/**/*") if p.is_file())


def solution_lines() -> set[str]:
    """Lines of the instructors' solutions long enough to prove a leak (see test_exercises)."""
    lines = set()
    for source in ROOT.glob("solutions/*/*.ipynb"):
        for cell in nbformat.read(source, 4).cells:
            for block in cell.source.split("### BEGIN SOLUTION")[1:]:
                lines |= {ln.strip() for ln in block.split("### END SOLUTION")[0].splitlines()
                          if len(ln.strip()) >= 15}
    return lines


def code_sources(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


# --- the kit's functions, in the checkout -------------------------------------------------------

def test_is_a_lesson_notebook_the_lesson_without_outputs():
    lesson = ROOT / "modules" / "level2_secretariat" / "01_spreadsheet_to_notebook.md"
    notebook = nbformat.reads(kit.lesson_notebook(lesson.read_text()), 4)
    nbformat.validate(notebook)
    assert code_sources(notebook) == code_sources(jupytext.read(lesson))
    assert code_sources(notebook), "the lesson has code cells"
    assert all(not cell.get("outputs") for cell in notebook.cells)
    assert "jupytext" not in notebook.metadata


def test_does_a_second_start_keep_what_the_learner_changed(tmp_path):
    files = {"lessons/a/one.ipynb": b"course", "exercises/x/two.ipynb": b"course"}
    assert kit.write_new(tmp_path, files) == (sorted(files), [])
    (tmp_path / "lessons/a/one.ipynb").write_bytes(b"my work")
    written, kept = kit.write_new(tmp_path, {**files, "lessons/a/new.ipynb": b"course"})
    assert (written, kept) == (["lessons/a/new.ipynb"], sorted(files))
    assert (tmp_path / "lessons/a/one.ipynb").read_bytes() == b"my work"


def test_does_a_level_zip_hold_only_that_levels_lessons_and_exercises(tmp_path):
    archive = kit.write_level_zip(ROOT, "level2_secretariat", tmp_path / "level2.zip")
    names = set(zipfile.ZipFile(archive).namelist())
    expected = {f"lessons/level2_secretariat/{p.stem}.ipynb"
                for p in ROOT.glob("modules/level2_secretariat/*.md")}
    expected |= {p.relative_to(ROOT).as_posix() for p in EXERCISES
                 if p.relative_to(ROOT / "exercises").parts[0].startswith("level2_")}
    assert names == expected
    assert kit.read_level_zip(archive).keys() == names


@pytest.mark.parametrize("member", ["../evil.ipynb", "/etc/evil.ipynb", "lessons/../../evil.py",
                                    "solutions/level2_first_look/first_look.ipynb", "setup.py"])
def test_does_start_refuse_a_zip_that_writes_elsewhere(tmp_path, member):
    archive = tmp_path / "level.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("lessons/level2_secretariat/01.ipynb", "{}")
        handle.writestr(member, "bad")
    with pytest.raises(ValueError, match="nothing was written"):
        kit.start(tmp_path / "work", from_zip=archive, lab=False)
    assert not (tmp_path / "work").exists()


def test_does_start_open_jupyterlab_on_the_folder_with_the_learner_settings(
        tmp_path, monkeypatch):
    launched = {}
    monkeypatch.setattr(kit, "make_small_data", lambda data: [])
    monkeypatch.setattr(kit.subprocess, "call", lambda command, cwd, env: launched.update(
        command=command, cwd=cwd, env=env) or 0)
    archive = kit.write_level_zip(ROOT, "level1_leaders", tmp_path / "level1.zip")
    assert kit.start(tmp_path / "work", from_zip=archive) == 0
    work = (tmp_path / "work").resolve()
    config = Path(launched["env"]["JUPYTER_CONFIG_PATH"])
    assert config == work / ".course" / "etc" / "jupyter" / "learner"
    assert (config / "labconfig" / "page_config.json").is_file()
    assert "Jupytext Notebook" in (config.parent / "lab-settings" / "overrides.json").read_text()
    assert launched["env"][DATA_ENV_VAR] == str(work / "data")
    assert launched["command"][1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={work}" in launched["command"]
    assert launched["cwd"] == work
    assert sorted(p.parent.name for p in work.glob("lessons/*/*.ipynb")) == ["level1_leaders"] * 5


def test_does_the_package_list_the_student_versions_and_no_solution():
    shipped = learner_files(ROOT)
    assert {p.relative_to(ROOT) for p in LESSONS + EXERCISES} <= set(shipped)
    assert not [p for p in shipped if p.parts[0] in ("solutions", "grading", "tests", "book")]
    assert not [p for p in shipped if "instructor" in p.parts]


# --- the wheel in a fresh virtual environment ---------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # setuptools keeps build/lib between builds: a file removed from the course must not linger
    stale = ROOT / "build" / "lib" / "customs_course" / "_content" / "modules" / "gone" / "old.md"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("a lesson deleted since the last build")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
                    str(ROOT)], check=True, timeout=600, cwd=out)
    (built,) = out.glob("customs_course-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding the wheel; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv") / "learner"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    site = Path(subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    return venv / "bin"


def test_does_the_wheel_hold_the_learner_files_and_no_solution_or_hidden_test(wheel):
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    content = "customs_course/_content/"
    for path in LESSONS + EXERCISES + sorted(ROOT.glob("modules/*/selfcheck.yml")) + sorted(
            ROOT.glob("datasets/*/card.yml")):
        assert content + path.relative_to(ROOT).as_posix() in names, path
    packaged = [n.removeprefix(content) for n in names if n.startswith(content)]
    assert "modules/gone/old.md" not in packaged, "a stale file from build/lib was shipped"
    assert not [n for n in packaged if n.startswith(("solutions/", "grading/", "book/"))]
    assert not [n for n in names if "solutions/" in n or "instructor" in n]
    leaks = solution_lines()
    for name in (n for n in names if n.startswith(content)):  # the code may name the markers
        text = archive.read(name).decode(errors="replace")
        assert not [m for m in SOURCE_MARKERS if m in text], name
        if name.startswith(content + "exercises/"):  # lessons may teach a line a solution uses
            assert not [line for line in leaks if line in text], name
    for path in EXERCISES:  # the student versions as committed, which test_exercises checks
        assert archive.read(content + path.relative_to(ROOT).as_posix()) == path.read_bytes()


def test_does_start_from_the_wheel_write_the_kit_outside_the_checkout(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != DATA_ENV_VAR}
    env["HOME"] = str(tmp_path / "home")  # nothing written to the user's own folders
    where = subprocess.run(
        [installed / "python", "-c", "import customs_course, customs_course.content as c; "
         "print(customs_course.__file__); print(c.content_root())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert Path(where[0]).is_relative_to(installed.parent), where
    assert Path(where[1]).name == "_content" and not Path(where[1]).is_relative_to(ROOT), where

    work = tmp_path / "my course"
    run = subprocess.run([installed / "customs-course", "start", str(work), "--no-lab"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    for lesson in LESSONS:
        notebook = nbformat.read(work / "lessons" / lesson.parent.name / f"{lesson.stem}.ipynb", 4)
        nbformat.validate(notebook)
        assert code_sources(notebook) == code_sources(jupytext.read(lesson)), lesson
    for path in EXERCISES:
        assert (work / path.relative_to(ROOT)).read_bytes() == path.read_bytes()
    for name in DATASET_NAMES:
        assert (work / "data" / name / f"{name}_small.parquet").stat().st_size > 0
    assert not (tmp_path / "home" / ".cache").exists()

    # the kit's self-checks and data work from the wheel, in the kit's data folder
    probe = ("from customs_course.selfcheck import check, load_questions; "
             "from customs_course.datasets import load_dataset; "
             "print(len(load_questions()), len(load_dataset('declarations', 'small')))")
    answer = subprocess.run([installed / "python", "-c", probe], cwd=work, capture_output=True,
                            text=True, env={**env, DATA_ENV_VAR: str(work / "data")}, check=True)
    questions = sum(len(yaml.safe_load(p.read_text()) or {})
                    for p in ROOT.glob("modules/*/selfcheck.yml"))
    rows = EDITIONS["small"]["declarations"]
    assert answer.stdout.split() == [str(questions), str(rows)], answer.stdout

    edited = work / "lessons" / "level1_leaders" / "01_why_data.ipynb"
    edited.write_text("my own notes")
    again = subprocess.run([installed / "customs-course", "start", str(work), "--no-lab"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert edited.read_text() == "my own notes"
    assert "lessons/level1_leaders/01_why_data.ipynb" in again.stdout
    assert "0 files written" in again.stdout
