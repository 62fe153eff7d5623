"""Does `make lab` start a JupyterLab server on the course, even as root?"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_does_make_lab_serve_jupyterlab():
    port, token = free_port(), "course-test-token"
    options = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    server = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_OPTS={options}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        status, lab_page = None, ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}"
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    status = json.load(r)
                with urllib.request.urlopen(f"{url}/lab?token={token}", timeout=5) as r:
                    lab_page = r.read().decode()
                break
            except OSError:
                time.sleep(1)
        if status is None:
            server.kill()
            pytest.fail(f"JupyterLab did not answer (uid {os.getuid()}):\n{server.stdout.read()}")
        assert "started" in status
        assert "JupyterLab" in lab_page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
