"""The submissions of the adversarial grading suite (:mod:`tests.grading.test_adversarial`).

The assignment "guarded" has two answers, ``hit_rate`` and ``top_precision``, each checked by a
test cell worth 2 points that calls a helper (``math.isclose``, ``precision_at_k``) and holds a
hidden test quoting :data:`SECRET`. Every attacker answers **wrong**, so any point it gets is a
point stolen; each ``Attack`` says what the grader must record.

Code is written as templates: ``{course}``, ``{outside}``, ``{port}``, ``{host_ip}``, ``{mark}``
and the read-only folders ``{venv}``, ``{src}``, ``{data}`` are filled in by the test. The
grader's secret (the value of :data:`TOKEN_VARIABLE`) is not: an attacker does not know it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECRET = "SECRET-HIDDEN-CHECK-7f3a"
TOKEN_VARIABLE = "GRADER_SECRET_TOKEN"

SETUP = "import math\nfrom customs_course.metrics import precision_at_k"
RIGHT_RATE = "def hit_rate(hits, controls):\n    return hits / controls"
RIGHT_TOP = (
    "def top_precision(truth, scores):\n    return precision_at_k(truth, scores, 0.5)"
)
WRONG_RATE = "def hit_rate(hits, controls):\n    return 0.5"
WRONG_TOP = "def top_precision(truth, scores):\n    return 0.0"
TEST_RATE = (
    '"""hit_rate divides hits by controls."""\n'
    'assert math.isclose(hit_rate(3, 4), 0.75), "hit_rate(3, 4) should be 0.75"\n'
    "### BEGIN HIDDEN TESTS\n"
    f'assert math.isclose(hit_rate(1, 8), 0.125), "{SECRET}"\n'
    "### END HIDDEN TESTS"
)
TEST_TOP = (
    '"""top_precision is precision_at_k at half of the lines."""\n'
    "truth, scores = [1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2]\n"
    "assert top_precision(truth, scores) == precision_at_k(truth, scores, 0.5)\n"
    "### BEGIN HIDDEN TESTS\n"
    f'assert top_precision([0, 1], [0.2, 0.9]) == 1.0, "{SECRET}"\n'
    "### END HIDDEN TESTS"
)


@dataclass(frozen=True)
class Attack:
    """One submission: what it does and what the grader must record for it."""

    student: str
    what: str
    rate: str = WRONG_RATE  # the answer cell of hit_rate
    top: str = WRONG_TOP  # the answer cell of top_precision
    statuses: tuple[str, ...] = ("graded",)  # acceptable statuses
    reason: str = ""  # a part of the recorded reason
    score: float = 0.0
    file: str = ""  # how the file is damaged: "garbage", "test_edited", "points", "ungraded"
    tags: tuple[str, ...] = field(default_factory=tuple)


STEAL_FILES = """
import glob, os
stolen = []
targets = ["{course}/solutions/guarded/guarded.ipynb", "{course}/grading/gradebook.db",
           "{course}/grading/submitted/honest1/guarded/guarded.ipynb",
           "{course}/grading/autograded/honest1/guarded/guarded.ipynb",
           "{course}/grading/nbgrader_config.py"]
for top, folders, files in os.walk("/"):
    if top == "/":
        folders[:] = [f for f in folders if f not in ("proc", "sys", "dev")]
    targets += [os.path.join(top, f) for f in files if f.endswith((".ipynb", ".db"))]
for path in targets:
    try:
        with open(path, "rb") as handle:
            if b"SECRET" in handle.read():
                stolen.append(path)
    except OSError as exc:
        print("refused:", path, type(exc).__name__)
print("stolen:", stolen)
""" + WRONG_RATE

STEAL_ENVIRONMENT = """
import glob, os
found = {{k: v for k, v in os.environ.items() if k.startswith("GRADER")}}
for path in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        for entry in open(path, "rb").read().split(b"\\0"):
            if entry.startswith(b"GRADER"):
                found[path] = entry.decode()
    except OSError:
        pass
