"""Start the grading sandbox's kernel: ipykernel, as ``python -m ipykernel_launcher`` does.

One difference: debugpy (the debugger) serves an editor, never a graded run, and ipykernel
imports it as it starts, 0.15 s of CPU in every submission's kernel. Here it is not
importable, so the kernel starts without it (a notebook that imports it gets ImportError).
"""

import sys
from pathlib import Path

#: libraries the kernel of a graded run goes without
NOT_IN_GRADING = ("debugpy",)

if __name__ == "__main__":
    for name in NOT_IN_GRADING:
        sys.modules[name] = None  # its import raises ImportError, which ipykernel handles
    # as ipykernel_launcher: the working folder leaves sys.path while ipykernel loads
    # (InteractiveShellApp.init_path puts it back)
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
