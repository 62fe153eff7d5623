"""Make the built book work for every reader: on a phone, in print, in search, on a slow link.

- Templates (book/_templates/layout.html): no duplicate top header, so the sidebar and
  contents toggles readers click are the ones the themes bind; no fontawesome.js.
- Static files (book/_static): a favicon, print CSS that wraps code, the search scorer.
- Search: code cells and their outputs stay out of the search index; the scorer ranks first
  the page that first links a glossary term in the reading order (lessons link a term the
  first time they use it), so a concept finds the lesson that teaches it.
- The data cards are checked against their schema before anything is built.

The search part reaches into Sphinx internals (the html builder's ``index_page``); it is kept
in this module and pinned by tests/test_book.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError

BOOK = Path(__file__).resolve().parent.parent
CODE_CLASSES = {"cell_input", "cell_output"}
TAUGHT_IN_JS = "course-taught.js"


def add_book_files(app, config) -> None:
    config.templates_path = [*config.templates_path, str(BOOK / "_templates")]
    config.html_static_path = [*config.html_static_path, str(BOOK / "_static")]
    config.html_favicon = str(BOOK / "_static" / "favicon.svg")
    config.html_search_scorer = str(BOOK / "_static" / "course-search.js")


def check_data_cards(app) -> None:
    from customs_course.card_schema import CardError, validate_all_cards

    try:
        validate_all_cards()
    except CardError as error:
        raise ExtensionError(str(error)) from None


# --- Search ---------------------------------------------------------------------------------

def is_code(node) -> bool:
    if isinstance(node, nodes.literal_block):
        return True
    return isinstance(node, nodes.container) and bool(CODE_CLASSES & set(node["classes"]))


def prose_only(doctree: nodes.document) -> nodes.document:
    """A copy of the page without code cells, their outputs and code blocks."""
    copy = doctree.deepcopy()
    for node in list(copy.findall(is_code)):
        node.parent.remove(node)
    return copy


def record_term_uses(app, doctree) -> None:
    """Remember, per page, the glossary terms it links, in the order it first links them."""
    terms = [ref["reftarget"].strip().lower() for ref in doctree.findall(addnodes.pending_xref)
             if ref.get("reftype") == "term"]
    app.env.course_term_uses = getattr(app.env, "course_term_uses", {})
    app.env.course_term_uses[app.env.docname] = list(dict.fromkeys(terms))


def purge_term_uses(app, env, docname) -> None:
    getattr(env, "course_term_uses", {}).pop(docname, None)


def merge_term_uses(app, env, docnames, other) -> None:
    env.course_term_uses = getattr(env, "course_term_uses", {})
    for docname in docnames:
        env.course_term_uses[docname] = other.course_term_uses.get(docname, [])


def reading_order(env) -> list[str]:
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)

    visit(env.config.root_doc)
    return order


def taught_in(env) -> dict[str, str]:
    """Each glossary term and the first page in the reading order that links it."""
    uses = getattr(env, "course_term_uses", {})
    first: dict[str, str] = {}
    for docname in reading_order(env):
        for term in uses.get(docname, []):
            first.setdefault(term, docname)
    return first


def write_taught_in(app, exception) -> None:
    """_static/course-taught.js, which the search scorer (course-search.js) reads.

    A file of its own rather than index entries: Sphinx 7.4 does not reload index entries from
    searchindex.js, so an incremental build (the course's usual one) would drop them.
    """
    if exception is not None or app.builder.format != "html":
        return
    mapping = json.dumps(taught_in(app.env), sort_keys=True, indent=0)
    target = Path(app.outdir) / "_static" / TAUGHT_IN_JS
    target.write_text(f"var COURSE_TAUGHT_IN = {mapping};\n", encoding="utf-8")


def index_prose(app) -> None:
    """Feed Sphinx's search index a copy of each page without its code."""
    builder = app.builder
    if builder.format != "html" or not hasattr(builder, "index_page"):
        return
    sphinx_index_page = builder.index_page

    def index_page(pagename, doctree, title):
        sphinx_index_page(pagename, prose_only(doctree), title)

    builder.index_page = index_page


def setup(app):
    app.connect("config-inited", add_book_files)
    app.connect("builder-inited", check_data_cards)
    app.connect("builder-inited", index_prose)
    app.connect("doctree-read", record_term_uses)
    app.connect("env-purge-doc", purge_term_uses)
    app.connect("env-merge-info", merge_term_uses)
    app.connect("build-finished", write_taught_in)
    app.add_css_file("course-print.css")
    app.add_js_file(TAUGHT_IN_JS)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
