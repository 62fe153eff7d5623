"""Are the self-checks on the book's pages the same as ``check()``, usable, and kept in the browser?

The page's JavaScript (book/_static/course-selfcheck.js) is compared with
customs_course.selfcheck on a table of tricky inputs in headless Chromium; then the built site is
opened: a wrong answer gets the hint, a right one says so, progress survives a reload and shows
on the level and framework pages, and no page carries an answer.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import nbformat
import pytest
from browser_support import needs_chromium
from test_book import built_book, site  # noqa: F401  (fixtures: the book, served on loopback)
from test_selfcheck import written_alone

from customs_course.selfcheck import _candidates, answer_hash, canonical, load_questions

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "book" / "_static" / "course-selfcheck.js"
LEVEL1 = "modules/level1_leaders/01_why_data"
PUBLIC_KEYS = {"id", "kind", "decimals", "sha256", "hint", "success"}

NUMBERS = [  # (value, decimals): ties, negative zero, trailing zeros, huge and tiny values
    (0.125, 2), (0.375, 2), (2.5, 0), (3.5, 0), (-2.5, 0), (-0.5, 0), (0.5, 0), (1.5, 0),
    (2.675, 2), (1.005, 2), (1.45, 1), (0.15, 1), (12.5, 1), (12.50, 3), (45.0, 1), (100, 0),
    (-0.0, 2), (-0.0004, 3), (0.0004, 3), (-0.0005, 3), (-1e-10, 0), (-0.4, 0),
    (1 / 3, 4), (2 / 3, 4), (0.1 + 0.2, 1), (0.1 + 0.2, 17), (123456789.125, 2),
    (9007199254740993, 0), (1e16, 2), (1.7976931348623157e308, 0), (5e-324, 3), (2.5e-7, 6),
    (0.0625, 3), (-0.0625, 3), (1234.5678, 4), (99.95, 1), (-99.95, 1),
]
SETS = [
    ["CN", "VN"], ["vn", " cn "], ["B", "D", "b"], ["a  b", "A B"], [], ["Straße"],
    ["STRASSE"], ["ΣΑΣ", "σας"], ["Ça va", "ça  VA"], ["z", "Z", "é", "e", "10", "9"],
]
TEXTS = ["  Red   channel ", "RED CHANNEL", "Straße", "ΣΑΣ", "tab\there", "", "Ça va"]


@pytest.fixture(scope="module")
def js(browser):
    """A blank page with the self-check script loaded (its widgets find nothing to do)."""
    page = browser.new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=SCRIPT.read_text())
    yield page
    page.close()


def js_canonical(js, value, kind, decimals=0):
    return js.evaluate("([v, k, d]) => CourseSelfcheck.canonical(v, k, d)", [value, kind, decimals])


@needs_chromium
@pytest.mark.browser
def test_does_the_page_put_numbers_in_the_same_canonical_form_as_python(js):
    for value, decimals in NUMBERS:
        python = canonical(value, kind="number", decimals=decimals)
        assert js_canonical(js, float(value), "number", decimals) == python, (value, decimals)
    assert canonical(-0.0004, kind="number", decimals=3) == "0.000"  # no negative zero
    assert canonical(2.5, kind="number") == "2" and canonical(0.125, kind="number",
                                                                  decimals=2) == "0.12"


@needs_chromium
@pytest.mark.browser
def test_does_the_page_put_sets_and_texts_in_the_same_canonical_form_as_python(js):
    for values in SETS:
        assert js_canonical(js, values, "set") == canonical(values, kind="set"), values
    for text in TEXTS:
        for kind in ("text", "choice"):
            assert js_canonical(js, text, kind) == canonical(text, kind=kind), text


@needs_chromium
@pytest.mark.browser
def test_does_the_page_accept_the_same_neighbours_of_a_number_as_python(js):
    for value, decimals in NUMBERS[:25]:
        entry = {"id": "q", "kind": "number", "decimals": decimals}
        page_texts = js.evaluate("([e, v]) => CourseSelfcheck.candidates(e, v)", [entry, value])
        assert page_texts == _candidates(entry, value), (value, decimals)


@needs_chromium
@pytest.mark.browser
def test_does_the_page_hash_like_python_with_webcrypto_and_without(js):
    texts = ["", "b|d", "0.000", "ΣΑΣ ß", "x" * 55, "x" * 56, "x" * 64, "y" * 119, "z" * 1000]
    for text in texts:
        python = answer_hash("l1-1-data-driven", text)
        for fallback in (False, True):
            page = js.evaluate("([t, f]) => CourseSelfcheck.answerHash('l1-1-data-driven', t, f)",
                               [text, fallback])
            assert page == python, (text, fallback)


@needs_chromium
@pytest.mark.browser
def test_does_the_page_read_numbers_as_a_reader_types_them(js):
    def parsed(text):
        return js.evaluate("""t => { try { return CourseSelfcheck.parseNumber(t); }
                                     catch (e) { return "refused"; } }""", text)

    assert parsed("1,234.5") == 1234.5 and parsed(" 45 % ") == 45 and parsed("-0.25") == -0.25
    assert parsed("12.50") == 12.5 and parsed("1e3") == 1000 and parsed(".5") == 0.5
    for refused in ("1,5", "twelve", "", "1.2.3", "--1"):
        assert parsed(refused) == "refused", refused
    assert js.evaluate("CourseSelfcheck.parseList('CN, vn;; TH ,')") == ["CN", "vn", "TH"]


# --- The built site -------------------------------------------------------------------------


def widgets(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" class="course-selfcheck-data">(.*?)'
                       r"</script>", html, re.DOTALL)
    return {data["id"]: data for data in map(json.loads, found)}


def right_letters(entry: dict, letters: str = "ABCDE") -> list[str]:
    """A lettered question's answer, found from its hash as anyone could: 32 tries at most."""
    for size in range(len(letters) + 1):
        for ticked in itertools.combinations(letters, size):
            if answer_hash(entry["id"], canonical(list(ticked), kind="set")) == entry["sha256"]:
                return list(ticked)
    raise AssertionError(f"no set of letters matches {entry['id']}")