print("environment seen:", sorted(os.environ), "grader variables found:", found)
""" + WRONG_RATE

WRITE_OUTSIDE = """
import os
targets = ["{course}/grading/gradebook.db", "{course}/grading/exports/guarded/grades.csv",
           "{course}/solutions/guarded/guarded.ipynb",
           "{course}/grading/submitted/honest1/guarded/guarded.ipynb",
           "{outside}/sentinel.txt", "{outside}/new_file.txt", "/tmp/pwned-{mark}",
           "{venv}/pwned", "{src}/customs_course/pwned.py", "{data}/pwned.csv"]
for path in targets:
    try:
        with open(path, "ab") as handle:
            handle.write(b"PWNED")
        print("wrote", path)
    except OSError as exc:
        print("refused:", path, type(exc).__name__)
""" + WRONG_RATE

NETWORK = """
import socket
for host in ("127.0.0.1", "{host_ip}"):
    try:
        socket.create_connection((host, {port}), timeout=3).sendall(b"leak")
        print("connected to", host)
    except OSError as exc:
        print("no network to", host, type(exc).__name__)
""" + WRONG_RATE

MEMORY = "blob = bytearray(8 * 2**30)\n" + WRONG_RATE
CPU = "while True:\n    pass\n" + WRONG_RATE
FORK_BOMB = """
import os, time
children = 0
while True:
    if os.fork() == 0:
        time.sleep(120)
        os._exit(0)
    children += 1
""" + WRONG_RATE
OUTPUT_FLOOD = "for _ in range(40):\n    print('x' * 1_000_000)\n" + WRONG_RATE
DISK = """
with open("/tmp/fill.bin", "wb") as handle:
    for _ in range(1024):
        handle.write(b"0" * 2**20)
""" + WRONG_RATE
PATCH_HELPER = "import math\nmath.isclose = lambda *args, **kwargs: True\n" + WRONG_RATE
SHADOW_HELPER = "precision_at_k = lambda *args, **kwargs: 0.0\n" + WRONG_TOP
SILENCE_HANDLER = (
    "get_ipython().set_custom_exc((Exception,), lambda *args, **kwargs: None)\n" + WRONG_RATE
)
SILENCE_TRACEBACK = (
    "ip = get_ipython()\nip.showtraceback = lambda *args, **kwargs: None\n"
    "ip._showtraceback = lambda *args, **kwargs: None\n" + WRONG_RATE
)
DROP_ASSERTS = """
import ast
class DropAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(DropAsserts())
""" + WRONG_RATE
HOOK_CELLS = (
    "get_ipython().events.register('pre_run_cell', lambda info: None)\n" + WRONG_RATE
)
EXIT_HARD = "import os\nos._exit(0)\n" + WRONG_RATE
EXIT_POLITE = "exit()\n" + WRONG_RATE
KILL_ALL = "import os, signal\nos.kill(-1, signal.SIGKILL)\n" + WRONG_RATE
FAKE_RESULTS = """
import json, os
fake = json.dumps({{"student": "fake_results", "success": True, "grades": {{}}}}) + "\\n"
print("All tests passed! Score: 4 / 4")
for fd in range(0, 64):  # every pipe it holds: one might lead to the grader
    try:
        if os.readlink(f"/proc/self/fd/{{fd}}").startswith("pipe:"):
            os.write(fd, fake.encode())
    except OSError:
        pass
""" + WRONG_RATE
LEAK_HIDDEN = """
seen = []
def hit_rate(hits, controls):
    seen.append(get_ipython().user_ns["In"][-1])
    print("test being run:", seen[-1])
    return 0.5
