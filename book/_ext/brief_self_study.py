"""A graded brief checked on the page by a reader alone, with the model brief after an attempt.

``{brief-self-study} solutions/level1_decision_brief/decision_brief.ipynb`` reads the brief's
instructor source (its only source): each answer graded by hand opens its solution with the
answer in bold (``**B**``, ``**13.0**``) and holds a ``*Hint for a wrong answer*:`` line; the
last one, the written recommendation, is the model brief. The page gets a self-check form per
question (salted hashes and hints, as on the lessons' pages) and the model brief, shown once the
reader has written a recommendation of their own.

This reveals the answers to whoever reads the page, so it is built only when asked for by name,
``COURSE_SELF_STUDY=1 make book``: the default site, which a graded cohort may read, says
only that the check exists (the student notebook never holds any of it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
from docutils import nodes
from markdown_it import MarkdownIt
from selfcheck_page import SOURCE, widget_html
from sphinx.util.docutils import SphinxDirective

from customs_course.selfcheck import answer_entry

SWITCH = "COURSE_SELF_STUDY"
ANSWER = re.compile(r"^\*\*(.+?)\*\*\s*$", re.MULTILINE)
HINT = re.compile(r"^\*Hint for a wrong answer\*:\s*(.+)$", re.MULTILINE)
OPTION = re.compile(r"^- \*\*([A-Z])\.\*\*", re.MULTILINE)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
MIN_WORDS = 30  # what counts as an attempt at the recommendation


def self_study_on() -> bool:
    return os.environ.get(SWITCH) == "1"


def manual_answers(notebook) -> list[dict]:
    """Each answer graded by hand: its grade id, solution text and the question before it."""
    answers, question = [], ""
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            solution = SOLUTION.search(cell.source)
            if solution is None:
                raise ValueError(f"{meta['grade_id']} has no solution region")
            answers.append({"id": meta["grade_id"], "solution": solution.group(1).strip(),
                            "question": question})
        elif cell.cell_type == "markdown":
            question = cell.source
    return answers


def question_entry(prefix: str, answer: dict) -> tuple[str, dict, list[str]]:
    """The self-check entry of a short answer: a letter among options, or a number."""
    right, hint = ANSWER.search(answer["solution"]), HINT.search(answer["solution"])
    if right is None or hint is None:
        raise ValueError(f"{answer['id']}: its solution needs **the answer** and a hint line")
    question_id = f"{prefix}-{answer['id']}"
    letters = OPTION.findall(answer["question"])
    if letters:
        entry = answer_entry(question_id, right.group(1), kind="choice", hint=hint.group(1))
    else:
        decimals = len(right.group(1).partition(".")[2])
        entry = answer_entry(question_id, float(right.group(1)), kind="number",
                             decimals=decimals, hint=hint.group(1))
    return question_id, entry, letters


def model_brief_html(solution: str) -> str:
    return (
        '<div class="course-model-brief" hidden>'
        '<label for="course-brief-attempt">Your recommendation: write it here first (at least '
        f'{MIN_WORDS} words; it stays in this browser)</label>'
        '<textarea id="course-brief-attempt" rows="8"></textarea>'
        '<button type="button" class="btn btn-sm btn-outline-primary" disabled>'
        "Show the model brief</button>"
        '<p class="course-model-brief-status" role="status" aria-live="polite"></p>'
        f'<template>{MarkdownIt().render(solution)}</template>'
        f'<div class="course-model-brief-text" tabindex="-1"></div></div>'
    )


def self_study_html(path: Path, prefix: str) -> str:
    answers = manual_answers(nbformat.read(path, as_version=4))
    *short, written = answers
    parts = []
    for number, answer in enumerate(short, start=1):
        question_id, entry, letters = question_entry(prefix, answer)
        parts.append(f"<h3>Question {number}</h3>{widget_html(question_id, entry, letters)}")
    parts.append("<h3>Your recommendation</h3>" + model_brief_html(written["solution"]))
    return "".join(parts)


class BriefSelfStudy(SphinxDirective):
    required_arguments = 1

    def run(self):
        if not self.config.course_self_study:
            paragraph = nodes.paragraph(text=(
                "On a site built for self-study, this section checks your seven answers and "
                "shows a model brief once you have written your own recommendation. This site "
                "was built for a graded course: your instructor grades your brief."))
            return [paragraph]
        path = SOURCE / self.arguments[0]
        self.env.note_dependency(str(path))
        prefix = "brief-" + path.parent.name.replace("_", "-")
        return [nodes.raw("", self_study_html(path, prefix), format="html")]


def setup(app):
    # A config value, so that switching it makes Sphinx read the pages again.
    app.add_config_value("course_self_study", self_study_on(), "env")
    app.add_directive("brief-self-study", BriefSelfStudy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

