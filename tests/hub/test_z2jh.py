"""The Zero to JupyterHub configuration sets what the one-server hub sets (issue 17, item 4).

Kubernetes cannot run here; the test reads deploy/z2jh/ and compares it with the course's own
settings: the one-server hub's defaults (customs_course.hub.start.HubOptions), its course id,
the pinned environment the user image is built from.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from customs_course.hub.datadir import COURSE_ID
from customs_course.hub.spawn import to_bytes
from customs_course.hub.start import HubOptions

ROOT = Path(__file__).resolve().parents[2]
Z2JH = ROOT / "deploy" / "z2jh"
DEFAULTS = HubOptions(roster=Path("r.csv"), data_dir=Path("d"), instructor="instructor",
                      course=ROOT)


def values() -> dict:
    return yaml.safe_load((Z2JH / "config.yaml").read_text())


def k8s_bytes(quantity: str) -> int:
    """Kubernetes' and JupyterHub's G, M, K suffixes (z2jh passes them to the spawner)."""
    return to_bytes(quantity)


def test_are_the_limits_and_the_culling_those_of_the_one_server_hub():
    single = values()["singleuser"]
    assert k8s_bytes(single["memory"]["limit"]) == to_bytes(DEFAULTS.mem_limit)
    assert k8s_bytes(single["memory"]["guarantee"]) <= k8s_bytes(single["memory"]["limit"])
    assert single["cpu"]["limit"] == DEFAULTS.cpu_limit
    assert single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    cull = values()["cull"]
    assert cull["enabled"] is True and cull["timeout"] == DEFAULTS.cull_idle_seconds


def test_is_authentication_the_roster_s_with_passwords_set_on_first_use():
    config = values()["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"].startswith("firstuseauthenticator.")
    assert config["FirstUseAuthenticator"]["create_users"] is False  # only the roster
    assert config["FirstUseAuthenticator"]["min_password_length"] == DEFAULTS.min_password_length
    assert config["Authenticator"]["admin_users"] == [DEFAULTS.instructor]


def test_does_the_exchange_serve_the_course_s_id_through_ngshare():
    nbgrader = values()["singleuser"]["extraFiles"]["nbgrader_config"]["stringData"]
    assert f'course_id = "{COURSE_ID}"' in nbgrader
    assert "configureExchange(c" in nbgrader  # ngshare: one uid for every pod on Kubernetes


def test_is_the_user_image_built_from_the_pinned_environment():
    dockerfile = (Z2JH / "Dockerfile").read_text()
    python = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.M).group(1)
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python={python}" in environment["dependencies"]
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)
    assert "COPY pyproject.toml constraints.txt" in dockerfile
