"""Catch a submission that changes its own score from inside the Python kernel.

nbgrader scores a test cell by its outputs: no error, full marks. Student code runs in the same
Python process as the tests, so it could silence errors (an IPython exception handler, a
replaced ``showtraceback``, an AST transformer that drops ``assert``), replace the functions the
tests call (``np.allclose = lambda *a, **k: True``), shadow a builtin the tests use, or change
the data the tests compare with (rebind ``declarations``, or edit it in place).

The grader therefore adds *probe* cells to the notebook it sends to the sandbox: one at the
start, and one after every run of cells of one kind: set-up cells (locked, restored by
nbgrader), test cells, and student cells (answers, and any cell nbgrader does not restore,
since the student could have written it). A probe records the identity (``id``) of every
module, class and function that the test cells name, a fingerprint of the data that set-up
cells bound and test cells read (:data:`WATCHED_DATA`), the identity of the builtins and of
IPython's and the kernel's methods, and the hooks installed in IPython, and then **raises** an
``AssertionError`` carrying a random nonce and that report. Back in the trusted grading process
(:func:`check_probes`):

- a probe without its error (or with a wrong nonce, or missing, or rewritten) means errors were
  silenced: tampering;
- a name that a set-up cell set and that changed across student cells (or across test cells
  that do not set it themselves), a function of an installed module replaced by one a notebook
  cell defined, an IPython method that changed, a hook added by the notebook, or given data
  rebound or changed in place (a column added is allowed), is tampering, named in the reason.

The probes are then removed, and only the outputs of the notebook's own cells reach nbgrader;
:func:`restore_outputs` also refuses a notebook whose cells came back changed. A format matter
(nbformat 4.0 to 4.4 without cell ids, duplicate ids) is never tampering: probe cells carry an
id only when the notebook's nbformat minor allows it.

Limits: a probe runs in the student's process, so a submission written against this very code
(one that recognises probes and answers them) is not excluded; the checks stop the generic
tricks. Data is fingerprinted by type: DataFrame, Series and numpy array (numeric and
categorical columns in full, other columns on a sample of at most 5,000 rows) and builtin
values up to 10,000 items; other objects by identity only.
"""

from __future__ import annotations

import ast
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbformat.v4 import new_code_cell

from customs_course.grading.layout import cell_role

PROBE_KEY = "customs_course_probe"
#: modules whose hooks IPython or matplotlib install by themselves (the inline backend)
OWN_HOOK_MODULES = ("IPython", "ipykernel", "matplotlib_inline", "matplotlib")


class TamperingDetected(RuntimeError):
    """The submission changed how it is graded (the message says what was seen)."""


class DamagedNotebookError(RuntimeError):
    """The executed notebook is not a valid notebook: not evidence of tampering by itself."""


