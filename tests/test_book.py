"""Does the book build with every warning, broken reference and failing cell treated as an error?"""

from __future__ import annotations

import functools
import re
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from browser_support import needs_chromium

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


def content_pages(built_book: Path) -> list[Path]:
    skip = {"genindex.html", "search.html", "index.html"}
    return [p for p in built_book.rglob("*.html")
            if p.name not in skip and "_static" not in p.parts and "reports" not in p.parts]


@pytest.mark.slow
def test_has_every_figure_of_the_site_alt_text(built_book):
    missing = {}
    for page in content_pages(built_book):
        article = page.read_text().split('<article class="bd-article"', 1)[-1]
        bare = [img for img in re.findall(r"<img\b[^>]*>", article)
                if not re.search(r'\balt="[^"]+"', img)]
        if bare:
            missing[str(page.relative_to(built_book))] = bare[:2]
    assert not missing, missing


@pytest.mark.slow
def test_are_the_headings_of_every_page_in_order(built_book):
    """One h1 per page, and no heading deeper than one level below the one before it."""
    problems = {}
    for page in content_pages(built_book):
        article = page.read_text().split('<article class="bd-article"', 1)[-1]
        article = article.split("</article>", 1)[0]
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", article)]
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        if levels.count(1) != 1 or jumps:
            problems[str(page.relative_to(built_book))] = levels[:12]
    assert not problems, problems


@pytest.mark.slow
def test_does_the_portal_offer_each_dataset_for_download(built_book):
    from customs_course.datasets import DATASET_NAMES

    downloads = {p.name for p in (built_book / "_downloads").rglob("*")}
    for name in DATASET_NAMES:
        assert {f"{name}_small.csv", f"{name}_small.parquet"} <= downloads, name


# The pages that write formulas; every other page has none (test_is_maths_only_on_these_pages).
MATHS_PAGES = ("book/glossary.html", "modules/level3_statistics/06_privacy_preserving_release.html",
               "modules/level4_pilots/01_valuation_pilot.html")


@pytest.mark.slow
def test_is_maths_written_as_mathml_with_no_mathjax(built_book):
    """book/_ext/mathml_maths.py writes each formula as MathML at build time; no script typesets."""
    for path in MATHS_PAGES:
        html = (built_book / path).read_text()
        assert not re.search(r"<script[^>]*mathjax|MathJax", html), path
        formulas = re.findall(r"<math\b[^>]*>.*?</math>", html, re.DOTALL)
        assert formulas, f"{path}: no <math> element"
        for formula in formulas:
            assert re.search(r'alttext="[^"]+"', formula), formula[:200]
            assert '<annotation encoding="application/x-tex">' in formula, formula[:200]
        prose = re.sub(r"<(math|script|pre|style)\b.*?</\1>", "", html, flags=re.DOTALL)
        assert not re.search(r"\\\(|\\\[|\$[^$<]*\\[a-z]+", prose), f"{path}: raw TeX"


@pytest.mark.slow
def test_is_maths_only_on_these_pages(built_book):
    with_maths = {str(page.relative_to(built_book)) for page in content_pages(built_book)
                  if "<math " in page.read_text()}
    assert with_maths == set(MATHS_PAGES), "list a new page with maths in MATHS_PAGES: its " \
        "weight and layout are then tested"


@pytest.mark.slow
def test_does_a_failing_cell_or_broken_reference_fail_the_build(tmp_path):
    config = (ROOT / "book" / "_config.yml").read_text()
    config = config.replace("exercises/*/*.ipynb", "none/*.ipynb")
    config = config.replace(": _ext", f": {ROOT / 'book' / '_ext'}")
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


# --- In a browser: headless Chromium from Debian, driven by Playwright. ---------------------
# These tests live beside the build tests so that (with pytest-xdist's --dist loadfile) nothing
# reads the site while another worker rebuilds it.

SCREENSHOTS = ROOT / "build" / "test-artifacts" / "screenshots"


