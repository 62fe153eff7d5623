"""Can a submission cheat or do harm while it is graded? One class of attackers, graded once.

Each submission of :mod:`tests.grading.attacks` tries one attack; two honest students and one
who is merely wrong are graded with them, in the bubblewrap sandbox, two workers in parallel.
The tests then check that every outcome is recorded with its reason, that nobody stole a point,
that the honest students got full marks, and that nothing outside the grader's own output
changed: the course files, the exports, a folder outside the course and the sandbox's
read-only folders are fingerprinted before and after, and the gradebook's tables other than
the scores are hashed before and after.
"""

from __future__ import annotations

import base64
import codecs
import copy
import hashlib
import json
import os
import random
import socket
import sqlite3
import sys
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from attacks import (
    ATTACKS,
    MARKDOWN_HTML,
    RIGHT_RATE,
    RIGHT_TOP,
    SECRET,
    SETUP,
    TEST_RATE,
    TEST_TOP,
    TOKEN_VARIABLE,
)
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from customs_course.grading.autograde import autograde
from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.feedback import generate_feedback
from customs_course.grading.intake import collect_submissions
from customs_course.grading.layout import generate_release, prepare_assignment
from customs_course.grading.roster import import_roster
from customs_course.grading.sandbox import bwrap_problem
from customs_course.paths import data_dir, repo_root

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

LIMITS = """c = get_config()  # noqa: F821
c.Sandbox.memory_mb = 1536
c.Sandbox.cpu_seconds = 10
c.Sandbox.wall_seconds = 150
c.Sandbox.processes = 64
c.Sandbox.output_mb = 2
c.Sandbox.disk_mb = 64
c.Sandbox.uid_base = {uid_base}
"""
#: what the grader itself writes while grading: everything else must stay as it was
GRADER_OUTPUT = ("grading/autograded", "grading/results", "grading/gradebook.db")
SCORE_TABLES = {"grade", "comment", "submitted_assignment", "submitted_notebook"}


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    return {"nbgrader": meta | ({"points": points} if points is not None else {})}


def guarded_source() -> nbformat.NotebookNode:
    """The instructor's notebook: set-up, then two answers, each with a test of 2 points."""
    solution = "### BEGIN SOLUTION\n{}\n### END SOLUTION"
    return new_notebook(
        cells=[
            new_markdown_cell("# Guarded", metadata=_meta("intro", locked=True)),
            new_code_cell(SETUP, metadata=_meta("setup", locked=True)),
            new_code_cell(solution.format(RIGHT_RATE), metadata=_meta("rate", solution=True)),
            new_code_cell(TEST_RATE, metadata=_meta("test_rate", grade=True, locked=True,
                                                    points=2)),
            new_code_cell(solution.format(RIGHT_TOP), metadata=_meta("top", solution=True)),
            new_code_cell(TEST_TOP, metadata=_meta("test_top", grade=True, locked=True, points=2)),
        ],
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}},
    )


def damaged(release, attack, templates: dict) -> bytes:
    if attack.file == "garbage":
        return random.Random(7).randbytes(4096)
    notebook = copy.deepcopy(release)
    if attack.file == "markdown_html":
        notebook.cells.append(new_markdown_cell(MARKDOWN_HTML))
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        answer = {"rate": attack.rate, "top": attack.top}.get(meta.get("grade_id"))
        if answer is not None:
            cell.source = answer.format(**templates)
        if meta.get("grade") and not meta.get("solution"):
            if attack.file == "test_edited":
                cell.source = "pass"
            elif attack.file == "points":
                meta["points"] = 100
            elif attack.file == "ungraded":
                meta["grade"] = False
                meta.pop("points", None)
    return nbformat.writes(notebook).encode()


