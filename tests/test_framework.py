"""Is the competency framework complete, and does it notice what is missing?"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from customs_course.framework import competency_matrix, learning_paths, load_framework, validate

ROOT = Path(__file__).resolve().parent.parent


def test_does_the_framework_list_every_lesson_and_exercise_and_cover_every_competency():
    assert validate() == []


@pytest.fixture
def course_copy(tmp_path) -> Path:
    for folder in ("book", "modules"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("_build"))
    (tmp_path / "solutions").mkdir()
    for notebook in ROOT.glob("solutions/*/*.ipynb"):
        (tmp_path / "solutions" / notebook.parent.name).mkdir(exist_ok=True)
        shutil.copy(notebook, tmp_path / "solutions" / notebook.parent.name)
    return tmp_path


def edit_framework(root: Path, change) -> None:
    path = root / "book" / "framework.yml"
    framework = yaml.safe_load(path.read_text())
    change(framework)
    path.write_text(yaml.safe_dump(framework, sort_keys=False))


def test_is_a_lesson_missing_from_the_framework_reported(course_copy):
    edit_framework(course_copy, lambda f: f["levels"][1]["modules"].popitem())
    assert any("missing from the framework" in p for p in validate(course_copy))


def test_is_a_graded_exercise_missing_from_the_framework_reported(course_copy):
    edit_framework(course_copy, lambda f: f["levels"][1]["exercises"].popitem())
    assert any(p.startswith("graded exercise") for p in validate(course_copy))


def test_is_a_competency_without_a_module_reported(course_copy):
    def add_competency(framework):
        framework["competencies"].append({"id": "negotiation", "title": "Negotiation"})

    edit_framework(course_copy, add_competency)
    assert "competency negotiation has no module" in validate(course_copy)


def test_is_a_lesson_missing_from_the_table_of_contents_reported(course_copy):
    toc = course_copy / "book" / "_toc.yml"
    toc.write_text(toc.read_text().replace(
        "      - file: modules/level2_secretariat/03_summaries\n", ""))
    assert ("lesson modules/level2_secretariat/03_summaries is missing from book/_toc.yml"
            in validate(course_copy))


def test_does_the_matrix_have_a_row_per_item_and_a_column_per_competency():
    framework = load_framework()
    matrix = competency_matrix()
    n_items = sum(len(level["modules"]) + len(level["exercises"]) for level in framework["levels"])
    assert matrix.shape == (n_items, len(framework["competencies"]))
    assert set(matrix.to_numpy().ravel()) <= {"", *(p["id"] for p in framework["proficiency"])}


def test_does_each_learning_path_add_up_its_steps():
    paths = learning_paths()
    assert set(paths) == {role["title"] for role in load_framework()["roles"]}
    for path in paths.values():
        assert path["hours"].iloc[-1] == pytest.approx(path["hours"].iloc[:-1].sum())
        assert (path["hours"].iloc[:-1] > 0).all()


@pytest.mark.parametrize("stated, reported",
                         [("6", False), ("6.5", False), ("7", True), ("5", True)])
def test_is_a_level_page_whose_hours_disagree_with_its_pages_reported(course_copy, stated,
                                                                      reported):
    """Level 1 takes 6.08 hours by its pages: half an hour either side passes, more does not."""
    page = course_copy / "book" / "levels" / "level1_leaders.md"
    text = page.read_text()
    stated_time = text[text.index("about "):text.index(" hours")]
    page.write_text(text.replace(stated_time, f"about {stated}"))
    assert any("level1_leaders.md states" in p for p in validate(course_copy)) is reported
