"""What the sandbox's runner costs before a notebook arrives: no import it can do without.

The runner starts once per submission, so every library it imports is paid again for each
student. These tests pin the savings of :mod:`customs_course.grading.runner`: the ``python3`` kernel
spec given without importing ipykernel (and IPython) in the runner, the same spec as
ipykernel's own but for its launcher, and a kernel started without debugpy.
"""

from __future__ import annotations

import subprocess
import sys

from ipykernel.kernelspec import get_kernel_dict

from customs_course.grading.runner import KERNEL_NAME, NativeKernelSpecs

STARTED = """
import sys
from customs_course.grading import runner
client = runner.start_ahead()
assert client is not None, "the kernel did not start"
outputs = []
code = "import sys; print(sorted(m for m in ('debugpy',) if sys.modules.get(m)))"
reply = runner.run_sync(client.kc.execute_interactive)(code, output_hook=outputs.append)
heavy = sorted(m for m in ("IPython", "ipykernel") if m in sys.modules)
runner.stop_kernel(client)
kernel = [m["content"]["text"].strip() for m in outputs if m["msg_type"] == "stream"]
print(heavy, kernel, reply["content"]["status"])
"""


def test_the_runner_starts_its_kernel_without_importing_ipython(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", STARTED], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # neither the runner imported IPython, nor the kernel debugpy, and it ran code
    assert done.stdout.strip().splitlines()[-1] == "[] ['[]'] ok"


def test_the_runners_python3_spec_is_ipykernels_with_the_course_launcher():
    spec = NativeKernelSpecs().get_kernel_spec(KERNEL_NAME)
    native = get_kernel_dict()
    assert native["argv"][1:3] == ["-m", "ipykernel_launcher"]
    assert spec.argv == [
        *native["argv"][:2], "customs_course.grading.kernel_launcher", *native["argv"][3:]
    ]
    assert spec.argv[0] == sys.executable
    assert (spec.language, spec.display_name) == (native["language"], native["display_name"])
    assert spec.interrupt_mode == "signal"  # nbgrader interrupts a timed-out cell by signal


def test_the_runner_imports_no_string_format_library_of_jsonschema(tmp_path):
    # nbformat never checks string formats, yet importing jsonschema would import a library for
    # each (an RFC 3987 grammar alone took 0.9 s): the runner leaves them all out
    code = ("import sys\nfrom customs_course.grading import runner\n"
            "import jsonschema._format\n"
            "print(sorted(m for m in runner.FORMAT_LIBRARIES if sys.modules.get(m)))\n"
            "import nbformat\nnb = nbformat.v4.new_notebook()\nnbformat.validate(nb)\n"
            "print('valid')")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[]", "valid"]