"""
LEAK_LATER = 'print("the test I saw earlier:", seen)\n' + WRONG_TOP

ATTACKS = [
    Attack("honest1", "answers right", RIGHT_RATE, RIGHT_TOP, score=4.0),
    Attack("honest2", "answers right", RIGHT_RATE, RIGHT_TOP, score=4.0),
    Attack("wrong", "answers wrong, attacks nothing"),
    Attack("steal_files", "reads solutions, gradebook, other submissions", STEAL_FILES),
    Attack("steal_env", "reads the grader's environment variables", STEAL_ENVIRONMENT),
    Attack("write_outside", "writes to the gradebook, exports, solutions...", WRITE_OUTSIDE),
    Attack("network", "connects to a server of the grading machine", NETWORK),
    Attack("memory", "allocates 8 GiB", MEMORY, reason="memory limit"),
    Attack("cpu", "spins forever", CPU, statuses=("resource_limit",), reason="CPU time"),
    Attack("fork_bomb", "forks until it cannot", FORK_BOMB, reason="process limit"),
    Attack("output_flood", "prints 40 MB", OUTPUT_FLOOD, reason="output limit"),
    Attack("disk", "writes 1 GiB", DISK, reason="limit"),
    Attack("patch_helper", "replaces math.isclose", PATCH_HELPER, statuses=("tampered",),
           reason="math.isclose"),
    Attack("shadow_helper", "shadows precision_at_k", top=SHADOW_HELPER,
           statuses=("tampered",), reason="precision_at_k"),
    Attack("silence_handler", "installs an IPython exception handler", SILENCE_HANDLER,
           statuses=("tampered",), reason="exception handler"),
    Attack("silence_traceback", "replaces showtraceback", SILENCE_TRACEBACK,
           statuses=("tampered",), reason="replaced"),
    Attack("drop_asserts", "adds an AST transformer that drops assert", DROP_ASSERTS,
           statuses=("tampered",), reason="ast_transformers"),
    Attack("hook_cells", "registers a pre_run_cell hook", HOOK_CELLS, statuses=("tampered",),
           reason="event pre_run_cell"),
    Attack("exit_hard", "os._exit(0) in an answer", EXIT_HARD, statuses=("kernel_crash",),
           reason="died"),
    Attack("exit_polite", "exit() in an answer", EXIT_POLITE,
           statuses=("graded", "kernel_crash")),
    Attack("kill_all", "kills every process it can", KILL_ALL, statuses=("kernel_crash",),
           reason="died"),
    Attack("fake_results", "prints fake results and writes them to every fd", FAKE_RESULTS),
    Attack("leak_hidden", "prints the hidden test it is called from, then again later",
           LEAK_HIDDEN, LEAK_LATER),
    Attack("test_edited", "empties the test cells", file="test_edited",
           statuses=("test_cell_edited",), reason="edited"),
    Attack("points", "sets the tests' points to 100 and answers right", RIGHT_RATE, RIGHT_TOP,
           file="points", statuses=("test_cell_edited",), reason="edited", score=4.0),
    Attack("ungraded", "turns the test cells into plain cells", file="ungraded",
           statuses=("cells_changed", "grading_error"), reason="test_rate"),
    Attack("garbage", "hands in random bytes", file="garbage", statuses=("corrupt",),
           reason="not a notebook"),
]


# --- Issue 14: given data names are watched, poisoned files are the student's alone ----------
# The set-up cell now also binds ``checks``, a DataFrame the test of top_precision reads: the
# grader fingerprints it after the set-up cell and after every answer and test cell.
SETUP += (
    "\nimport pandas as pd\n"
    "checks = pd.DataFrame({'truth': [1, 0, 1, 0], 'score': [0.9, 0.1, 0.8, 0.2]})"
)
TEST_TOP = TEST_TOP.replace(
    "### BEGIN HIDDEN TESTS",
    "assert top_precision(checks['truth'].tolist(), checks['score'].tolist()) == 1.0\n"
    "### BEGIN HIDDEN TESTS",
)
REBIND_DATA = (
    "import pandas as pd\n"
    "checks = pd.DataFrame({'truth': [0, 0, 0, 0], 'score': [0.9, 0.1, 0.8, 0.2]})\n" + WRONG_TOP
)
MUTATE_DATA = "checks.loc[:, 'truth'] = 0\n" + WRONG_TOP
MUTATE_DATA_LATER = """
def top_precision(truth, scores):
    checks.loc[:, 'truth'] = 0  # during the test, where no answer cell's probe can see it
    return 0.0
