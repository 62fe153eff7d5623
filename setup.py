"""Building the wheel copies the learner's files (lessons, exercises' student versions, data cards,
JupyterLab settings) into the package; see src/customs_course/content.py. Everything else about
the package is in pyproject.toml."""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _content_module():
    # Loaded from its file: the package itself is not importable while it is being built.
    spec = importlib.util.spec_from_file_location(
        "_course_content", HERE / "src" / "customs_course" / "content.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithContent(build_py):
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):  # an editable install reads the checkout
            content = _content_module()
            target = Path(self.build_lib) / "customs_course" / content.PACKAGED
            shutil.rmtree(target, ignore_errors=True)  # build/lib outlives a build: no stale file
            content.copy_content(HERE, target)


setup(cmdclass={"build_py": BuildWithContent})