def fingerprint(folder: Path, skip: tuple[str, ...] = (), *, content: bool = True) -> dict:
    """Path -> sha256 (or size and modification time) of every file under ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_dir() or any(relative.startswith(s) for s in skip):
            continue
        if content:
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            stat = path.lstat()
            found[relative] = (stat.st_size, stat.st_mtime_ns)
    return found


def gradebook_tables(db: Path) -> dict[str, str]:
    """Table -> sha256 of its sorted rows, for the tables that hold no score."""
    with sqlite3.connect(db) as connection:
        query = "SELECT name FROM sqlite_master WHERE type='table'"
        tables = [row[0] for row in connection.execute(query)]
        return {
            table: hashlib.sha256(
                repr(sorted(map(repr, connection.execute(f"SELECT * FROM {table}")))).encode()
            ).hexdigest()
            for table in tables
            if table not in SCORE_TABLES
        }


def read_only_folders() -> dict[str, Path]:
    """The folders the sandbox shows, read-only: they must not change."""
    return {"src": repo_root() / "src", "data": data_dir(), "venv": Path(sys.prefix)}


class Listener:
    """A TCP server on every interface that counts the connections it gets."""

    def __init__(self) -> None:
        self.server = socket.create_server(("0.0.0.0", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


def host_address() -> str:
    """An address of this machine other than loopback (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Grade the whole class of attackers once; return what happened and what to compare."""
    problem = bwrap_problem(0 if os.geteuid() == 0 else None)
    if problem:
        message = f"the adversarial suite needs the bubblewrap sandbox: {problem}"
        if os.environ.get("CI"):  # CI installs bubblewrap: a skip there would hide a failure
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("adversarial")
    course, outside = base / "course", base / "outside"
    (course / "solutions" / "guarded").mkdir(parents=True)
    nbformat.write(guarded_source(), course / "solutions" / "guarded" / "guarded.ipynb")
    uid_base = 65000 + os.getpid() % 100 * 20  # not 62000 (default) nor 63000-64999 (Ctrl-C test)
    (course / "grading").mkdir()
    (course / "grading" / "nbgrader_config.py").write_text(LIMITS.format(uid_base=uid_base))
    outside.mkdir()
    (outside / "sentinel.txt").write_text("nobody writes here\n")
    exports = course / "grading" / "exports" / "guarded"
    exports.mkdir(parents=True)
    (exports / "grades.csv").write_text("student,score\n")

    release_root = base / "release_course"
    (release_root / "solutions" / "guarded").mkdir(parents=True)
    nbformat.write(guarded_source(), release_root / "solutions" / "guarded" / "guarded.ipynb")
    [release_path] = generate_release(
        GradingCourse.open(release_root), "guarded", release_root / "release", record=False
    )
    release = nbformat.read(release_path, as_version=4)

    token = f"token-{random.Random().getrandbits(64):x}"
    mark = f"{random.Random().getrandbits(64):x}"  # names the file an attacker writes in /tmp
    listener = Listener()
    folders = read_only_folders()
    templates = {
        "course": course, "outside": outside, "port": listener.port, "host_ip": host_address(),
        "mark": mark, **{name: str(path) for name, path in folders.items()},
    }
    inbox = base / "inbox"
    inbox.mkdir()
    for attack in ATTACKS:
        (inbox / f"{attack.student}_guarded.ipynb").write_bytes(damaged(release, attack, templates))
    (base / "roster.csv").write_text("student_id\n" + "\n".join(a.student for a in ATTACKS))
    import_roster(base / "roster.csv", course_root=course)
    collect_submissions("guarded", inbox, course_root=course)
    graded_course = GradingCourse.open(course)
    prepare_assignment(graded_course, "guarded")

    before = SimpleNamespace(
        course=fingerprint(course, GRADER_OUTPUT),
        outside=fingerprint(outside),
        tables=gradebook_tables(graded_course.db_path),
        folders={n: fingerprint(p, content=False) for n, p in folders.items()},
    )
    os.environ[TOKEN_VARIABLE] = token  # the grader's secret, inherited by its workers
    start = time.monotonic()
    try:
        report = autograde(
            "guarded", course_root=course, workers=2, timeout=60, progress=False,
            sandbox="bwrap",
        )
    finally:
        del os.environ[TOKEN_VARIABLE]
    seconds = time.monotonic() - start
    print(f"graded {len(ATTACKS)} submissions in {seconds:.1f} s")
    after = SimpleNamespace(
        course=fingerprint(course, GRADER_OUTPUT),
        outside=fingerprint(outside),
        tables=gradebook_tables(graded_course.db_path),
        folders={n: fingerprint(p, content=False) for n, p in folders.items()},
    )
    with graded_course.gradebook() as gradebook:
        scores = {}
        for attack in ATTACKS:
            try:
                scores[attack.student] = gradebook.find_submission("guarded", attack.student).score
            except Exception:  # no submission in the gradebook: not graded
                scores[attack.student] = 0.0
    pages = generate_feedback("guarded", course_root=course)
    return SimpleNamespace(
        course=graded_course, report=report, outcomes={o.student: o for o in report.outcomes},
        scores=scores, before=before, after=after, listener=listener, token=token, mark=mark,
        pages=pages, uid_base=uid_base, seconds=seconds,
    )


def autograded_text(run, student: str) -> str:
    """What the student's autograded notebook printed (stdout and stderr)."""
    path = run.course.autograded_dir(student, "guarded") / "guarded.ipynb"
    notebook = nbformat.read(path, as_version=4)
    return "".join(
        output.text for cell in notebook.cells for output in cell.get("outputs", [])
        if output.output_type == "stream"
    )


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.student for a in ATTACKS])
def test_is_each_attack_recorded_with_its_reason_and_no_point_stolen(attacked, attack):
    outcome = attacked.outcomes[attack.student]
    assert outcome.status.value in attack.statuses, (attack.what, outcome.reason)
    assert attack.reason.lower() in outcome.reason.lower(), (attack.what, outcome.reason)
    if outcome.status.value != "graded":
        assert outcome.reason, attack.what
    assert attacked.scores[attack.student] == attack.score, (attack.what, outcome.reason)


