"""Do lessons open in the course's JupyterLab as notebooks, with their MyST rendered (issue 16
item 4)? The settings are etc/jupyter/lab-settings/overrides.json, which each role's
jupyter_lab_config.py makes JupyterLab read; jupyterlab-myst renders the Markdown cells."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import test_lab_roles
from browser_support import needs_chromium
from test_lab_roles import TOKEN, disabled_plugins, get

ROOT = Path(__file__).resolve().parent.parent
LESSON = "modules/level2_secretariat/01_spreadsheet_to_notebook.md"

pytestmark = pytest.mark.slow
lab = test_lab_roles.lab  # the fixture: `make lab` for each role


def test_does_jupyterlab_open_markdown_notebooks_with_jupytext_by_default(lab):
    _, url = lab
    status, body = get(f"{url}/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    assert status == 200, body[:300]
    viewers = json.loads(body)["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("markdown") == "Jupytext Notebook", viewers
    assert viewers.get("myst") == "Jupytext Notebook", viewers


def test_does_jupyterlab_fetch_no_news_from_the_internet(lab):
    _, url = lab
    status, body = get(f"{url}/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert status == 200, body[:300]
    properties = json.loads(body)["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False


def test_does_jupyter_list_jupyterlab_myst_as_installed_and_enabled():
    listing = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "jupyter"), "labextension", "list"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "etc" / "jupyter" / "learner")},
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", listing.stdout + listing.stderr)  # no colours
    # `list` marks it "X" (not compatible): its package.json asks for @jupyter/ydoc 3, which it
    # never imports; the browser test below shows that JupyterLab 4.6 activates it.
    assert "jupyterlab-myst v2.7.0 enabled" in text, text


def test_does_each_role_load_jupyterlab_myst(lab):
    _, url = lab
    _, page = get(f"{url}/lab")
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">'
                                  r"(.*?)</script>", page, re.DOTALL).group(1))
    assert "jupyterlab-myst" in {e["name"] for e in config["federated_extensions"]}
    assert not {p for p in disabled_plugins(page) if "myst" in p}


@pytest.mark.browser
@needs_chromium
def test_does_a_lesson_open_as_a_notebook_with_myst_rendered(lab, browser):
    role, url = lab
    if role != "learner":
        pytest.skip("the instructor's JupyterLab has the same settings file (checked above)")
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{url}/lab/tree/{LESSON}?token={TOKEN}")
    # a raw-text editor would show one editor and no cells; the notebook renders them in turn
    page.wait_for_function(
        "document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length > 10", timeout=90_000)
    page.wait_for_function(
        "document.querySelector('.jp-NotebookPanel .jp-MarkdownCell')?.innerText.includes("
        "'From spreadsheet to notebook')", timeout=60_000)
    first = page.locator(".jp-NotebookPanel .jp-MarkdownCell").first.inner_text()
    assert "(l2-spreadsheet-to-notebook)=" not in first, "the MyST label shows as raw text"
    assert "jupyterlab-myst is activated" in " ".join(console), console
    rendered = page.locator(".jp-NotebookPanel .jp-MarkdownCell").all_inner_texts()
    assert not [text for text in rendered if "{term}" in text], "a {term} role shows raw"
    page.close()