@pytest.mark.slow
def test_is_every_question_on_its_lessons_page_with_only_its_public_data(built_book):  # noqa: F811
    questions = load_questions(ROOT)
    shown: dict[str, str] = {}
    for page in sorted(built_book.glob("modules/*/*.html")):
        for question_id, data in widgets(page.read_text()).items():
            assert question_id not in shown, f"{question_id} on {shown.get(question_id)} and {page}"
            shown[question_id] = page.name
            assert set(data) <= PUBLIC_KEYS, data
            stored = {"id": question_id, **questions[question_id]}
            assert data == {key: stored[key] for key in data}, question_id
    # the graded exercises' self-study checks are asked in their notebooks, not on lesson pages
    in_lessons = {q for q in questions if "-ex-" not in q}
    assert set(shown) == in_lessons, in_lessons ^ set(shown)


@pytest.mark.slow
def test_do_level_1_pages_show_no_code_and_ask_with_boxes_to_tick(built_book):  # noqa: F811
    pages = sorted(built_book.glob("modules/level1_leaders/*.html"))
    assert len(pages) == 5
    for page in pages:
        html = page.read_text()
        assert "cell_input" not in html and "highlight-ipython3" not in html, page.name
        assert "check(" not in html, f"{page.name} asks for Python"
        for question_id, data in widgets(html).items():
            form = html[html.index(f'data-question="{question_id}"'):]
            form = form[: form.index("</form>")]
            assert form.count('type="checkbox"') >= 4 and "checked" not in form, question_id
            answer = canonical(right_letters(data), kind="set")
            assert not written_alone(answer).search(html.casefold()), (page.name, answer)


@pytest.fixture
def reader(browser, site):  # noqa: F811
    """A reader's browser: its own storage, nothing loaded from another host."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site)
               else (page.problems.append(route.request.url), route.abort()))
    yield page
    context.close()


def form_of(page, question_id):
    return page.locator(f'.course-selfcheck[data-question="{question_id}"]')


def tick(form, letters):
    boxes = form.locator("input[type=checkbox]")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.set_checked(box.get_attribute("value") in letters)


def level1_lesson_questions(html: Path) -> list[dict]:
    """The questions on the first level 1 lesson's page, in page order, with their ids."""
    questions = load_questions(ROOT)
    return [questions[q] | {"id": q}
            for q in widgets((html / f"{LEVEL1}.html").read_text())]