PROBE_SOURCE = '''# Integrity check added by the grader: not part of the assignment.
exec(compile(r"""
import builtins as _b, hashlib as _hl, inspect as _i, json as _j, sys as _s
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
    parent = None
    for part in rest:
        if not (_i.ismodule(obj) or _i.isclass(obj)):
            return None
        try:
            parent, obj = obj, getattr(obj, part)
        except Exception:
            return None
    if not (_i.ismodule(obj) or _i.isclass(obj) or _i.isroutine(obj)):
        return None
    owner = None if parent is None else getattr(
        parent, "__name__" if _i.ismodule(parent) else "__module__", None)
    return [*_describe(obj), where, parent is not None and owner != "__main__"]
def _digest(data):
    return _hl.blake2b(data, digest_size=8).hexdigest()
def _column(values):
    dtype = values.dtype
    if type(dtype).__module__ == "numpy" and dtype.kind in "biufcmM":
        return _digest(values.to_numpy().tobytes())
    if str(dtype) == "category":
        return _digest(values.cat.codes.to_numpy().tobytes() + repr(
            list(values.cat.categories)).encode())
    from pandas.util import hash_pandas_object
    sample = values.iloc[::len(values) // 5000 + 1]
    return _digest(hash_pandas_object(sample, index=False).to_numpy().tobytes())
def _fingerprint(obj):
    kind = type(obj).__module__.split(".")[0] + "." + type(obj).__qualname__
    if kind == "pandas.DataFrame":
        columns = {}
        for k, name in enumerate(obj.columns):
            columns[str(name) if str(name) not in columns else f"{name}#{k}"] = _column(
                obj.iloc[:, k])
        return {"rows": len(obj), "index": _column(obj.index.to_series()), "columns": columns}
    if kind == "pandas.Series":
        return {"rows": len(obj), "index": _column(obj.index.to_series()),
                "columns": {"values": _column(obj)}}
    if kind == "numpy.ndarray":
        flat = obj.reshape(-1)
        flat = flat if obj.nbytes <= 2**25 else flat[::obj.nbytes // 2**25 + 1]
        return {"rows": list(obj.shape), "columns": {str(obj.dtype): _digest(flat.tobytes())}}
    if type(obj) in (list, tuple, dict, set, frozenset) and len(obj) > 10000:
        return None
    if type(obj) in (list, tuple, dict, set, frozenset, str, bytes, int, float, bool, complex):
        return {"rows": None, "columns": {kind: _digest(repr(obj).encode())}}
    return None
def _watch(name):
    if name not in _shell.user_ns:
        return None
    obj = _shell.user_ns[name]
    if obj is None or obj is Ellipsis:
        return None  # a placeholder that the student's answer is meant to fill
    if _i.ismodule(obj) or _i.isclass(obj) or _i.isroutine(obj):
        return None  # not data: watched as a name the tests use
    try:
        return [id(obj), _fingerprint(obj)]
    except Exception as error:
        return [id(obj), {"rows": None, "columns": {"unreadable": type(error).__name__}}]
_names = {c: _resolve(c) for c in CHAINS}
_data = {n: _watch(n) for n in DATA}
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
_report = {"names": _names, "data": _data, "methods": _methods, "hooks": _hooks,
           "custom_exceptions": repr(_shell.custom_exceptions)}
assert False, "NONCE" + _j.dumps(_report)
""", "<grader-probe>", "exec"), {"get_ipython": get_ipython, "CHAINS": CHAINS_LITERAL,
                                 "DATA": DATA_LITERAL})
'''


def _parse(source: str) -> ast.Module | None:
    """Parse a cell as IPython runs it (magics turned into Python), or None if it cannot."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # IPython missing, or a cell it cannot transform: parse as is
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _chains(source: str) -> set[str]:
    """Every name and dotted name (``np``, ``np.testing.assert_allclose``) a cell reads."""
    tree = _parse(source)
    found: set[str] = set()
    for node in ast.walk(tree) if tree else ():
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            names = [node.id, *reversed(parts)]
            found.update(".".join(names[:n]) for n in range(1, len(names) + 1))
    return found


def _bound(source: str) -> set[str]:
    """Every name a cell binds: assignments, imports, ``def``, ``class``, ``for`` targets."""
    tree = _parse(source)
    found: set[str] = set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return found


def _role(cell) -> str:
    """``setup`` or ``test`` for a cell nbgrader restores, ``student`` for any other code cell.

    A code cell without nbgrader metadata counts as the student's: nbgrader does not restore
    it, so the student could have written anything in it.
    """
    return {"locked": "setup", "test": "test"}.get(cell_role(cell) or "", "student")


class Segment(NamedTuple):
    """The cells run since the previous probe: their role, a label, and the names they bind."""

    role: str
    label: str
    binds: frozenset[str] = frozenset()


@dataclass
class Probes:
    """A notebook with probe cells added, and what is needed to read them back."""

    notebook: nbformat.NotebookNode
    nonce: str
    source: str
    #: for each probe, the cells run since the previous probe
    segments: list[Segment] = field(default_factory=list)
    #: the data names watched: bound by set-up cells and read by test cells
    data: tuple[str, ...] = ()


def watched_names(notebook: nbformat.NotebookNode) -> tuple[set[str], list[str]]:
    """Return the chains the test cells read, and the given data names to watch.

    Given data: the names that set-up cells bind and test cells read.
    """
    chains: set[str] = set()
    given: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and _role(cell) == "test":
            chains |= _chains(cell.source)
        elif cell.cell_type == "code" and _role(cell) == "setup":
            given |= _bound(cell.source)
    return chains, sorted(given & {chain.split(".")[0] for chain in chains})


def add_probes(notebook: nbformat.NotebookNode) -> Probes:
    """Return a copy of ``notebook`` with probe cells between runs of set-up/test/student cells."""
    nonce = secrets.token_hex(16)
    chains, data = watched_names(notebook)
    source = (
        PROBE_SOURCE.replace("NONCE", nonce)
        .replace("CHAINS_LITERAL", repr(sorted(chains)))
        .replace("DATA_LITERAL", repr(data))
    )
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    with_ids = (copy.get("nbformat"), copy.get("nbformat_minor", 0)) >= (4, 5)
    cells: list = []
    segments: list[Segment] = []

    def probe(segment: Segment) -> None:
        cell = new_code_cell(source, metadata={PROBE_KEY: len(segments)})
        if not with_ids:  # nbformat 4.0 to 4.4 forbid cell ids
            del cell["id"]
        cells.append(cell)
        segments.append(segment)

    probe(Segment("start", "at the start"))
    run: list = []  # the code cells since the last probe, with their numbers
    for number, cell in enumerate(copy.cells, start=1):
        if cell.cell_type == "code":
            if run and _role(cell) != _role(run[-1][1]):
                probe(_segment(run))
                run = []
            run.append((number, cell))
        cells.append(cell)
    if run:
        probe(_segment(run))
    copy.cells = cells
    return Probes(copy, nonce, source, segments, tuple(data))


def _segment(run: list) -> Segment:
    number, last = run[-1]
    binds = frozenset().union(*(_bound(cell.source) for _, cell in run))
    return Segment(_role(last), _label(last, number), binds)


def _label(cell, number: int) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {grade_id}" if grade_id else f"cell number {number}"


def _probe_report(cell, nonce: str) -> dict | str:
    """The report of a probe cell that ran, or what went wrong with it."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    for output in errors:
        value = output.get("evalue", "")
        if output.get("ename") == "AssertionError" and value.startswith(nonce):
            try:
                report = json.loads(value[len(nonce):])
            except ValueError:
                return "replaced"
            return report if isinstance(report, dict) else "replaced"
    return "replaced" if errors else "silenced"


