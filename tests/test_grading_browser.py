"""Does a hostile submission run anything in the browser of the instructor or the student?

One submission is graded for real (collect, autograde in the sandbox when bubblewrap works
here, feedback). Its answer displays a ``<script>``, an ``<img onerror>``, an ``<svg onload>``,
an IPython ``Javascript`` output, an ``<iframe srcdoc>`` and a ``javascript:`` link; its written
answer (markdown) holds raw HTML and a ``javascript:`` link; it adds a markdown cell of its own.
Every payload would set ``document.title``, set a global and call the Jupyter contents API.

Headless Chromium (Debian's, driven as in test_book.py) then opens (a) the feedback page and (b)
nbgrader's formgrader, served by a real Jupyter server on loopback showing the autograded
notebook, clicks every bait link, and checks that no payload ran: the title, the globals and
every request the page made (recorded by Playwright through the DevTools protocol). The server
is asked afterwards whether a kernel or session was started.

It lives in tests/ (not tests/grading/) to reuse the browser set-up of test_book.py.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import urlparse

import nbformat
import pytest
from browser_support import needs_chromium
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse
from customs_course.grading.feedback import generate_feedback
from customs_course.grading.intake import collect_submissions
from customs_course.grading.layout import generate_release
from customs_course.grading.roster import import_roster
from customs_course.grading.sandbox import bwrap_problem

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

STUDENT = "mallory"
MARKER = "pwned"


def js(kind: str, target: str = "") -> str:
    """The payload: title, a global, a call to the Jupyter API (single quotes only)."""
    return (f"{target}document.title='{MARKER}-{kind}';{target or 'window.'}{MARKER}_{kind}=1;"
            f"{target}fetch('/api/contents?{MARKER}-{kind}')")


HOSTILE_ANSWER = f'''from IPython.display import HTML, SVG, Javascript, display
display(HTML("<script>{js("script")}</script>"))
display(HTML('<img src="x" onerror="{js("img")}">'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="{js("svg")}"><circle r="4"/></svg>'))
display(Javascript("{js("javascript")}"))
display(HTML('<iframe srcdoc="<script>{js("iframe", "parent.")}</script>"></iframe>'))
display(HTML('<a class="bait" href="javascript:{js("link")}">bait-output</a>'))
print("output-of-the-student")
def squares(n):
    return [i * i for i in range(1, n + 1)]'''
HOSTILE_WRITTEN = (
    "It sums n terms of order n squared.\n\n"
    f"<script>{js('mdscript')}</script>\n\n"
    f'<img src="x" onerror="{js("mdimg")}">\n\n'
    f"[bait-markdown](javascript:{js('mdlink')})"
)
HOSTILE_EXTRA_CELL = (
    f"<svg><foreignObject><iframe srcdoc=\"<script>{js('svgfo', 'parent.')}</script>\">"
    "</iframe></foreignObject></svg>"
)


def meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    nbgrader = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                "solution": solution, "task": False}
    return {"nbgrader": nbgrader | ({"points": points} if points is not None else {})}


def source_notebook():
    """An answer, its test (with a hidden test) and a written answer graded by hand."""
    return new_notebook(cells=[
        new_markdown_cell("# Squares", metadata=meta("intro", locked=True)),
        new_code_cell("def squares(n):\n    ### BEGIN SOLUTION\n"
                      "    return [i * i for i in range(1, n + 1)]\n    ### END SOLUTION",
                      metadata=meta("squares", solution=True)),
        new_code_cell('"""squares."""\nassert squares(2) == [1, 4], "squares(2) is [1, 4]"\n'
                      "### BEGIN HIDDEN TESTS\nassert squares(4)[-1] == 16\n"
                      "### END HIDDEN TESTS",
                      metadata=meta("test_squares", grade=True, locked=True, points=2)),
        new_markdown_cell("### BEGIN SOLUTION\nA cubic.\n### END SOLUTION",
                          metadata=meta("written", grade=True, solution=True, points=1)),
    ], metadata={"kernelspec": {"display_name": "Python 3", "language": "python",
                                "name": "python3"}})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course after collecting, autograding and writing the feedback of the submission."""
    base = tmp_path_factory.mktemp("browser-grading")
    course = base / "course"
    (course / "solutions" / "hostile").mkdir(parents=True)
    (course / "grading").mkdir()
    nbformat.write(source_notebook(), course / "solutions" / "hostile" / "hostile.ipynb")
    grading_course = GradingCourse.open(course)
    [release] = generate_release(grading_course, "hostile", base / "release", record=False)
    submission = copy.deepcopy(nbformat.read(release, as_version=4))
    for cell in submission.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.source = {"squares": HOSTILE_ANSWER, "written": HOSTILE_WRITTEN}.get(
            grade_id, cell.source)
    submission.cells.append(new_markdown_cell(HOSTILE_EXTRA_CELL))
    (base / "inbox").mkdir()
    nbformat.write(submission, base / "inbox" / f"{STUDENT}_hostile.ipynb")
    (base / "roster.csv").write_text(f"student_id\n{STUDENT}\n")
    import_roster(base / "roster.csv", course_root=course)
    collect_submissions("hostile", base / "inbox", course_root=course)
    sandbox = "off" if bwrap_problem(0 if os.geteuid() == 0 else None) else "bwrap"
    report = autograde("hostile", course_root=course, workers=1, timeout=60, progress=False,
                       sandbox=sandbox)
    [outcome] = report.outcomes
    assert outcome.status.value == "graded", outcome.reason
    [page] = generate_feedback("hostile", course_root=course)
    return SimpleNamespace(course=course, config=grading_course.config, feedback=page)


