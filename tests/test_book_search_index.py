"""Does the book's search index hold prose only, with each glossary term on the lesson that
first uses it? (Pins the Sphinx internals book/_ext/reader_site.py relies on.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx import addnodes

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


def test_is_a_term_entered_on_the_first_page_in_reading_order_that_uses_it():
    site = reader_site()
    env = SimpleNamespace(
        config=SimpleNamespace(root_doc="intro"),
        toctree_includes={"intro": ["level1", "level4"], "level1": ["l1_lesson"]},
        course_term_uses={"l4_lesson": {"precision at k": "a"}, "level4": {"precision at k": "b"},
                          "l1_lesson": {"precision at k": "c", "base rate": "d"}},
    )
    assert site.reading_order(env) == ["intro", "level1", "l1_lesson", "level4"]
    assert site.taught_in(env) == {"l1_lesson": {"precision at k": "c", "base rate": "d"}}


def test_does_the_builder_feed_sphinx_the_prose_and_the_taught_in_entries():
    site = reader_site()
    fed = {}
    builder = SimpleNamespace(
        format="html",
        index_page=lambda name, doctree, title: fed.update(name=name, doctree=doctree),
        env=SimpleNamespace(config=SimpleNamespace(root_doc="lesson"), toctree_includes={},
                            course_term_uses={"lesson": {"precision at k": "term-use-x"}}),
    )
    site.index_prose(SimpleNamespace(builder=builder))
    builder.index_page("lesson", page_with_code(), "Lesson")
    [entry] = list(fed["doctree"].findall(addnodes.index))
    assert entry["entries"] == [("single", "precision at k", "term-use-x", "main", None)]
    assert "precision_at_k" not in fed["doctree"].astext()