def lessons_by_level() -> dict[str, str]:
    """The first lesson (a page from modules/) of each part of the table of contents."""
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text())
    firsts = {}
    for part in toc["parts"]:
        files = [c["file"] for c in part["chapters"] if c["file"].startswith("modules/")]
        if files:
            firsts[part["caption"]] = files[0]
    return firsts


@pytest.fixture(scope="module")
def site(built_book):
    """Serve the built site on a loopback port, as a web server would."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def page(browser, site):
    """A page that records console errors and refuses any request to another host."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))

    def local_only(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            page.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    page.route("**/*", local_only)
    yield page
    page.close()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_can_a_reader_reach_a_lesson_of_each_level_from_the_landing_page(page, site):
    levels = lessons_by_level()
    assert levels, "the table of contents lists no lesson"
    page.goto(f"{site}/index.html")
    page.wait_for_load_state("networkidle")
    assert "Data Analytics for Customs" in page.title()
    shoot(page, "landing")
    for level, lesson in levels.items():
        page.goto(f"{site}/book/intro.html")
        link = page.locator(f'nav.bd-docs-nav a[href$="{lesson}.html"]').first
        assert link.count(), f"no link to {lesson} in the navigation of {level}"
        link.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"{lesson}.html")
        assert page.locator("h1").first.inner_text().strip(), f"{lesson} has no title"
        figures = page.locator("article img")
        for index in range(figures.count()):
            image = figures.nth(index)
            assert image.get_attribute("alt"), f"a figure of {lesson} has no alt text"
            width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
            assert width > 0, f"a figure of {lesson} did not render"
        shoot(page, lesson.replace("/", "__"))
    assert not page.problems, page.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_the_search_box_find_the_lessons(page, site):
    page.goto(f"{site}/book/intro.html")
    page.locator("button.search-button-field, button.search-button__button").first.click()
    box = page.locator("input[name='q']:visible").first
    box.fill("declarations")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=declarations*")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=20_000)
    shoot(page, "search")
    links = [results.nth(i).locator("a").first.get_attribute("href")
             for i in range(results.count())]
    assert any("modules/" in (href or "") for href in links), links
    assert not page.problems, page.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_the_framework_matrix_render_with_every_competency(page, site):
    from customs_course.framework import load_framework

    framework = load_framework()
    page.goto(f"{site}/book/framework.html")
    page.wait_for_load_state("networkidle")
    matrix = page.locator("article table").filter(has_text=framework["competencies"][0]["title"])
    assert matrix.count() >= 1, "the competency matrix is not on the page"
    headers = matrix.first.locator("thead").inner_text()
    for competency in framework["competencies"]:
        assert competency["title"] in headers
    n_items = sum(len(level["modules"]) + len(level["exercises"]) for level in framework["levels"])
    assert matrix.first.locator("tbody tr").count() == n_items
    shoot(page, "framework")
    assert not page.problems, page.problems


# --- For every reader: phone and desktop toggles, search ranking, page weight, print. -------

LESSON = "modules/level1_leaders/04_ai_in_customs"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
# Bytes any page may load the first time it is opened, pages with maths included (MathML: no
# MathJax, no maths web font).
FIRST_LOAD_LIMIT = 1_500_000