"""

#: file kind -> the bytes handed in (``Attack.file``; see ``damaged`` in test_adversarial.py)
POISONED_FILES = {
    "deeply_nested": b'{"nbformat": 4, "cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    "huge_integer": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": '
    + b"9" * 5000 + b'}, "cells": []}',
    "nan": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": NaN}, "cells": []}',
    "source_of_numbers": b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": '
    b'[{"cell_type": "code", "source": [1, 2], "metadata": {}, "outputs": [], '
    b'"execution_count": null}]}',
}

ATTACKS += [
    Attack("rebind_data", "rebinds the given DataFrame the tests read", top=REBIND_DATA,
           statuses=("tampered",), reason="`checks`, the given data the tests use, was rebound"),
    Attack("mutate_data", "changes the given DataFrame in place", top=MUTATE_DATA,
           statuses=("tampered",), reason="`checks`, the given data the tests use, was changed"),
    Attack("mutate_data_later", "changes the given DataFrame while the test runs",
           top=MUTATE_DATA_LATER, statuses=("tampered",), reason="after cell test_top"),
    Attack("deeply_nested", "hands in 400 KB of nested JSON brackets", file="deeply_nested",
           statuses=("corrupt",), reason="nested too deeply"),
    Attack("huge_integer", "hands in a 5,000-digit integer", file="huge_integer",
           statuses=("corrupt",), reason="exceeds the limit"),
    Attack("nan", "hands in NaN, which JSON does not allow", file="nan", statuses=("corrupt",),
           reason="NaN is not allowed"),
    Attack("source_of_numbers", "hands in a cell whose source is a list of numbers",
           file="source_of_numbers", statuses=("corrupt",), reason="schema"),
]

# --- Attacks on the browsers that show the graded notebook, and on the feedback (issue 14) ----
#: what each browser payload would do: a title and a call to the Jupyter API
BROWSER_PAYLOAD = "document.title='pwned';fetch('/api/contents?pwned')"
SCRIPT_OUTPUT = f"""
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('''<script>{BROWSER_PAYLOAD}</script><img src=x onerror="{BROWSER_PAYLOAD}">'''))
display(Javascript('''{BROWSER_PAYLOAD}'''))
display(SVG('''<svg xmlns="http://www.w3.org/2000/svg" onload="{BROWSER_PAYLOAD}"><g/></svg>'''))
display(Markdown('''[click](javascript:{BROWSER_PAYLOAD})'''))
""" + WRONG_RATE
#: a markdown cell the student adds (``file="markdown_html"``)
MARKDOWN_HTML = (
    f"My notes <script>{BROWSER_PAYLOAD}</script> <img src=x onerror=\"{BROWSER_PAYLOAD}\">\n\n"
    f"<iframe srcdoc=\"<script>{BROWSER_PAYLOAD}</script>\"></iframe> "
    f"[click](javascript:{BROWSER_PAYLOAD})"
)
LEAK_ENCODED = """
import base64, codecs
seen = []
def hit_rate(hits, controls):
    seen.append(get_ipython().user_ns["In"][-1])
    print("leaked64:", base64.b64encode(seen[-1].encode()).decode())
    return 0.5
"""
LEAK_ENCODED_LATER = """
print("leaked64:", base64.b64encode(seen[0].encode()).decode())
print("leaked13:", codecs.encode(seen[0], "rot13").replace("\\n", "|"))
""" + WRONG_TOP

ATTACKS += [
    Attack("script_output", "displays <script>, onerror, Javascript, SVG onload, javascript:",
           SCRIPT_OUTPUT, tags=("browser",)),
    Attack("markdown_html", "adds a markdown cell with raw HTML and a javascript: link",
           file="markdown_html", tags=("browser",)),
    Attack("leak_encoded", "prints the hidden test in base64 and rot13, during and after it",
           LEAK_ENCODED, LEAK_ENCODED_LATER),
]
