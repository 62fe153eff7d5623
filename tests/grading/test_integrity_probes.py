"""Does each integrity probe check catch its attack, fast (no bubblewrap, no Jupyter kernel)?

The probes run for real: each notebook below, probed by ``add_probes``, runs in a plain IPython
shell (:mod:`probe_shell`, errors published as ipykernel publishes them), then comes back
through ``restore_outputs`` and ``check_probes`` exactly as in the grader. The sandbox is not
involved (it is tested in test_sandbox.py and, with every attack, in test_adversarial.py).
A last group tests the checks that need no execution: probes removed, rewritten or answered
with another error, cells changed, and notebooks of every nbformat 4 minor.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from probe_shell import run_notebooks

from customs_course.grading.integrity import (
    PROBE_KEY,
    DamagedNotebookError,
    TamperingDetected,
    add_probes,
    check_probes,
    restore_outputs,
)
from customs_course.grading.sandbox import readable_paths

KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
SETUP = (
    "import math\nimport pandas as pd\nfrom customs_course.metrics import precision_at_k\n"
    "given = pd.DataFrame({'value': [1.0, 2.0, 3.0], 'code': ['a', 'b', 'c']})\n"
    "limits = [1, 2, 3]\nanswer = None"
)
RIGHT = "def hit_rate(hits, controls):\n    return hits / controls"
TEST_RATE = (
    "assert math.isclose(hit_rate(3, 4), 0.75)\n"
    "assert precision_at_k([1, 0], [0.9, 0.1], 0.5) == 1.0\n"
    "assert given['value'].sum() == 6.0 and given['code'].tolist() == ['a', 'b', 'c']\n"
    "assert len(limits) == 3"
)
TEST_TOP = (
    "result = sorted(limits)\nassert given.shape[0] == 3 and result == [1, 2, 3]\n"
    "assert answer == 42"
)


def meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    nbgrader = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                "solution": solution, "task": False}
    return {"nbgrader": nbgrader | ({"points": points} if points is not None else {})}


def guarded(rate: str = RIGHT, top: str = "answer = 42", plain: str | None = None):
    """Set-up, answer ``rate``, its test, answer ``top``, its test; ``plain``: an extra cell."""
    cells = [
        new_code_cell(SETUP, metadata=meta("setup", locked=True)),
        new_code_cell(rate, metadata=meta("rate", solution=True)),
        new_code_cell(TEST_RATE, metadata=meta("test_rate", grade=True, locked=True, points=2)),
        new_code_cell(top, metadata=meta("top", solution=True)),
        new_code_cell(TEST_TOP, metadata=meta("test_top", grade=True, locked=True, points=2)),
    ]
    if plain is not None:  # a cell without nbgrader metadata: nbgrader does not restore it
        cells.insert(1, new_code_cell(plain))
    return new_notebook(cells=cells, metadata=KERNEL)


#: name -> (notebook, a part of the reason; "" for no problem at all)
CASES = {
    "honest": (guarded(), ""),
    "honest_adds_a_column_reuses_a_test_name_fills_a_placeholder": (
        guarded(RIGHT + "\ngiven['double'] = given['value'] * 2", "result = 'mine'\nanswer = 42"),
        ""),
    "silenced_by_showtraceback": (
        guarded(RIGHT + "\nget_ipython()._showtraceback = lambda *a, **k: None"),
        "errors were hidden"),
    "silenced_by_custom_exc": (
        guarded(RIGHT + "\nget_ipython().set_custom_exc((Exception,), lambda *a, **k: None)"),
        "errors were hidden"),
    "custom_exc_installed": (
        guarded(RIGHT + "\nget_ipython().set_custom_exc((ZeroDivisionError,), "
                "lambda *a, **k: None)"),
        "an IPython exception handler was installed (after cell rate)"),
    "math_isclose_patched": (
        guarded("import math\nmath.isclose = lambda *a, **k: True\n" + RIGHT),
        "`math.isclose`, which the tests use, was replaced by a function of the notebook"),
    "math_isclose_patched_in_a_plain_cell": (
        guarded(plain="math.isclose = lambda *a, **k: True"),
        "`math.isclose`, which the tests use, was replaced by a function of the notebook "
        "(after cell rate)"),
    "math_isclose_patched_while_the_test_runs": (
        guarded("import math\ndef hit_rate(hits, controls):\n"
                "    math.isclose = lambda *a, **k: True\n    return 0.5"),
        "`math.isclose`, which the tests use, was replaced by a function of the notebook "
        "(after cell test_rate)"),
    "helper_shadowed": (
        guarded(RIGHT + "\nprecision_at_k = lambda *a, **k: 1.0"),
        "`precision_at_k`, which the tests use, was replaced (after cell rate)"),
    "builtin_replaced": (
        guarded(RIGHT + "\nimport builtins\nbuiltins.sorted = lambda *a, **k: [1, 2, 3]"),
        "builtins.sorted of IPython, the kernel or the builtins replaced"),
    "shell_method_replaced": (
        guarded(RIGHT + "\nget_ipython().run_line_magic = lambda *a, **k: None"),
        "instance RecordingShell.run_line_magic of IPython, the kernel or the builtins replaced"),
    "pre_run_cell_hook": (
        guarded(RIGHT + "\nget_ipython().events.register('pre_run_cell', lambda info: None)"),
        "a function of the notebook was installed as event pre_run_cell"),
    "ast_transformer": (
        guarded(RIGHT + "\nimport ast\nclass Drop(ast.NodeTransformer):\n"
                "    def visit_Assert(self, node):\n        return ast.Pass()\n"
                "get_ipython().ast_transformers.append(Drop())"),
        "installed as ast_transformers"),
    "trace_function": (
        guarded(RIGHT + "\nimport sys\nsys.settrace(lambda *a: None)"),
        "installed as sys.settrace"),
    "data_rebound": (
        guarded(RIGHT + "\ngiven = pd.DataFrame({'value': [6.0], 'code': ['a']})"),
        "`given`, the given data the tests use, was rebound to another object (after cell rate)"),
    "data_changed_in_place": (
        guarded(RIGHT + "\ngiven.loc[0, 'value'] = 100.0"),
        "`given`, the given data the tests use, was changed in place: column(s) value changed"),
    "data_text_changed_in_place": (
        guarded(RIGHT + "\ngiven['code'] = ['a', 'b', 'z']"),
        "column(s) code changed"),
    "data_row_added": (guarded(RIGHT + "\ngiven.loc[3] = [0.0, 'd']"), "3 rows before, 4 now"),
    "data_relabelled_in_place": (
        guarded(RIGHT + "\ngiven.index = [2, 1, 0]"),
        "its index (row labels or their order) changed"),
    "data_list_mutated": (
        guarded(RIGHT + "\nlimits.append(4)"),
        "`limits`, the given data the tests use, was changed in place: its values changed"),
    "data_changed_while_the_test_runs": (
        guarded("def hit_rate(hits, controls):\n    given.loc[0, 'value'] = 0.0\n"
                "    return hits / controls"),
        "`given`, the given data the tests use, was changed in place: column(s) value "
        "changed or removed (after cell test_rate)"),
}


@pytest.fixture(scope="module")
def checked() -> dict[str, tuple[list[str], nbformat.NotebookNode]]:
    """Every case run once, in plain shells: name -> (problems found, executed notebook)."""
    probed = {name: add_probes(notebook) for name, (notebook, _) in CASES.items()}
    executed = run_notebooks([json.loads(json.dumps(p.notebook)) for p in probed.values()])
    trusted = readable_paths()
    found = {}
    for (name, probes), answer in zip(probed.items(), executed, strict=True):
        original = copy.deepcopy(CASES[name][0])
        restored = restore_outputs(original, answer)
        found[name] = (check_probes(restored, probes, trusted), original)
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_does_each_probe_check_catch_its_attack_and_only_it(checked, case):
    problems, _ = checked[case]
    expected = CASES[case][1]
    if not expected:
        assert problems == []
    else:
        assert any(expected in problem for problem in problems), problems


def test_do_the_honest_notebook_s_tests_really_pass_in_the_shell(checked):
    """The harness runs the tests for real: an honest notebook's cells raise nothing."""
    _, executed = checked["honest"]
    assert [c.outputs for c in executed.cells] == [[]] * len(executed.cells)
    _, cheated = checked["data_changed_in_place"]
    assert cheated.cells[2].outputs[0]["ename"] == "AssertionError"  # its own test caught it


