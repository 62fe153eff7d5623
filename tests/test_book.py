"""Does the book build with every warning, broken reference and failing cell treated as an error?"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "book" / "_build" / "html"
# Addresses a page would load from another host: scripts, stylesheets, fonts, images.
EXTERNAL_LOAD = re.compile(
    r"""<(?:script|img|iframe)[^>]+src=["'](?:https?:)?//|"""
    r"""<link[^>]+href=["'](?:https?:)?//[^"']+["'][^>]*>|"""
    r"""url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def make_book(*overrides: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", "-C", str(ROOT), "book", *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def built_book() -> Path:
    """Build the course book once (reusing the execution cache of `make course`)."""
    result = make_book()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return HTML


@pytest.mark.slow
def test_does_a_rebuild_with_nothing_changed_execute_nothing(built_book):
    result = make_book()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Executing notebook" not in result.stdout + result.stderr


@pytest.mark.slow
def test_does_the_book_show_the_lesson_with_its_executed_figure(built_book):
    page = built_book / "modules" / "level2_secretariat" / "01_spreadsheet_to_notebook.html"
    html = page.read_text()
    assert "Learning objectives" in html and "Key points" in html
    images = re.findall(r"<img[^>]*>", html)
    assert any('alt="' in img and "alt=\"\"" not in img for img in images), images


@pytest.mark.slow
def test_does_the_book_show_the_student_version_and_no_solution(built_book):
    exercise = built_book / "exercises" / "level2_first_look" / "first_look.html"
    html = exercise.read_text()
    assert "YOUR CODE HERE" in html and "NotImplementedError" in html
    assert not (built_book / "solutions").exists()
    for page in built_book.rglob("*.html"):
        text = page.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, page
    downloads = list((built_book / "_downloads").rglob("first_look.ipynb"))
    assert downloads, "the exercise page should offer the student notebook for download"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def external_references(text: str) -> list[str]:
    """Addresses on other hosts that a page or stylesheet would load, inline scripts included."""
    hits = EXTERNAL_LOAD.findall(text)
    for script in INLINE_SCRIPT.findall(text):
        hits += re.findall(r"https?://[^\s\"'`]+", script)
    return hits


def test_does_the_offline_scan_catch_each_kind_of_external_load():
    pages = [
        '<script src="https://cdn.example.org/x.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.org/css">',
        "<style>@font-face { src: url(https://fonts.example.org/f.woff2) }</style>",
        '<script>const URL = "https://unpkg.example.org/thebe.js";</script>',
    ]
    assert all(external_references(page) for page in pages)
    assert not external_references('<script src="_static/x.js"></script><a href="https://a.b">')


@pytest.mark.slow
def test_does_the_built_site_load_nothing_from_another_host(built_book):
    offending = {}
    for page in [*built_book.rglob("*.html"), *built_book.rglob("*.css")]:
        hits = external_references(page.read_text(errors="replace"))
        if hits:
            offending[str(page.relative_to(built_book))] = hits[:3]
    assert not offending, offending


@pytest.mark.slow
def test_is_math_typeset_by_the_sites_own_mathjax(built_book):
    glossary = (built_book / "book" / "glossary.html").read_text()
    assert re.search(r'<script[^>]+src="\.\./_static/mathjax/tex-chtml\.js', glossary)
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    assert any((built_book / "_static" / "mathjax" / "output" / "chtml").rglob("*.woff"))


@pytest.mark.slow
def test_does_a_failing_cell_or_broken_reference_fail_the_build(tmp_path):
    config = (ROOT / "book" / "_config.yml").read_text()
    config = config.replace("exercises/*/*.ipynb", "none/*.ipynb")
    config = config.replace("offline_site: _ext", f"offline_site: {ROOT / 'book' / '_ext'}")
    (tmp_path / "_config.yml").write_text(config)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: lesson\n")
    (tmp_path / "intro.md").write_text("# Intro\n\nSee {ref}`a-label-that-does-not-exist`.\n")
    (tmp_path / "lesson.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n"
        "# Lesson\n\n```{code-cell} ipython3\nraise ValueError('broken cell')\n```\n"
    )
    result = make_book(
        f"BOOK_SRC={tmp_path}",
        f"BOOK_CONFIG={tmp_path / '_config.yml'}",
        f"BOOK_TOC={tmp_path / '_toc.yml'}",
        f"BOOK_OUT={tmp_path}",
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "a-label-that-does-not-exist" in output
    assert "broken cell" in output or "Executing notebook failed" in output
