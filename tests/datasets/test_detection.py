"""Do controls find each scheme's frauds at the rate the card documents, per channel?

Issue 15, mutants: the red and yellow detection rates swapped must fail a test.
"""

from __future__ import annotations

import numpy as np
import pytest

from customs_course.datasets._declaration_params import PARAMS
from customs_course.datasets._selectivity import GREEN, RED, YELLOW, detected

SCHEMES = {1: "undervaluation", 2: "misclassification", 3: "origin"}
N = 20_000  # lines per scheme and channel: a rate's standard error is at most 0.0036


@pytest.mark.parametrize("code", sorted(SCHEMES))
def test_does_each_channel_find_a_scheme_at_its_documented_rate(code):
    rates = PARAMS["detection_probability"][SCHEMES[code]]
    assert rates["red"] > rates["yellow"]  # a physical check finds more than a document check
    kind = np.full(3 * N, code)
    channel = np.repeat([RED, YELLOW, GREEN], N)
    found = detected(kind, channel, np.random.default_rng(code))
    red, yellow, green = found[:N].mean(), found[N:2 * N].mean(), found[2 * N:].mean()
    assert red == pytest.approx(rates["red"], abs=0.02)
    assert yellow == pytest.approx(rates["yellow"], abs=0.02)
    assert green == 0.0


def test_is_no_fraud_ever_found_on_an_honest_line():
    channel = np.repeat([RED, YELLOW, GREEN], N)
    assert not detected(np.zeros(3 * N, dtype=int), channel, np.random.default_rng(0)).any()