def test_are_the_honest_students_graded_in_full_beside_the_attackers(attacked):
    for student in ("honest1", "honest2"):
        assert attacked.outcomes[student].status.value == "graded"
        assert attacked.outcomes[student].reason == ""
        assert attacked.scores[student] == 4.0
    assert attacked.report.sandbox == "bwrap" and attacked.report.warning is None


def test_do_the_course_files_exports_and_a_folder_outside_stay_unchanged(attacked):
    assert attacked.after.course == attacked.before.course
    assert attacked.after.outside == attacked.before.outside
    assert "grading/exports/guarded/grades.csv" in attacked.before.course
    assert not list(Path("/tmp").glob(f"pwned-{attacked.mark}*"))


def test_do_the_folders_the_sandbox_shows_stay_unchanged(attacked):
    for name, files in attacked.before.folders.items():
        assert attacked.after.folders[name] == files, name


def test_does_the_gradebook_change_only_in_its_scores(attacked):
    assert attacked.after.tables == attacked.before.tables
    with attacked.course.gradebook() as gradebook:
        students = sorted(s.id for s in gradebook.students)
    assert students == sorted(a.student for a in ATTACKS)


def test_can_no_submission_read_course_files_the_environment_or_the_network(attacked):
    stolen = autograded_text(attacked, "steal_files")
    assert "stolen: []" in stolen and "refused:" in stolen
    environment = autograded_text(attacked, "steal_env")
    assert "grader variables found: {}" in environment and TOKEN_VARIABLE not in environment
    assert "no network to 127.0.0.1" in autograded_text(attacked, "network")
    assert attacked.listener.connections == 0
    written = autograded_text(attacked, "write_outside")
    assert written.count("refused:") == 9 and "wrote /tmp/pwned" in written


def test_does_the_grader_secret_reach_no_file_of_the_grading(attacked):
    for path in attacked.course.grading.rglob("*"):
        if path.is_file():
            assert attacked.token.encode() not in path.read_bytes(), path


def test_does_no_feedback_page_show_a_hidden_test(attacked):
    printed = autograded_text(attacked, "leak_hidden")
    later = printed[printed.index("the test I saw earlier"):]
    assert SECRET in later  # it did print the test, in the test cell and in a later cell...
    assert attacked.pages
    for page in attacked.pages:  # ...but the feedback removes it
        assert SECRET not in page.read_text(), page
    leak_page = next(p for p in attacked.pages if "leak_hidden" in p.parts)
    assert "output not shown (produced after hidden tests ran)" in leak_page.read_text()