def only_visible(page, selector: str):
    visible = [page.locator(selector).nth(i) for i in range(page.locator(selector).count())]
    return [button for button in visible if button.is_visible()]


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_do_the_sidebar_and_contents_buttons_open_the_navigation_on_a_phone(page, site):
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/{LESSON}.html")
    page.wait_for_load_state("networkidle")
    for toggle, dialog, link in ((".primary-toggle", "#pst-primary-sidebar-modal",
                                  "nav.bd-docs-nav a"),
                                 (".secondary-toggle", "#pst-secondary-sidebar-modal",
                                  "nav.page-toc a, .bd-toc-nav a")):
        [button] = only_visible(page, toggle)  # one button for each, and it is the one clicked
        assert not page.locator(f"{dialog}[open]").count()
        button.click()
        opened = page.locator(f"{dialog}[open]")
        opened.wait_for(timeout=5_000)
        assert opened.locator(link).first.is_visible(), f"{toggle} opened no navigation"
        shoot(page, f"phone{toggle.replace('.', '-')}")
        page.keyboard.press("Escape")
        page.locator(f"{dialog}[open]").wait_for(state="detached", timeout=5_000)
    assert not page.problems, page.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_the_sidebar_button_hide_and_show_the_navigation_on_a_desktop(page, site):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{site}/{LESSON}.html")
    page.wait_for_load_state("networkidle")
    navigation = page.locator("#pst-primary-sidebar nav.bd-docs-nav a").first
    assert navigation.is_visible()
    [button] = only_visible(page, ".primary-toggle")
    button.click()
    sidebar = "document.querySelector('#pst-primary-sidebar').getBoundingClientRect()"
    page.wait_for_function(f"{sidebar}.right <= 0", timeout=5_000)  # slid out of view
    button.click()
    page.wait_for_function(f"{sidebar}.left >= 0", timeout=5_000)
    assert navigation.is_visible()
    assert not page.problems, page.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_is_there_one_search_button_and_no_second_header(page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site}/{LESSON}.html")
    page.wait_for_load_state("networkidle")
    assert len(only_visible(page, ".search-button-field, .search-button")) == 1
    assert not only_visible(page, "header.bd-header")


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_search_give_the_lesson_that_teaches_a_concept_first_with_prose(page, site):
    page.goto(f"{site}/search.html?q=precision")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=20_000)
    page.wait_for_function("document.querySelectorAll('#search-results li p.context').length > 2")
    first = results.first
    assert first.locator("a").first.get_attribute("href").split("#")[0].split("?")[0].endswith(
        f"{LESSON}.html"), first.inner_text()
    for index in range(min(results.count(), 5)):
        snippet = results.nth(index).locator("p.context")
        text = snippet.inner_text() if snippet.count() else ""
        assert not re.search(r"\bimport\b|precision_at_k|\w\(", text), text
    assert not page.problems, page.problems


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("path", ["book/intro.html", f"{LESSON}.html", *MATHS_PAGES])
def test_is_a_pages_first_load_light_with_a_favicon_and_no_mathjax(browser, site, path):
    page = browser.new_page(viewport=DESKTOP)  # a new context: nothing cached
    loads, failures = [], []
    page.on("requestfinished", lambda request: loads.append(request))
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.goto(f"{site}/{path}")
    page.wait_for_load_state("networkidle")
    favicon = page.locator("link[rel='icon']").get_attribute("href")
    assert favicon and page.request.get(f"{site}/{path.rsplit('/', 1)[0]}/{favicon}").ok
    statuses = {r.url: r.response().status for r in loads if r.response()}
    total = sum(r.sizes()["responseBodySize"] for r in loads)
    page.close()
    print(f"first load of {path}: {total:,} bytes in {len(loads)} requests")
    assert not failures and all(status < 400 for status in statuses.values()), statuses
    assert not any("fontawesome.js" in url for url in statuses)
    assert not any("mathjax" in url.lower() for url in statuses), "maths is MathML: no MathJax"
    assert not any("searchindex.js" in url for url in statuses), "the index is for search.html"
    assert total < FIRST_LOAD_LIMIT, f"{path}: {total:,} bytes"