def level1_lesson_row(reader, base: str):
    """That lesson's row in the progress table of the level 1 page (opened here)."""
    reader.goto(f"{base}/book/levels/level1_leaders.html")
    return reader.locator(".course-progress tr", has=reader.locator(f'a[href$="{LEVEL1}.html"]'))


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_a_reader_get_the_hint_then_correct_and_keep_progress_after_a_reload(
    reader, site, built_book  # noqa: F811
):
    first, second = level1_lesson_questions(built_book)
    reader.goto(f"{site}/{LEVEL1}.html")
    form = form_of(reader, first["id"])
    status = form.locator("[role=status][aria-live=polite]")
    assert form.is_visible() and form.locator("legend").inner_text().startswith("Your answer")

    right = right_letters(first)
    wrong = [letter for letter in "ABCDE" if letter not in right][:1]
    tick(form, wrong)
    form.locator("button", has_text="Check").click()
    assert status.inner_text() == f"Not yet: {first['hint']}"

    # The keyboard alone: Space ticks the focused box, Enter sends the form.
    tick(form, [])
    for letter in right:
        form.locator(f"input[value={letter}]").focus()
        reader.keyboard.press("Space")
    form.locator("button").focus()
    reader.keyboard.press("Enter")
    status.filter(has_text="Correct").wait_for(timeout=5000)

    reader.reload()
    form = form_of(reader, first["id"])
    assert "Correct" in form.locator("[role=status]").inner_text()
    ticked = [box.get_attribute("value") for box in form.locator("input:checked").all()]
    assert ticked == right

    row = level1_lesson_row(reader, site)
    assert row.locator("td").nth(1).inner_text() == "1 of 2"
    assert row.locator("td").nth(2).inner_text() == "not yet"

    reader.goto(f"{site}/{LEVEL1}.html")
    form = form_of(reader, second["id"])
    tick(form, right_letters(second))
    form.locator("button").click()
    form.locator("[role=status]").filter(has_text="Correct").wait_for(timeout=5000)

    row = level1_lesson_row(reader, site)
    assert row.locator("td").nth(2).inner_text() == "yes"
    assert "completed 1 of 5 lessons" in reader.locator(".course-progress-summary").inner_text()

    reader.goto(f"{site}/book/framework.html")
    progress = reader.locator(".course-progress table")
    governance = progress.locator("tr", has_text="Data governance and ethics")
    assert governance.locator("td").nth(0).inner_text().startswith("1 of ")
    assert governance.locator("td").nth(1).inner_text() == "awareness"
    privacy = progress.locator("tr", has_text="Privacy")
    assert privacy.locator("td").nth(0).inner_text().startswith("0 of ")
    assert privacy.locator("td").nth(1).inner_text() == "none yet"
    assert not reader.problems, reader.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_progress_saved_against_an_older_answer_stop_counting(
    reader, site, built_book  # noqa: F811
):
    """New data change an answer (``selfcheck update``): an earlier "correct" no longer counts."""
    stale, current = level1_lesson_questions(built_book)
    saved = {stale["id"]: {"correct": True, "answer": right_letters(stale), "sha256": "0" * 64},
             current["id"]: {"correct": True, "answer": right_letters(current),
                             "sha256": current["sha256"]}}
    reader.goto(f"{site}/{LEVEL1}.html")
    reader.evaluate("saved => localStorage.setItem('customs-course:selfcheck:v1', saved)",
                    json.dumps(saved))
    reader.reload()
    assert "data have changed" in form_of(reader, stale["id"]).locator("[role=status]").inner_text()
    assert "Correct" in form_of(reader, current["id"]).locator("[role=status]").inner_text()

    assert level1_lesson_row(reader, site).locator("td").nth(1).inner_text() == "1 of 2"

    reader.goto(f"{site}/{LEVEL1}.html")  # answered again, against today's answer: it counts
    form = form_of(reader, stale["id"])
    form.locator("button", has_text="Check").click()
    form.locator("[role=status]").filter(has_text="Correct").wait_for(timeout=5000)
    assert level1_lesson_row(reader, site).locator("td").nth(1).inner_text() == "2 of 2"
    assert not reader.problems, reader.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_a_number_question_take_a_typed_answer_and_refuse_a_lone_comma(reader, site):  # noqa: F811
    question_id = "l2-1-declarations"
    reader.goto(f"{site}/modules/level2_secretariat/01_spreadsheet_to_notebook.html")
    form = form_of(reader, question_id)
    field = form.get_by_label(re.compile("Your answer"))
    field.fill("1,5")
    field.press("Enter")
    assert "point for decimals" in form.locator("[role=status]").inner_text()
    field.fill("12")
    field.press("Enter")
    hint = load_questions(ROOT)[question_id]["hint"]
    form.locator("[role=status]").filter(has_text=hint).wait_for(timeout=5000)
    assert not reader.problems, reader.problems



# --- Level 1's brief for a reader alone (book/_ext/brief_self_study.py) ---------------------