def test_does_no_process_of_the_sandboxes_outlive_the_grading(attacked):
    if os.geteuid() != 0:
        pytest.skip("sandboxes have their own user ids only when the grader runs as root")
    uids = range(attacked.uid_base, attacked.uid_base + 20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [p for p in Path("/proc").glob("[0-9]*") if _uid(p) in uids]
        if not left:
            break
        time.sleep(0.2)
    assert left == []


def _uid(proc: Path) -> int | None:
    try:
        return proc.stat().st_uid
    except OSError:
        return None


def test_are_path_traversal_ids_and_file_names_refused_or_made_safe(tmp_path, roster):
    course = tmp_path / "course"
    (course / "solutions" / "guarded").mkdir(parents=True)
    nbformat.write(guarded_source(), course / "solutions" / "guarded" / "guarded.ipynb")
    for bad in ("../../evil", "a/b", "..", "/etc/passwd"):
        with pytest.raises(GradingError, match="path|safe folder name"):
            import_roster(roster(tmp_path / "bad.csv", [bad]), course_root=course)
    import_roster(roster(tmp_path / "roster.csv", ["s1"]), course_root=course)
    archive = tmp_path / "class.zip"
    notebook = json.dumps(nbformat.v4.new_notebook()).encode()
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in ("../../../outside_s1.ipynb", "/tmp/absolute_s1.ipynb", "s1/../../x_s1.ipynb"):
            bundle.writestr(name, notebook)
    outside_before = sorted(p.name for p in tmp_path.iterdir())
    collect_submissions("guarded", archive, course_root=course)
    assert sorted(p.name for p in tmp_path.iterdir()) == outside_before
    assert not Path("/tmp/absolute_s1.ipynb").exists()
    stored = [p for p in course.rglob("*.ipynb") if "solutions" not in p.parts]
    assert stored and all(p.resolve().is_relative_to(course / "grading") for p in stored)


# --- Issue 14: poisoned files (appended) -------------------------------------------------------
from attacks import POISONED_FILES  # noqa: E402 (kept with the code that uses it)

_damaged_without_poison = damaged


def damaged(release, attack, templates: dict) -> bytes:  # noqa: F811 (extends the one above)
    """The submission of ``attack``; a poisoned file of attacks.POISONED_FILES as it is."""
    if attack.file in POISONED_FILES:
        return POISONED_FILES[attack.file]
    return _damaged_without_poison(release, attack, templates)


def test_is_the_given_data_unchanged_for_the_honest_and_no_other_student_stopped(attacked):
    """The poisoned files and the data attacks are recorded, and everyone else was graded."""
    assert set(attacked.outcomes) == {a.student for a in ATTACKS}
    for student in ("rebind_data", "mutate_data", "mutate_data_later"):
        assert "`checks`" in attacked.outcomes[student].reason


def _page_of(run, student: str) -> str:
    return next(p for p in run.pages if student in p.parts).read_text()


class ActiveParts(HTMLParser):
    """The parts of a page that would run a payload: scripts, handlers, javascript: links."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.found, self.in_script = marker, [], False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag == "script"
        if tag in ("iframe", "svg", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if value.startswith("javascript:") or (name.startswith("on") or name == "srcdoc") \
                    and self.marker in value:
                self.found.append(f"{tag} {name}={value[:60]}")

    def handle_endtag(self, tag):
        self.in_script = self.in_script and tag != "script"

    def handle_data(self, data):
        if self.in_script and self.marker in data:
            self.found.append(f"script {data[:60]}")


def _active_in_page(html: str) -> list[str]:
    parser = ActiveParts("pwned")
    parser.feed(html)
    return parser.found


def _active_in_notebook(path: Path) -> list[str]:
    """What nbconvert would write into a page active: rich outputs, markdown and raw cells."""
    from nbconvert.filters.markdown import markdown2html

    notebook = nbformat.read(path, as_version=4)
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            found += _active_in_page(markdown2html(cell.source) + cell.source)
        for output in cell.get("outputs", []):
            for kind, value in output.get("data", {}).items():
                text = "".join(value) if isinstance(value, list) else str(value)
                if kind == "text/html":
                    found += _active_in_page(text)
                elif kind == "text/markdown":
                    found += _active_in_page(markdown2html(text))
                elif kind not in ("text/plain", "image/png", "image/jpeg", "application/json"):
                    found.append(kind)
    return found


@pytest.mark.parametrize("student", ["script_output", "markdown_html"])
def test_is_nothing_active_left_in_the_autograded_notebook_or_the_feedback(attacked, student):
    """Formgrader renders the autograded notebook; the student opens the feedback page."""
    submitted = attacked.course.submission_dir(student, "guarded") / "guarded.ipynb"
    autograded = attacked.course.autograded_dir(student, "guarded") / "guarded.ipynb"
    assert "pwned" in submitted.read_text()  # the attack was handed in...
    assert "pwned" in autograded.read_text()  # ...and ran (its code is in the notebook)...
    assert _active_in_notebook(autograded) == []  # ...but nothing of it can run in a page
    assert _active_in_page(_page_of(attacked, student)) == []


def test_does_the_page_check_see_an_active_payload():
    assert _active_in_page('<img src=x onerror="document.title=\'pwned\'">')
    assert _active_in_page("<script>fetch('/api/contents?pwned')</script>")
    assert not _active_in_page("<pre>&lt;script&gt;pwned&lt;/script&gt;</pre>")


def test_does_an_encoded_hidden_test_reach_no_feedback_page(attacked):
    printed = autograded_text(attacked, "leak_encoded")
    leaked = [line.split(": ", 1)[1] for line in printed.splitlines() if line.startswith("leak")]
    decoded = [base64.b64decode(leaked[0]).decode(), codecs.decode(leaked[-1], "rot13")]
    assert len(leaked) == 3  # during the test, then after it in base64 and rot13
    assert all(SECRET in text for text in decoded)  # the kernel did leak it, in two encodings
    page = _page_of(attacked, "leak_encoded")
    assert not [text for text in leaked if text[:40] in page]
    assert "output not shown (produced after hidden tests ran)" in page
