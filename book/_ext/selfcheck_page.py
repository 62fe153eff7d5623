"""Self-checks answered on the page, offline, from the same data as ``check()``.

Each lesson's ``## Self-check`` section asks its questions with ``check("<question id>", ...)``
in the text, or names them (level 1, which asks no code: "(question `l1-1-data-driven`)").
Below each such question this extension puts a small form: checkboxes for the lettered
statements of a question, else a text field. The form carries
what ``modules/*/selfcheck.yml`` holds for the question (kind, decimals, salted sha256, hint),
never the answer; _static/course-selfcheck.js puts the reader's answer in the same canonical
form as customs_course.selfcheck.canonical(), hashes it and compares.

The ``{selfcheck-progress}`` directive (level pages, the framework page) shows what the reader
has completed, per lesson and per competency, from the browser's localStorage; the lessons, their
questions and their competencies are written to _static/course-selfcheck-index.js.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from customs_course.selfcheck import load_questions

BOOK = Path(__file__).resolve().parent.parent
SOURCE = BOOK.parent  # the book is built from the repository root (see book/_config.yml)
SCRIPT = "course-selfcheck.js"
INDEX_SCRIPT = "course-selfcheck-index.js"
ASKED = re.compile(r"""check\(\s*["']([\w.-]+)["']""")
OPTION = re.compile(r"^([A-Z])\.$")
# What a page may say of a question: the answer is not among them.
PUBLIC_KEYS = ("id", "kind", "decimals", "sha256", "hint", "success")


def questions() -> dict[str, dict]:
    return load_questions(SOURCE)


def public_entry(question_id: str, entry: dict) -> dict:
    data = {"id": question_id, **entry}
    return {key: data[key] for key in PUBLIC_KEYS if key in data}


def option_letters(item: nodes.list_item) -> list[str]:
    """The letters of a question's lettered statements: ``- **A.** ...`` items inside it."""
    letters = []
    for bullets in item.findall(nodes.bullet_list):
        for option in bullets.children:
            paragraph = option.next_node(nodes.paragraph)
            # the paragraph's first child with text (MyST may put an empty text node first)
            first = next((child for child in paragraph.children if child.astext().strip()),
                         None) if paragraph else None
            strong = isinstance(first, nodes.strong)
            match = OPTION.match(first.astext().strip()) if strong else None
            if match:
                letters.append(match.group(1))
    return letters


def answer_fields(question_id: str, entry: dict, letters: list[str]) -> str:
    field = f"selfcheck-{question_id}"
    if letters and entry["kind"] in ("set", "choice"):
        several = entry["kind"] == "set"
        kind = "checkbox" if several else "radio"
        legend = ("Your answer: tick every letter that applies" if several
                  else "Your answer: one letter")
        boxes = "".join(
            f'<label class="course-selfcheck-option"><input type="{kind}" name="{field}" '
            f'value="{letter}"> {letter}</label>' for letter in letters)
        return f"<fieldset><legend>{legend}</legend>{boxes}</fieldset>"
    if entry["kind"] == "number":
        decimals = int(entry.get("decimals", 0))
        how = f"a number to {decimals} decimals" if decimals else "a whole number"
        how += ", with a point for decimals"
        mode = "decimal"
    elif entry["kind"] == "set":
        how, mode = "values separated by commas, such as CN, VN", "text"
    else:
        how, mode = "a word or a short phrase", "text"
    return (f'<label for="{field}">Your answer ({how})</label> '
            f'<input type="text" id="{field}" inputmode="{mode}" autocomplete="off" '
            f'spellcheck="false">')


def widget_html(question_id: str, entry: dict, letters: list[str]) -> str:
    data = json.dumps(public_entry(question_id, entry), ensure_ascii=False).replace("<", "\\u003c")
    return (
        f'<div class="course-selfcheck" data-question="{html.escape(question_id)}" hidden>'
        f'<script type="application/json" class="course-selfcheck-data">{data}</script>'
        f'<form>{answer_fields(question_id, entry, letters)} '
        f'<button type="submit" class="btn btn-sm btn-outline-primary">Check</button></form>'
        f'<p class="course-selfcheck-result" role="status" aria-live="polite"></p></div>'
    )


def self_check_section(doctree) -> nodes.section | None:
    for section in doctree.findall(nodes.section):
        if section.next_node(nodes.title).astext().strip().lower() == "self-check":
            return section
    return None


def add_widgets(app, doctree) -> None:
    """Put a form under each question of the page's Self-check section; remember the ids."""
    section = self_check_section(doctree)
    asked: list[str] = []
    if section is not None:
        known = questions()
        for literal in list(section.findall(nodes.literal)):
            match = ASKED.search(literal.astext())
            question_id = match.group(1) if match else literal.astext().strip()
            if question_id in asked or not (match or question_id in known):
                continue
            if question_id not in known:
                from sphinx.util import logging
                logging.getLogger(__name__).warning(
                    f"self-check question {question_id!r} is not in any modules/*/selfcheck.yml",
                    location=literal)
                continue
            anchor = literal.parent
            while anchor is not None and not isinstance(anchor, nodes.list_item):
                anchor = anchor.parent
            entry = known[question_id]
            if anchor is None:  # a question asked in a paragraph: the form goes after it
                anchor = literal.parent
                form = nodes.raw("", widget_html(question_id, entry, []), format="html")
                anchor.parent.insert(anchor.parent.index(anchor) + 1, form)
            else:
                form = nodes.raw("", widget_html(question_id, entry, option_letters(anchor)),
                                 format="html")
                anchor.append(form)
            asked.append(question_id)
    pages = getattr(app.env, "course_selfcheck", {})
    pages[app.env.docname] = asked
    app.env.course_selfcheck = pages


def purge(app, env, docname) -> None:
    getattr(env, "course_selfcheck", {}).pop(docname, None)


def merge(app, env, docnames, other) -> None:
    env.course_selfcheck = getattr(env, "course_selfcheck", {})
    for docname in docnames:
        env.course_selfcheck[docname] = getattr(other, "course_selfcheck", {}).get(docname, [])


class SelfcheckProgress(SphinxDirective):
    """``{selfcheck-progress} level1_leaders`` for a level; no argument: per competency."""

    optional_arguments = 1

    def run(self):
        level = self.arguments[0] if self.arguments else ""
        if level and level not in {item["id"] for item in framework()["levels"]}:
            raise self.error(f"unknown level {level!r}: use an id of book/framework.yml")
        attribute = f' data-level="{html.escape(level)}"' if level else ""
        return [nodes.raw("", (
            f'<div class="course-progress"{attribute}><p>Your progress on the self-checks '
            "appears here; it needs JavaScript and is kept in this browser only.</p></div>"),
            format="html")]


def framework() -> dict:
    return yaml.safe_load((BOOK / "framework.yml").read_text())


def index(env) -> dict:
    """The lessons, their questions and competencies, the levels and the competencies."""
    asked = getattr(env, "course_selfcheck", {})
    plan = framework()
    lessons, levels = {}, {}
    for level in plan["levels"]:
        levels[level["id"]] = {"title": level["title"], "lessons": []}
        for docname, competencies in level["modules"].items():
            if not asked.get(docname):
                continue
            lessons[docname] = {"title": env.titles[docname].astext() if docname in env.titles
                                else docname, "questions": asked[docname],
                                "competencies": competencies}
            levels[level["id"]]["lessons"].append(docname)
    stamps = questions()  # each answer's hash: progress saved against another one is stale
    answers = {q: stamps[q]["sha256"] for lesson in lessons.values() for q in lesson["questions"]}
    return {"lessons": lessons, "levels": levels, "competencies": plan["competencies"],
            "proficiency": [item["id"] for item in plan["proficiency"]], "answers": answers}


def add_scripts(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if 'class="course-progress"' in body:
        app.add_js_file(INDEX_SCRIPT)
    if any(f'class="{name}"' in body for name in
           ("course-selfcheck", "course-progress", "course-model-brief")):
        app.add_js_file(SCRIPT)


def write_index(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    data = json.dumps(index(app.env), sort_keys=True, ensure_ascii=False)
    target = Path(app.outdir) / "_static" / INDEX_SCRIPT
    target.write_text(f"window.COURSE_SELFCHECK = {data};\n", encoding="utf-8")


def setup(app):
    app.add_directive("selfcheck-progress", SelfcheckProgress)
    app.connect("doctree-read", add_widgets)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("html-page-context", add_scripts)
    app.connect("build-finished", write_index)
    app.add_css_file("course-selfcheck.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
