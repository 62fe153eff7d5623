"""Shared tables for the dataset tests: each standard edition is made once per test session."""

from __future__ import annotations

import pytest

from customs_course.datasets import make_edition


@pytest.fixture(scope="session")
def small_declarations():
    return make_edition("declarations", "small")


@pytest.fixture(scope="session")
def medium_declarations():
    return make_edition("declarations", "medium")


@pytest.fixture(scope="session")
def medium_clearance(medium_declarations):
    return make_edition("clearance_events", "medium", declarations=medium_declarations)


@pytest.fixture(scope="session")
def medium_seizures():
    return make_edition("seizures", "medium")


@pytest.fixture(scope="session")
def medium_mirror():
    return make_edition("mirror_flows", "medium")