BRIEF = ROOT / "solutions" / "level1_decision_brief" / "decision_brief.ipynb"


@pytest.fixture(scope="module")
def brief_page():
    import sys

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import brief_self_study
    finally:
        sys.path.remove(str(ROOT / "book" / "_ext"))
    return brief_self_study


@pytest.fixture(scope="module")
def brief_notebook():
    return nbformat.read(BRIEF, 4)


def test_does_the_brief_check_each_answer_from_the_instructors_source_only(brief_page,
                                                                         brief_notebook):
    html = brief_page.self_study_html(BRIEF, "brief-l1")
    data = widgets(html)
    assert len(data) == 7
    for answer in brief_page.manual_answers(brief_notebook)[:7]:
        entry = data[f"brief-l1-{answer['id']}"]
        assert set(entry) <= PUBLIC_KEYS
        right = brief_page.ANSWER.search(answer["solution"]).group(1)
        value = right if entry["kind"] == "choice" else float(right)
        assert answer_hash(entry["id"], _candidates(entry, value)[0]) == entry["sha256"]
        outside_template = html.split("<template>")[0]
        assert f"<strong>{right}</strong>" not in outside_template
    template = html[html.index("<template>"):html.index("</template>")]
    assert "Model answer" in template and html.count("Model answer") == 1


#: Each number question of the brief: what its grading note tells the grader to read. New
#: sandbox data change the tables, and a key left behind marks the honest reading wrong
#: (Chart 2b's uncontrolled share moved from 22.5 to 45.7 when AEOs got a green lane).
READINGS = {
    "q2_green_median": lambda ns: ns["table_1"].loc["green", "median (hours)"],
    "q4_unseen_revenue": lambda ns: ns["revenue_shares"]["uncontrolled lines"],
    "q5_revenue_at_10": lambda ns: ns["table_3"].loc["the model, top 10%",
                                                    "revenue at risk found (%)"],
}


@pytest.fixture(scope="module")
def brief_numbers(brief_page, brief_notebook):
    numbers = {}
    for answer in brief_page.manual_answers(brief_notebook)[:7]:  # the 8th is the brief itself
        _, entry, _ = brief_page.question_entry("brief", answer)
        if entry["kind"] == "number":
            numbers[answer["id"]] = brief_page.ANSWER.search(answer["solution"]).group(1)
    return numbers