def read_reports(executed: nbformat.NotebookNode, probes: Probes) -> dict[int, dict | str]:
    """Probe number -> its report, or ``"silenced"``, ``"replaced"`` or ``"rewritten"``."""
    reports: dict[int, dict | str] = {}
    for cell in executed.cells:
        if PROBE_KEY in cell.metadata:
            number = cell.metadata[PROBE_KEY]
            if cell.source != probes.source:
                reports[number] = "rewritten"
            else:
                reports[number] = _probe_report(cell, probes.nonce)
    return reports


#: what a probe that did not report shows, by what went wrong with it
HIDDEN = {
    None: "the grader's check {where} is missing from the notebook that came back",
    "rewritten": "the grader's check {where} came back rewritten",
    "silenced": "errors were hidden from the grader (checked {where}): the error of the "
    "grader's check never reached the notebook",
    "replaced": "errors were hidden from the grader (checked {where}): the grader's check "
    "ended with another error than its own",
}


def _is_foreign(described: list, trusted: tuple[str, ...]) -> bool:
    """True for code defined in a notebook cell (not in Python or an installed library)."""
    filename = described[1]
    return filename is not None and not filename.startswith(trusted)


@dataclass
class _Trusted:
    """What the set-up cells left: names, data and methods to compare the next probes with."""

    names: dict[str, list] = field(default_factory=dict)
    data: dict[str, list] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)

    def update(self, report: dict, only: frozenset[str] | None = None) -> None:
        """Trust what ``report`` shows (only for the names in ``only``, when given)."""
        for kind in ("names", "data"):
            for name, now in report.get(kind, {}).items():
                if now is not None and (only is None or name.split(".")[0] in only):
                    getattr(self, kind)[name] = now
        if only is None:
            self.methods = report["methods"]


def check_probes(executed: nbformat.NotebookNode, probes: Probes, trusted: list[Path]) -> list[str]:
    """Return what the probes of an executed notebook show was tampered with ([] if nothing)."""
    prefixes = tuple(str(p) for p in trusted)
    reports = read_reports(executed, probes)
    known = _Trusted()
    for index, segment in enumerate(probes.segments):
        where = segment.label if segment.role == "start" else "after " + segment.label
        report = reports.get(index)
        if not isinstance(report, dict):
            return [HIDDEN[report].format(where=where)]
        problems = _hook_problems(report, where, prefixes)
        if segment.role in ("start", "setup"):
            known.update(report)
        else:
            # names a test cell binds itself are the test's; anything else must stay as set up
            own = segment.binds if segment.role == "test" else frozenset()
            problems += _method_problems(report, known, where)
            problems += _name_problems(report, known, where, prefixes, own)
            problems += _data_problems(report, known, where, own)
            known.update(report, only=own)
        if problems:
            return problems
    return []