# --- checks that need no execution -----------------------------------------------------------


def ran(probes, report=None):
    """The probed notebook as if every probe ran and reported ``report`` (nothing unusual)."""
    report = report or {"names": {}, "data": {}, "methods": {}, "hooks": [],
                        "custom_exceptions": "()"}
    executed = copy.deepcopy(probes.notebook)
    for cell in executed.cells:
        if PROBE_KEY in cell.metadata:
            cell.outputs = [new_output("error", ename="AssertionError", traceback=[],
                                       evalue=probes.nonce + json.dumps(report))]
    return executed


def probe_cells(notebook):
    return [c for c in notebook.cells if PROBE_KEY in c.metadata]


def test_is_a_probe_that_reports_nothing_unusual_accepted():
    probes = add_probes(guarded())
    assert check_probes(ran(probes), probes, []) == []


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("removed", "the grader's check after cell rate is missing"),
        ("rewritten", "the grader's check after cell rate came back rewritten"),
        ("silenced", "errors were hidden from the grader (checked after cell rate): the error"),
        ("other_error", "ended with another error than its own"),
        ("wrong_nonce", "ended with another error than its own"),
    ],
)
def test_is_a_probe_removed_rewritten_or_silenced_tampering(damage, reason):
    probes = add_probes(guarded())
    executed = ran(probes)
    probe = probe_cells(executed)[2]  # the one after the answer cell "rate"
    if damage == "removed":
        executed.cells.remove(probe)
    elif damage == "rewritten":
        probe.source = probe.source.replace("assert False", "assert True")
    elif damage == "silenced":
        probe.outputs = []
    elif damage == "other_error":
        probe.outputs[0]["ename"] = "ZeroDivisionError"
    else:
        probe.outputs[0]["evalue"] = "0" * 32 + probe.outputs[0]["evalue"][32:]
    [problem] = check_probes(executed, probes, [])
    assert reason in problem


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("type", "the type of cell rate changed"),
        ("source", "the source of cell test_rate changed"),
        ("metadata", "the metadata of cell test_rate changed"),
        ("added", "cells were added or removed while the notebook ran (5 cells handed in, 6"),
    ],
)
def test_is_a_cell_changed_while_it_ran_tampering(change, reason):
    original = guarded()
    executed = copy.deepcopy(original)
    if change == "type":
        executed.cells[1] = nbformat.v4.new_markdown_cell(
            executed.cells[1].source, metadata=executed.cells[1].metadata)
    elif change == "source":
        executed.cells[2].source = "pass"
    elif change == "metadata":
        executed.cells[2].metadata.nbgrader["points"] = 100
    else:
        executed.cells.append(new_code_cell("x = 1"))
    with pytest.raises(TamperingDetected, match=reason.replace("(", r"\(")):
        restore_outputs(copy.deepcopy(original), executed)