def open_and_bait(browser, url: str, origin: str) -> SimpleNamespace:
    """Open ``url``, click every bait link; return the title, globals and requests seen."""
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin)
               else route.abort())  # nothing leaves the machine
    page.goto(url)
    page.wait_for_load_state("networkidle")
    text = page.inner_text("body")
    for index in range(page.locator("a").count()):
        link = page.locator("a").nth(index)
        if "bait" in (link.inner_text() or ""):
            link.click(force=True, no_wait_after=True)
    page.wait_for_timeout(1000)  # time for an onerror, onload or fetch to happen
    seen = SimpleNamespace(
        title=page.title(), text=text, requests=requests,
        globals=page.evaluate(f"Object.keys(window).filter(k => k.startsWith('{MARKER}'))"),
        frames=[frame.url for frame in page.frames],
    )
    page.close()
    return seen


def assert_nothing_ran(seen) -> None:
    assert MARKER not in seen.title, seen.title
    assert seen.globals == []
    assert [url for url in seen.requests if MARKER in url] == []
    jupyter_api = [url for url in seen.requests if urlparse(url).path.startswith("/api/")]
    assert jupyter_api == []  # formgrader's own page calls /formgrader/api/ only


def test_does_the_feedback_page_run_no_student_code(graded, browser):
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(graded.feedback.parent))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        seen = open_and_bait(browser, f"{origin}/{graded.feedback.name}", origin)
    finally:
        server.shutdown()
    assert "output-of-the-student" in seen.text and "It sums n terms" in seen.text
    assert_nothing_ran(seen)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def formgrader_config(config) -> str:
    """nbgrader_config.py for the server's folder: the graded course's folders and gradebook."""
    directory = config.CourseDirectory
    lines = ["c = get_config()  # noqa: F821"]
    for name in ("course_id", "root", "source_directory", "release_directory",
                 "submitted_directory", "autograded_directory", "feedback_directory", "db_url"):
        lines.append(f"c.CourseDirectory.{name} = {getattr(directory, name)!r}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def jupyter_server(graded, tmp_path_factory):
    """A Jupyter server with nbgrader's formgrader on a free loopback port, token required."""
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    (graded.course / "nbgrader_config.py").write_text(formgrader_config(graded.config))
    token, port = secrets.token_hex(16), free_port()
    log = (runtime / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={graded.course}"],
        cwd=graded.course, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime),
             "JUPYTER_CONFIG_DIR": str(runtime / "config")},
    )
    origin = f"http://127.0.0.1:{port}"
    server = SimpleNamespace(origin=origin, token=token, log=runtime / "server.log")
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                api(server, "status")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the Jupyter server did not start:\n{server.log.read_text()}")
                time.sleep(0.5)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group this fixture started, by its id
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    assert process.poll() is not None


def api(server, path: str):
    request = urllib.request.Request(f"{server.origin}/api/{path}",
                                     headers={"Authorization": f"token {server.token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_does_formgrader_show_the_hostile_submission_without_running_it(
    graded, browser, jupyter_server
):
    course = GradingCourse.open(graded.course)
    with course.gradebook() as gradebook:
        submission = gradebook.find_submission_notebook("hostile", "hostile", STUDENT).id
    origin, token = jupyter_server.origin, jupyter_server.token
    seen = open_and_bait(browser, f"{origin}/formgrader/submissions/{submission}/?token={token}",
                         origin)
    assert "output-of-the-student" in seen.text and "It sums n terms" in seen.text, seen.text[:2000]
    assert_nothing_ran(seen)
    assert api(jupyter_server, "kernels") == [] and api(jupyter_server, "sessions") == []
    assert MARKER not in jupyter_server.log.read_text()  # no request of a payload reached it
