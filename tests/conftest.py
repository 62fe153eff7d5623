"""Fixtures shared by the tests of several folders."""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module (see browser_support.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