def test_is_an_invalid_output_a_grading_error_not_tampering():
    original = guarded()
    executed = copy.deepcopy(original)
    executed.cells[1].outputs = [{"output_type": "display_data", "data": {"text/plain": 5},
                                  "metadata": {}}]
    with pytest.raises(DamagedNotebookError, match="invalid"):
        restore_outputs(copy.deepcopy(original), executed)


def saved_as(notebook, minor: int, *, ids: bool) -> nbformat.NotebookNode:
    """``notebook`` as a file of nbformat 4.<minor> would be read (ids only if ``ids``)."""
    raw = json.loads(nbformat.writes(notebook))
    raw["nbformat_minor"] = minor
    for cell in raw["cells"]:
        if not ids:
            cell.pop("id", None)
    return nbformat.reads(json.dumps(raw), as_version=4)


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4, 5])
def test_is_the_probed_notebook_valid_at_every_nbformat_4_minor(minor):
    notebook = saved_as(guarded(), minor, ids=minor >= 5)
    probes = add_probes(notebook)
    nbformat.validate(probes.notebook)  # raises on a cell id where the minor forbids one
    has_ids = ["id" in c for c in probe_cells(probes.notebook)]
    assert has_ids == [minor >= 5] * len(has_ids)
    executed = ran(probes)
    assert restore_outputs(copy.deepcopy(notebook), json.loads(json.dumps(executed)))
    assert check_probes(executed, probes, []) == []


def test_are_duplicate_cell_ids_a_format_matter_not_tampering():
    raw = json.loads(nbformat.writes(guarded()))
    raw["cells"][2]["id"] = raw["cells"][1]["id"]
    notebook = nbformat.reads(json.dumps(raw), as_version=4)  # nbformat repairs them
    probes = add_probes(notebook)
    executed = json.loads(json.dumps(ran(probes)))
    executed["cells"][3]["id"] = executed["cells"][1]["id"]  # and if they came back duplicated
    restored = restore_outputs(copy.deepcopy(notebook), executed)
    assert check_probes(restored, probes, []) == []
