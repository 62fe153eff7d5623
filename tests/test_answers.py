"""Do the exact checks of the graded tests notice a course function changed by the notebook?

The hidden tests recompute expected values with the course's own functions (``load_dataset``,
``precision_at_k``, ``disclosure``...) and OpenDP; a notebook that rebinds one of them in its
module, or swaps its ``__code__`` or defaults, must make every check of ``answers`` fail.
"""

from __future__ import annotations

import opendp.prelude as dp
import pytest

import customs_course.datasets as datasets
import customs_course.disclosure as disclosure
import customs_course.metrics as metrics
from customs_course import answers


def _always_one(*args, **kwargs):
    return 1.0


ATTACKS = {
    "rebound in its module": (datasets, "load_dataset", lambda f: _always_one),
    "code swapped": (metrics.precision_at_k, "__code__", lambda f: _always_one.__code__),
    "defaults swapped": (datasets.load_dataset, "__defaults__", lambda f: ("small",)),
    "another module's function": (disclosure, "revealed_cells", lambda f: _always_one),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_is_a_changed_course_function_refused_by_every_check(attack):
    owner, attribute, replacement = ATTACKS[attack]
    original = getattr(owner, attribute)
    answers.exact_float(0.5, "x")  # untouched: accepted
    setattr(owner, attribute, replacement(original))
    try:
        with pytest.raises(AssertionError, match="was changed by the notebook"):
            answers.exact_float(0.5, "x")
        with pytest.raises(AssertionError, match="was changed by the notebook"):
            answers.assert_close(1.0, 1.0, "same")
    finally:
        setattr(owner, attribute, original)
    answers.check_libraries()  # restored: accepted again


def test_is_a_patched_opendp_method_refused():
    if not any(getattr(ns, "__name__", "") == "Measurement" for ns, _ in answers.FINGERPRINTS):
        pytest.skip("opendp was imported after customs_course.answers in this test process")
    original = dp.Measurement.map
    dp.Measurement.map = _always_one
    try:
        with pytest.raises(AssertionError, match="Measurement.map was changed"):
            answers.check_libraries()
    finally:
        dp.Measurement.map = original
    answers.check_libraries()