# Each formula's box as the browser lays it out, its display, and for a fraction the gap from
# the numerator's bottom to the denominator's top (stacked: >= 0; side by side as text: < 0).
FORMULA_BOXES = """[...document.querySelectorAll('article math')].map(m => {
    const box = m.getBoundingClientRect(), fraction = m.querySelector('mfrac');
    const [top, bottom] = fraction ? [...fraction.children].map(c => c.getBoundingClientRect())
                                   : [null, null];
    return {tex: m.getAttribute('alttext'), width: box.width, height: box.height,
            block: m.getAttribute('display') === 'block', display: getComputedStyle(m).display,
            fraction: !!fraction, stacked: fraction ? bottom.top - top.bottom : null};
})"""
BLOCK_FORMULAS = {"modules/level4_pilots/01_valuation_pilot.html": 1}  # $$ ... $$


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("path", MATHS_PAGES)
def test_is_the_maths_laid_out_by_the_browser_and_read_as_maths(page, site, path):
    """MathML layout, not text: a fraction stands taller than a formula on one line."""
    page.goto(f"{site}/{path}")
    page.wait_for_load_state("networkidle")
    formulas = page.evaluate(FORMULA_BOXES)
    assert formulas and all(f["width"] > 0 and f["height"] > 0 for f in formulas), formulas
    one_line = max(f["height"] for f in formulas if not f["fraction"])
    for formula in formulas:
        if formula["fraction"]:  # numerator over denominator, not side by side
            assert formula["stacked"] >= 0 and formula["height"] > 1.4 * one_line, formula
        assert formula["display"] == ("block math" if formula["block"] else "math"), formula
    assert sum(f["block"] for f in formulas) == BLOCK_FORMULAS.get(path, 0)
    # On a phone a formula wider than the page scrolls; the theme's div.math would cut it off.
    page.set_viewport_size(PHONE)
    overflow = "[...document.querySelectorAll('article div.math')].map(d => [d.scrollWidth > " \
               "d.clientWidth, getComputedStyle(d).overflowX])"
    assert all(style == "auto" for _, style in page.evaluate(overflow))
    assert any(wide for wide, _ in page.evaluate(overflow)) == (path in BLOCK_FORMULAS)
    assert any(f["fraction"] for f in formulas) == ("privacy" not in path)  # it writes a / b
    # A screen reader meets each formula as maths; the TeX annotation is not shown on the page.
    assert page.get_by_role("math").count() == len(formulas)
    shown = page.inner_text("article")
    assert not re.search(r"\\(?:frac|varepsilon|text|sqrt|rho|delta)\b", shown)
    assert not page.problems, page.problems


def test_does_print_css_wrap_code(built_book):
    css = (built_book / "_static" / "course-print.css").read_text()
    assert re.search(r"@media print\s*{[^}]*pre[^{]*{[^}]*white-space:\s*pre-wrap", css)
    html = (built_book / f"{LESSON}.html").read_text()
    assert "course-print.css" in html


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_does_a_long_code_line_wrap_when_printed(page, site):
    page.set_viewport_size({"width": 700, "height": 900})  # about an A4 page's width
    page.goto(f"{site}/modules/level2_secretariat/02_data_quality.html")
    overflow = ("[...document.querySelectorAll('article pre')]"
                ".map(p => p.scrollWidth - p.clientWidth)")
    assert max(page.evaluate(overflow)) > 1, "no code line longer than the page: nothing to test"
    page.emulate_media(media="print")
    assert max(page.evaluate(overflow)) <= 1


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_is_a_worked_solution_folded_until_the_reader_opens_it(page, site):
    """Level 2's worked solutions (book/selfstudy/) show no code until the reader clicks."""
    page.goto(f"{site}/book/selfstudy/level2_first_look.html")
    page.wait_for_load_state("networkidle")
    blocks = page.locator("article .dropdown.admonition")
    assert blocks.count() >= 3
    for index in range(blocks.count()):
        assert not blocks.nth(index).locator("p:not(.admonition-title), pre").first.is_visible()
    code = blocks.first.locator("pre").first
    blocks.first.locator(".admonition-title").click()
    code.wait_for(state="visible", timeout=5000)
    assert "nunique" in code.inner_text()
    assert not blocks.nth(1).locator("pre").first.is_visible(), "one click opened every block"
    assert not page.problems, page.problems
