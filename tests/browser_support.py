"""Headless Chromium from Debian, driven by Playwright, for the tests that open pages.

The ``browser`` fixture that launches it is in tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # a closed network: no background connections
    "--disable-component-update",
    "--disable-sync",
]
# Skipped on a machine without Chromium, but never in CI, which installs it (.ci/run).
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed: `apt-get install chromium` (.ci/run does it)",
)
