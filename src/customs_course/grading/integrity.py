"""Catch a submission that changes its own score from inside the Python kernel.

nbgrader scores a test cell by its outputs: no error, full marks. Student code runs in the same
Python process as the tests, so it could silence errors (an IPython exception handler, a
replaced ``showtraceback``, an AST transformer that drops ``assert``), replace the functions the
tests call (``np.allclose = lambda *a, **k: True``), or shadow a builtin the tests use.

The grader therefore adds *probe* cells to the notebook it sends to the sandbox: one at the
start, one after every run of instructor cells and one after every run of answer cells. A probe
records the identity (``id``) of every module, class and function that the test cells name,
of the builtins, of IPython's and the kernel's methods, and the hooks installed in IPython, and
then **raises** an ``AssertionError`` carrying a random nonce and that report. Back in the
trusted grading process (:func:`check_probes`):

- a probe without its error (or with a wrong nonce) means errors were silenced: tampering;
- a name that an instructor cell set and that changed across the student's cells, an IPython
  method that changed, or a hook added by the student's cells, is tampering, named in the
  reason.

The probes are then removed, and only the outputs of the notebook's own cells reach nbgrader;
:func:`restore_outputs` also refuses a notebook whose cells came back changed.

Limits: a probe runs in the student's process, so a submission written against this very code
(one that recognises probes and answers them) is not excluded; the checks stop the generic
tricks. Names that hold data (a DataFrame the tests compare with) are not watched.
"""

from __future__ import annotations

import ast
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from customs_course.grading.layout import cell_role

PROBE_KEY = "customs_course_probe"
#: modules whose hooks IPython or matplotlib install by themselves (the inline backend)
OWN_HOOK_MODULES = ("IPython", "ipykernel", "matplotlib_inline", "matplotlib")


class TamperingDetected(RuntimeError):
    """The submission changed how it is graded (the message says what was seen)."""


PROBE_SOURCE = '''# Integrity check added by the grader: not part of the assignment.
exec(compile(r"""
import builtins as _b, inspect as _i, json as _j, sys as _s
_shell = get_ipython()
def _describe(obj):
    code = getattr(obj, "__code__", None) or getattr(
        getattr(obj, "__func__", None), "__code__", None)
    module = getattr(obj, "__module__", None) or type(obj).__module__
    return [id(obj), code.co_filename if code else None, str(module)]
def _resolve(chain):
    root, *rest = chain.split(".")
    if root in _shell.user_ns:
        obj, where = _shell.user_ns[root], "user"
    elif hasattr(_b, root):
        obj, where = getattr(_b, root), "builtin"
    else:
        return None
    for part in rest:
        if not (_i.ismodule(obj) or _i.isclass(obj)):
            return None
        try:
            obj = getattr(obj, part)
        except Exception:
            return None
    if not (_i.ismodule(obj) or _i.isclass(obj) or _i.isroutine(obj)):
        return None
    return [*_describe(obj), where]
_names = {c: _resolve(c) for c in CHAINS}
_methods = {}
for _obj in (_shell, getattr(_shell, "kernel", None), _s.stdout, _s.stderr):
    for _cls in type(_obj).__mro__:
        for _k, _v in vars(_cls).items():
            if _i.isroutine(_v):
                _methods[_cls.__qualname__ + "." + _k] = id(_v)
for _obj in (_shell, getattr(_shell, "kernel", None)):
    for _k, _v in getattr(_obj, "__dict__", {}).items():
        if _i.isroutine(_v) and getattr(_v, "__self__", None) is not _obj:
            _methods["instance " + type(_obj).__name__ + "." + _k] = id(_v)
# the kernel binds input() and sys.excepthook anew for each cell it runs
_methods.update({"builtins." + k: id(v) for k, v in vars(_b).items()
                 if (_i.isroutine(v) or _i.isclass(v)) and k != "input"})
_methods["sys.displayhook"] = id(_s.displayhook)
_hooks = [["sys.settrace", *_describe(_s.gettrace())]] if _s.gettrace() else []
_hooks += [["sys.setprofile", *_describe(_s.getprofile())]] if _s.getprofile() else []
for _kind in ("ast_transformers", "input_transformers_cleanup", "input_transformers_post"):
    _hooks += [[_kind, *_describe(_h)] for _h in getattr(_shell, _kind, [])]
for _event, _callbacks in _shell.events.callbacks.items():
    _hooks += [["event " + _event, *_describe(_h)] for _h in _callbacks]
_report = {"names": _names, "methods": _methods, "hooks": _hooks,
           "custom_exceptions": repr(_shell.custom_exceptions)}
assert False, "NONCE" + _j.dumps(_report)
""", "<grader-probe>", "exec"), {"get_ipython": get_ipython, "CHAINS": CHAINS_LITERAL})
'''


