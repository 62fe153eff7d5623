"""Does the book let a reader take the course away (issue 16 item 4, issue 17 item 3)? Each lesson
page offers its notebook (.ipynb) and its level's zip, each level page its zip, and a launch link
appears only when the site is built with a URL template (book/_ext/lesson_kit.py)."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import jupytext
import nbformat
import pytest
import test_book
from sphinx.errors import ExtensionError

from customs_course import kit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import lesson_kit  # noqa: E402 (the book's extension, from book/_ext)

LESSONS = sorted(ROOT.glob("modules/*/*.md"))
LEVELS = sorted({p.parent.name for p in LESSONS})
HUB = "https://hub.invalid/hub/user-redirect/git-pull?repo=R&branch=main&urlpath=lab/tree/c/{path}"
built_book = test_book.built_book  # the fixture: the default (offline) build, from the cache


def code_sources(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


# --- the extension's functions ------------------------------------------------------------------

def test_is_there_no_launch_link_without_a_template():
    assert lesson_kit.launch_template("", environ={}) == ""
    block = lesson_kit.links_block("modules/level2_secretariat/01_spreadsheet_to_notebook", "",
                                   ROOT)
    assert "01_spreadsheet_to_notebook.ipynb" in block
    assert "class hub" not in block and "git-pull" not in block


def test_does_the_environment_variable_win_over_the_configured_template():
    environ = {lesson_kit.LAUNCH_ENV_VAR: HUB}
    assert lesson_kit.launch_template("https://other.invalid/{path}", environ=environ) == HUB
    assert lesson_kit.launch_template("https://other.invalid/{path}", environ={}) == (
        "https://other.invalid/{path}")


def test_does_a_template_without_path_stop_the_build_with_what_to_do():
    with pytest.raises(ExtensionError, match=r"\{path\}"):
        lesson_kit.launch_template("https://hub.invalid/hub/", environ={})


@pytest.mark.parametrize(("page", "path"), [
    ("modules/level2_secretariat/01_spreadsheet_to_notebook",
     "modules/level2_secretariat/01_spreadsheet_to_notebook.md"),
    ("book/exercises/level2_first_look", "exercises/level2_first_look/first_look.ipynb"),
    ("exercises/level2_first_look/first_look", "exercises/level2_first_look/first_look.ipynb"),
])
def test_does_a_configured_template_give_each_page_its_launch_link(page, path):
    block = lesson_kit.links_block(page, HUB, ROOT)
    expected = HUB.replace("{path}", path).replace("&", "&amp;")
    assert f'href="{expected}"' in block, block
    assert "Open on the class hub" in block


def test_is_a_path_quoted_in_the_launch_link():
    assert lesson_kit.launch_url("x?urlpath=lab/tree/{path}", "modules/a b/c&d.md") == (
        "x?urlpath=lab/tree/modules/a%20b/c%26d.md")


def test_do_other_pages_get_no_links():
    assert lesson_kit.links_block("book/intro", HUB, ROOT) == ""
    level = lesson_kit.links_block("book/levels/level3_statistics", HUB, ROOT)
    assert 'href="../../kits/level3_statistics.zip"' in level and "class hub" not in level


# --- the default build --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_does_every_lesson_page_offer_its_notebook(built_book, lesson):
    page = built_book / lesson.relative_to(ROOT).with_suffix(".html")
    html = page.read_text()
    assert f'href="{lesson.stem}.ipynb" download' in html
    assert f'href="../../kits/{lesson.parent.name}.zip" download' in html
    assert "class hub" not in html and "git-pull" not in html  # offline: no launch link
    notebook = nbformat.read(page.with_suffix(".ipynb"), 4)
    nbformat.validate(notebook)
    assert code_sources(notebook) == code_sources(jupytext.read(lesson))
    assert not [cell for cell in notebook.cells if cell.get("outputs")]


@pytest.mark.slow
def test_does_each_level_zip_work_with_start(built_book, tmp_path, monkeypatch):
    monkeypatch.setattr(kit, "make_small_data", lambda data: [])
    for level in LEVELS:
        page = (built_book / "book" / "levels" / f"{level}.html").read_text()
        assert f'href="../../kits/{level}.zip" download' in page
        archive = built_book / "kits" / f"{level}.zip"
        names = zipfile.ZipFile(archive).namelist()
        assert not [n for n in names if re.search(r"solution|instructor", n)], names
        assert kit.start(tmp_path / level, from_zip=archive, lab=False) == 0
        lessons = sorted(p.stem for p in (tmp_path / level / "lessons" / level).glob("*.ipynb"))
        assert lessons == sorted(p.stem for p in LESSONS if p.parent.name == level)
        exercises = {p.parent.name for p in (tmp_path / level).glob("exercises/*/*.ipynb")}
        assert exercises == {p.parent.name for p in ROOT.glob(f"exercises/{level[:6]}_*/*.ipynb")}