@pytest.fixture(scope="module")
def brief_tables(brief_notebook):
    """The brief's code cells run as a reader runs them (charts drawn off screen)."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    for cell in brief_notebook.cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, str(BRIEF), "exec"), namespace)  # our own notebook
    return namespace


def test_has_every_number_question_of_the_brief_a_reading(brief_numbers):
    assert set(brief_numbers) == set(READINGS)


@pytest.mark.slow
@pytest.mark.parametrize("question", sorted(READINGS))
def test_is_the_number_in_the_briefs_key_the_one_its_table_shows(brief_numbers, brief_tables,
                                                                 question):
    key = brief_numbers[question]
    decimals = len(key.partition(".")[2])
    shown = round(float(READINGS[question](brief_tables)), decimals)
    assert float(key) == pytest.approx(shown, abs=10 ** -decimals / 2), (
        f"{question}: the key says {key}, the table shows {shown}")


def test_is_the_brief_check_left_out_unless_asked_for_by_name(brief_page, monkeypatch):
    monkeypatch.delenv(brief_page.SWITCH, raising=False)
    assert not brief_page.self_study_on()
    monkeypatch.setenv(brief_page.SWITCH, "yes")  # only "1" switches it on
    assert not brief_page.self_study_on()
    monkeypatch.setenv(brief_page.SWITCH, "1")
    assert brief_page.self_study_on()


@needs_chromium
@pytest.mark.browser
def test_does_a_reader_alone_see_the_model_brief_only_after_writing_one(browser, brief_page):
    page = browser.new_page()
    page.goto("about:blank")
    page.set_content(f"<html><body>{brief_page.self_study_html(BRIEF, 'brief-l1')}</body></html>")
    page.add_script_tag(content=SCRIPT.read_text())
    first = form_of(page, "brief-l1-q1_typical_time")
    first.locator("input[value=A]").check()
    first.locator("button").click()
    first.locator("[role=status]").filter(has_text="Not yet").wait_for(timeout=5000)
    assert "consignments held for weeks" in first.locator("[role=status]").inner_text()
    first.locator("input[value=B]").check()
    first.locator("button").click()
    first.locator("[role=status]").filter(has_text="Correct").wait_for(timeout=5000)
    number = form_of(page, "brief-l1-q2_green_median")
    number.locator("input[type=text]").fill("12.8")  # one unit of its precision away counts
    number.locator("input[type=text]").press("Enter")
    number.locator("[role=status]").filter(has_text="Correct").wait_for(timeout=5000)

    brief = page.locator(".course-model-brief")
    button = brief.locator("button", has_text="Show the model brief")
    assert button.is_disabled() and not brief.locator(".course-model-brief-text").inner_text()
    brief.get_by_label(re.compile("Your recommendation")).fill("median " * 29)
    assert button.is_disabled()  # 29 words
    brief.get_by_label(re.compile("Your recommendation")).fill("median " * 30)
    button.click()
    assert "Model answer" in brief.locator(".course-model-brief-text").inner_text()
    page.close()


@pytest.mark.slow
def test_does_the_briefs_page_show_charts_and_no_code_and_no_answer_by_default(
    built_book, brief_page  # noqa: F811
):
    notebook = (built_book / "exercises" / "level1_decision_brief" / "decision_brief.html")
    html = notebook.read_text()
    assert "cell_input" not in html and "YOUR ANSWER HERE" in html
    assert len(re.findall(r"<img[^>]+src=", html)) >= 3, "the brief's charts are not on its page"
    assert "Traceback" not in html and "NotImplementedError" not in html
    if not brief_page.self_study_on():  # the default build: nothing to read the answers from
        for page in (notebook, built_book / "book" / "exercises" / "level1_decision_brief.html"):
            text = page.read_text()
            assert "course-selfcheck-data" not in text and "Model answer" not in text, page


@pytest.mark.parametrize("switch", ["1", None])
def test_does_sphinx_build_the_brief_check_only_when_switched_on(tmp_path, switch):
    """A one-page Sphinx project with the book's two extensions, as `make book` loads them."""
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k != "COURSE_SELF_STUDY"}
    if switch:
        environment["COURSE_SELF_STUDY"] = switch
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'selfcheck_page', 'brief_self_study']\n")
    (source / "index.md").write_text(
        "# Brief\n\n## Studying alone\n\n"
        "```{brief-self-study} solutions/level1_decision_brief/decision_brief.ipynb\n```\n")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(source),
                            str(tmp_path / "html")], env=environment, capture_output=True,
                           text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    html = (tmp_path / "html" / "index.html").read_text()
    assert ("Model answer" in html) is bool(switch)
    assert len(widgets(html)) == (7 if switch else 0)
    assert ("course-selfcheck.js" in html) is bool(switch)


# --- Level 1 in JupyterLab: the same questions as boxes to tick (selfcheck.quiz) ------------

LEVEL1_LESSONS = sorted((ROOT / "modules" / "level1_leaders").glob("0*.md"))


@pytest.mark.parametrize("lesson", LEVEL1_LESSONS, ids=lambda path: path.stem)
def test_does_each_level_1_lesson_offer_its_questions_as_a_quiz_with_their_letters(lesson):
    import ast

    text = lesson.read_text()
    section = text[text.index("## Self-check"):text.index("## Key points")]
    asked = re.findall(r"\(question `([\w-]+)`\)", section)
    call = re.search(r"^quiz\((\{.*?\})\)$", section, re.MULTILINE)
    assert asked and call, f"{lesson.name}: no questions named, or no quiz() cell"
    quiz_letters = ast.literal_eval(call.group(1))
    assert list(quiz_letters) == asked
    for question_id, next_id in zip(asked, [*asked[1:], None], strict=True):
        block = section[section.index(f"`{question_id}`"):]
        block = block[: block.index(f"`{next_id}`") if next_id else block.index("```{code-cell")]
        assert quiz_letters[question_id] == "".join(re.findall(r"- \*\*([A-Z])\.\*\*", block))
    assert "check(" not in section


def test_does_the_quiz_say_correct_or_give_the_hint_when_its_boxes_are_ticked():
    from customs_course.selfcheck import quiz

    entry = {"id": "l1-1-data-driven", **load_questions(ROOT)["l1-1-data-driven"]}
    form = quiz({"l1-1-data-driven": "ABCDE"}).children[0]
    boxes, result = form.children[1].children, form.children[2]
    *letters, button = boxes
    right = right_letters(entry)
    for box in letters:
        box.value = box.description not in right
    button.click()
    assert "Not yet" in result.value and "Two statements agree" in result.value
    for box in letters:
        box.value = box.description in right
    button.click()
    assert "Correct" in result.value