def _chains(source: str) -> set[str]:
    """Every name and dotted name (``np``, ``np.testing.assert_allclose``) a cell reads."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            names = [node.id, *reversed(parts)]
            found.update(".".join(names[:n]) for n in range(1, len(names) + 1))
    return found


def _role(cell) -> str:
    """``student`` for a code cell the student writes, ``instructor`` for any other."""
    return "student" if cell_role(cell) in ("answer", "manual") else "instructor"


@dataclass
class Probes:
    """A notebook with probe cells added, and what is needed to read them back."""

    notebook: nbformat.NotebookNode
    nonce: str
    source: str
    #: for each probe, the role of the cells run since the previous probe, and a label
    segments: list[tuple[str, str]] = field(default_factory=list)


def add_probes(notebook: nbformat.NotebookNode) -> Probes:
    """Return a copy of ``notebook`` with probe cells between runs of instructor/answer cells."""
    nonce = secrets.token_hex(16)
    chains: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell_role(cell) == "test":
            chains |= _chains(cell.source)
    source = PROBE_SOURCE.replace("NONCE", nonce).replace(
        "CHAINS_LITERAL", repr(sorted(chains))
    )
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cells, segments = [], []

    def probe(role: str, label: str) -> None:
        cells.append(new_code_cell(source, metadata={PROBE_KEY: len(segments)}))
        segments.append((role, label))

    probe("start", "at the start")
    previous = None
    for cell in copy.cells:
        if cell.cell_type == "code":
            role = _role(cell)
            if previous is not None and role != previous[0]:
                probe(*previous)
            previous = (role, _label(cell))
        cells.append(cell)
    if previous is not None:
        probe(*previous)
    copy.cells = cells
    return Probes(copy, nonce, source, segments)


def _label(cell) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {grade_id}" if grade_id else "a set-up cell"


def _probe_report(cell, nonce: str) -> dict | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" and output.get("ename") == "AssertionError":
            value = output.get("evalue", "")
            if value.startswith(nonce):
                try:
                    return json.loads(value[len(nonce):])
                except ValueError:
                    return None
    return None


def _is_foreign(described: list, trusted: tuple[str, ...]) -> bool:
    """True for code defined in a notebook cell (not in Python or an installed library)."""
    filename = described[1]
    return filename is not None and not filename.startswith(trusted)


def check_probes(executed: nbformat.NotebookNode, probes: Probes, trusted: list[Path]) -> list[str]:
    """Return what the probes of an executed notebook show was tampered with ([] if nothing)."""
    trusted_prefixes = tuple(str(p) for p in trusted)
    problems: list[str] = []
    reports = {}
    for cell in executed.cells:
        if PROBE_KEY in cell.metadata and cell.source == probes.source:
            reports[cell.metadata[PROBE_KEY]] = _probe_report(cell, probes.nonce)
    owner: dict[str, list] = {}  # name -> identity set by an instructor cell
    methods: dict[str, int] = {}  # as they were after the last instructor cells
    for index, (role, label) in enumerate(probes.segments):
        if reports.get(index) is None:  # a kernel that died is reported before this
            problems.append(
                f"errors were hidden from the grader (checked after {label}): the notebook "
                "silenced, changed or removed the error of the grader's check"
            )
            break
        report = reports[index]
        where = "after " + label
        for kind, *described in report["hooks"]:
            if not str(described[2]).startswith(OWN_HOOK_MODULES) or _is_foreign(
                described, trusted_prefixes
            ):
                problems.append(f"a function of the notebook was installed as {kind} ({where})")
        if report["custom_exceptions"] != "()":
            problems.append(f"an IPython exception handler was installed ({where})")
        if role == "student":
            changed = [k for k, v in methods.items() if report["methods"].get(k) != v]
            changed += [k for k in report["methods"] if k not in methods]
            if changed:
                problems.append(f"{_few(changed)} of IPython, the kernel or the builtins "
                                f"replaced ({where})")
        else:
            methods = report["methods"]
        for name, now in report["names"].items():
            before = owner.get(name)
            if role in ("start", "instructor"):
                if now is not None:
                    owner[name] = now
            elif before is not None and (now is None or now[0] != before[0]):
                shadowed_builtin = before[3] == "builtin" and now is not None and not (
                    _is_foreign(now, trusted_prefixes))
                if not shadowed_builtin:
                    problems.append(f"`{name}`, which the tests use, was replaced ({where})")
        if problems:
            break
    return problems


def _few(names: list[str]) -> str:
    shown = ", ".join(sorted(names)[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def restore_outputs(original: nbformat.NotebookNode, executed: dict) -> nbformat.NotebookNode:
    """Copy the outputs of ``executed`` (probes removed) into ``original``, in place.

    Returns
    -------
    NotebookNode
        ``executed``, checked, with its probe cells (for :func:`check_probes`).

    Raises
    ------
    TamperingDetected
        If the executed notebook is not a valid notebook, or a cell's type, source or
        metadata changed: only outputs may change while a notebook runs.
    """
    try:
        executed = nbformat.from_dict(executed)
        nbformat.validate(executed)
    except Exception as exc:
        damage = f"the notebook came back from the sandbox damaged: {exc}"[:300]
        raise TamperingDetected(damage) from None
    cells = [c for c in executed.cells if PROBE_KEY not in c.metadata]
    if len(cells) != len(original.cells):
        raise TamperingDetected("cells were added or removed while the notebook ran")
    for mine, theirs in zip(original.cells, cells, strict=True):
        theirs_meta = {k: v for k, v in theirs.metadata.items() if k != "execution"}
        mine_meta = {k: v for k, v in mine.metadata.items() if k != "execution"}
        if (mine.cell_type, mine.source, mine_meta) != (theirs.cell_type, theirs.source,
                                                        theirs_meta):
            raise TamperingDetected("a cell's source or nbgrader metadata changed while it ran")
        if mine.cell_type == "code":
            mine.outputs = theirs.outputs
            mine.execution_count = theirs.execution_count
    return executed
