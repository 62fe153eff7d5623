"""Run notebooks in plain IPython shells, as a kernel would, for the fast probe tests.

The integrity probes (:mod:`customs_course.grading.integrity`) must be tested where they run:
in an IPython shell with student code beside them. Starting a Jupyter kernel per notebook takes
seconds; this runs each notebook in an ``InteractiveShell`` in a process forked from one that
imported IPython and pandas once (tens of milliseconds each). The shell publishes errors as
ipykernel does: through ``showtraceback`` and ``_showtraceback``, so that an attack that
silences errors there, or with ``set_custom_exc``, hides them from this recorder as it would
from nbclient (the traceback itself is not formatted, which would cost seconds of CPU). Linux only
(``os.fork``); no sandbox and no bubblewrap.

``run_notebooks(notebooks)`` returns the executed notebooks (dicts), in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def _execute(notebook: dict) -> dict:
    """Run every code cell of ``notebook`` in a fresh shell; return it with error outputs."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class RecordingShell(InteractiveShell):
        current: list = []

        def showtraceback(self, exc_tuple=None, *args, **kwargs):
            """IPython's, without formatting the traceback (seconds of CPU in all)."""
            etype, value, _ = self._get_exc_info(exc_tuple)
            self._showtraceback(etype, value, [])

        def _showtraceback(self, etype, evalue, stb):  # what ipykernel publishes
            self.current.append({"output_type": "error", "ename": etype.__name__,
                                 "evalue": str(evalue), "traceback": stb})

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = RecordingShell(config=config)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        RecordingShell.current = cell["outputs"] = []
        shell.run_cell(source, store_history=False)
    return notebook


def _serve(paths: list[str]) -> None:
    """Run each notebook file in its own forked process; write ``<path>.out`` beside it."""
    import IPython.core.interactiveshell  # noqa: F401 (imported once, before forking)
    import pandas  # noqa: F401

    import customs_course.metrics  # noqa: F401

    for path in paths:
        pid = os.fork()
        if pid == 0:
            try:
                notebook = json.loads(Path(path).read_text(encoding="utf-8"))
                Path(path + ".out").write_text(json.dumps(_execute(notebook)), encoding="utf-8")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


def run_notebooks(notebooks: list[dict], timeout: float = 120) -> list[dict]:
    """Execute ``notebooks`` (each in a fresh shell), in a subprocess; return them executed."""
    with tempfile.TemporaryDirectory(prefix="probe-shell-") as folder:
        paths = []
        for number, notebook in enumerate(notebooks):
            path = Path(folder, f"{number}.ipynb")
            path.write_text(json.dumps(notebook), encoding="utf-8")
            paths.append(str(path))
        subprocess.run([sys.executable, __file__, *paths], check=True, timeout=timeout)
        return [json.loads(Path(p + ".out").read_text(encoding="utf-8")) for p in paths]


if __name__ == "__main__":
    _serve(sys.argv[1:])
