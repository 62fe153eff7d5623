"""Does `make lab` give a learner nbgrader's panels without errors or instructor panels, and an
instructor formgrader without the exchange error (etc/jupyter/<role>)?"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_lab import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "course-roles-test-token"
INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                      "@jupyter/nbgrader:course-list"}

pytestmark = pytest.mark.slow


def get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture(scope="module", params=["learner", "instructor"])
def lab(request):
    """`make lab ROLE=<role>` on a free loopback port; yields (role, base url)."""
    port = free_port()
    options = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN}"
    server = subprocess.Popen(
        ["make", "-s", "lab", f"ROLE={request.param}", f"LAB_OPTS={options}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
        # the user's own Jupyter settings play no part: only the course's
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(ROOT / "build" / "no-user-jupyter-config")},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    pytest.fail(f"JupyterLab did not start:\n{server.stdout.read()}")
                time.sleep(1)
        yield request.param, url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the process group this fixture started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def disabled_plugins(lab_page: str) -> set[str]:
    config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                       lab_page, re.DOTALL)
    assert config, "no page config in JupyterLab's page"
    return set(json.loads(config.group(1)).get("disabledExtensions", []))


def test_does_each_role_see_only_its_nbgrader_panels(lab):
    role, url = lab
    status, page = get(f"{url}/lab")
    assert status == 200
    disabled = disabled_plugins(page)
    if role == "learner":
        assert INSTRUCTOR_PLUGINS <= disabled, disabled
        assert "@jupyter/nbgrader:assignment-list" not in disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled
    else:
        assert not {p for p in disabled if p.startswith("@jupyter/nbgrader")}, disabled
    formgrader, _ = get(f"{url}/formgrader")
    assert (formgrader == 404) == (role == "learner"), formgrader


def test_do_the_assignment_list_calls_answer_without_an_error(lab):
    _, url = lab
    for call in ("assignments?course_id=customs-data-analytics", "courses"):
        status, body = get(f"{url}/{call}")
        assert status == 200, (call, status, body[:300])
        answer = json.loads(body)
        assert answer["success"] is True, (call, answer)
        assert "does not exist" not in body


def test_does_formgrader_manage_assignments_without_the_exchange_warning(lab):
    role, url = lab
    if role != "instructor":
        pytest.skip("the learner has no formgrader (checked above)")
    status, page = get(f"{url}/formgrader/manage_assignments")
    assert status == 200, page[:300]
    assert "warning-exchange" not in page and "does not exist" not in page
    assert "customs-data-analytics" in page
