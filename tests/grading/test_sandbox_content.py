"""Can a notebook in the grading sandbox read the data cards and the self-check questions?

The sandbox shows a checkout's ``src/``, ``datasets/`` and ``modules/`` but not the files that
mark the checkout (pyproject.toml, book/): without ``CUSTOMS_COURSE_CONTENT`` every student's
``load_dataset`` failed there (no data card) and lost its marks, and every self-study
``check()`` cell printed an error into the feedback.
"""

from __future__ import annotations

import subprocess
import sys

from customs_course.content import CONTENT_ENV_VAR, content_root
from customs_course.grading.sandbox import readable_paths, sandbox_environment


def test_does_the_sandbox_show_and_name_the_course_content():
    environment = sandbox_environment("/home/s", "/tmp/s")
    root = content_root().resolve()
    assert environment[CONTENT_ENV_VAR] == str(root)
    shown = readable_paths()
    assert (root / "modules").resolve() in shown
    assert (root / "datasets").resolve() in shown


def test_do_cards_and_questions_load_where_the_checkout_cannot_be_recognised(tmp_path):
    # a copy of the content folders only, as the sandbox shows them, and a package that cannot
    # find its checkout (run from a folder with no pyproject.toml above the copy)
    root = content_root()
    (tmp_path / "datasets" / "declarations").mkdir(parents=True)
    (tmp_path / "datasets" / "declarations" / "card.yml").write_bytes(
        (root / "datasets" / "declarations" / "card.yml").read_bytes())
    (tmp_path / "modules" / "level2_secretariat").mkdir(parents=True)
    (tmp_path / "modules" / "level2_secretariat" / "selfcheck.yml").write_bytes(
        (root / "modules" / "level2_secretariat" / "selfcheck.yml").read_bytes())
    code = ("from customs_course.datasets.cards import cards_dir, load_card\n"
            "from customs_course.selfcheck import load_questions\n"
            "print(cards_dir(), len(load_card('declarations')['columns']) > 5,\n"
            "      any(q.startswith('l2-') for q in load_questions()))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={CONTENT_ENV_VAR: str(tmp_path), "PATH": "/usr/bin:/bin"},
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.split() == [str(tmp_path / "datasets"), "True", "True"]