def _hook_problems(report: dict, where: str, prefixes: tuple[str, ...]) -> list[str]:
    problems = []
    for kind, *described in report["hooks"]:
        if not str(described[2]).startswith(OWN_HOOK_MODULES) or _is_foreign(described, prefixes):
            problems.append(f"a function of the notebook was installed as {kind} ({where})")
    if report["custom_exceptions"] != "()":
        problems.append(f"an IPython exception handler was installed ({where})")
    return problems


def _method_problems(report: dict, known: _Trusted, where: str) -> list[str]:
    changed = [k for k, v in known.methods.items() if report["methods"].get(k) != v]
    changed += [k for k in report["methods"] if k not in known.methods]
    if not changed:
        return []
    return [f"{_few(changed)} of IPython, the kernel or the builtins replaced ({where})"]


def _name_problems(report: dict, known: _Trusted, where: str, prefixes: tuple[str, ...],
                   own: frozenset[str]) -> list[str]:
    problems = []
    for name, now in report["names"].items():
        if name.split(".")[0] in own:
            continue
        before = known.names.get(name)
        if now is not None and now[4] and _is_foreign(now, prefixes):
            problems.append(
                f"`{name}`, which the tests use, was replaced by a function of the notebook "
                f"({where})"
            )
        elif before is not None and (now is None or now[0] != before[0]):
            shadowed_builtin = before[3] == "builtin" and now is not None and not (
                _is_foreign(now, prefixes))
            if not shadowed_builtin:
                problems.append(f"`{name}`, which the tests use, was replaced ({where})")
    return problems


def _data_problems(report: dict, known: _Trusted, where: str,
                   own: frozenset[str]) -> list[str]:
    problems = []
    for name, now in report.get("data", {}).items():
        before = known.data.get(name)
        if before is None or now is None or name in own:
            continue  # never set, deleted (the tests then fail: nothing gained), or the test's
        if now[0] != before[0]:
            problems.append(
                f"`{name}`, the given data the tests use, was rebound to another object ({where})"
            )
            continue
        changed = _data_change(before[1], now[1])
        if changed:
            problems.append(
                f"`{name}`, the given data the tests use, was changed in place: {changed} "
                f"({where})"
            )
    return problems


def _data_change(before: dict | None, now: dict | None) -> str:
    """What changed between two fingerprints ("" if nothing the tests could rely on)."""
    if before is None or now is None:
        return "" if before == now else "its type changed"
    if before.get("rows") != now.get("rows"):
        return f"{before.get('rows')} rows before, {now.get('rows')} now"
    if before.get("index") != now.get("index"):
        return "its index (row labels or their order) changed"
    columns = now.get("columns", {})
    changed = [c for c, value in before.get("columns", {}).items() if columns.get(c) != value]
    if not changed:
        return ""  # columns the student added are allowed
    if before.get("rows") is None or list(before["columns"]) == ["values"]:
        return "its values changed"
    return f"column(s) {_few(changed)} changed or removed"


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
    DamagedNotebookError
        If the executed notebook is not a valid notebook (an output of a form nbformat
        refuses, say): a grading error, not evidence of tampering.
    TamperingDetected
        If a cell was added or removed, or a cell's type, source or metadata changed: only
        outputs may change while a notebook runs.
    """
    try:
        executed = nbformat.from_dict(executed)
        nbformat.validate(executed)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DamagedNotebookError(
            f"the notebook came back from the sandbox invalid ({first[:200]}); open the "
            "student's notebook and grade it by hand"
        ) from None
    cells = [c for c in executed.cells if PROBE_KEY not in c.metadata]
    if len(cells) != len(original.cells):
        raise TamperingDetected(
            f"cells were added or removed while the notebook ran ({len(original.cells)} cells "
            f"handed in, {len(cells)} came back)"
        )
    for number, (mine, theirs) in enumerate(zip(original.cells, cells, strict=True), start=1):
        part = _changed_part(mine, theirs)
        if part:
            raise TamperingDetected(
                f"the {part} of {_label(mine, number)} changed while the notebook ran"
            )
        if mine.cell_type == "code":
            mine.outputs = theirs.outputs
            mine.execution_count = theirs.execution_count
    return executed


def _changed_part(mine, theirs) -> str:
    if mine.cell_type != theirs.cell_type:
        return "type"
    if mine.source != theirs.source:
        return "source"
    theirs_meta = {k: v for k, v in theirs.metadata.items() if k != "execution"}
    mine_meta = {k: v for k, v in mine.metadata.items() if k != "execution"}
    return "" if mine_meta == theirs_meta else "metadata"
