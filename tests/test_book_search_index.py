"""Does the book's search index hold prose only, and is each glossary term taught by the first
page that links it? (Pins the Sphinx internals book/_ext/reader_site.py relies on.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

ROOT = Path(__file__).resolve().parent.parent


def reader_site():
    spec = importlib.util.spec_from_file_location(
        "reader_site", ROOT / "book" / "_ext" / "reader_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_with_code() -> nodes.document:
    document = new_document("lesson", get_default_settings(Parser))
    document += nodes.paragraph(text="Precision is the share of selected lines that are right.")
    cell = nodes.container(classes=["cell"])
    cell += nodes.container("", nodes.literal_block(text="precision_at_k(y, s)"),
                            classes=["cell_input"])
    cell += nodes.container("", nodes.paragraph(text="0.42 precision output"),
                            classes=["cell_output"])
    document += cell
    document += nodes.literal_block(text="import precision")
    return document


def test_does_the_index_copy_keep_the_prose_and_drop_code_and_outputs():
    site = reader_site()
    page = page_with_code()
    prose = site.prose_only(page).astext()
    assert "share of selected lines" in prose
    assert "precision_at_k" not in prose and "0.42" not in prose and "import" not in prose
    assert "precision_at_k" in page.astext(), "the page itself keeps its code"


def test_is_a_term_taught_by_the_first_page_in_reading_order_that_links_it():
    site = reader_site()
    env = SimpleNamespace(
        config=SimpleNamespace(root_doc="intro"),
        toctree_includes={"intro": ["level1", "level4"], "level1": ["l1_lesson"],
                          "level4": ["l4_lesson"]},
        course_term_uses={"l4_lesson": ["precision at k", "lift"], "level4": ["recall at k"],
                          "l1_lesson": ["base rate", "precision at k"]},
    )
    assert site.reading_order(env) == ["intro", "level1", "l1_lesson", "level4", "l4_lesson"]
    assert site.taught_in(env) == {"base rate": "l1_lesson", "precision at k": "l1_lesson",
                                   "recall at k": "level4", "lift": "l4_lesson"}


def test_does_the_builder_feed_sphinx_the_prose_only():
    site = reader_site()
    fed = {}
    builder = SimpleNamespace(
        format="html",
        index_page=lambda name, doctree, title: fed.update(name=name, doctree=doctree),
    )
    site.index_prose(SimpleNamespace(builder=builder))
    builder.index_page("lesson", page_with_code(), "Lesson")
    assert fed["name"] == "lesson"
    assert "share of selected lines" in fed["doctree"].astext()
    assert "precision_at_k" not in fed["doctree"].astext()
