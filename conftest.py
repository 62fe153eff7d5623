"""Let nbval execute the lessons, which are MyST Markdown notebooks (jupytext), in place.

`make test` passes modules/ to pytest with --nbval-lax; nbval itself only collects .ipynb files.
A lesson that the book build has already executed, with the current code of the lesson and of
the course, is checked from the book's execution cache instead of being executed a second time
(`--no-execution-cache` forces nbval to execute every lesson).
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import jupytext
import nbval.plugin
import pytest

from customs_course.execution_cache import (
    cached_execution,
    first_error,
    is_text_notebook,
    read_lesson,
)


class CachedExecution(pytest.Item):
    """One test per lesson: the book build's execution of this exact code raised no error."""

    def __init__(self, *, executed, **kwargs):
        super().__init__(**kwargs)
        self.executed = executed

    def runtest(self):
        error = first_error(self.executed)
        if error:
            raise AssertionError(error)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: executed by the book build (cached)"


class MystNotebookFile(nbval.plugin.IPyNbFile):
    """nbval's collector, reading the notebook through jupytext instead of nbformat."""

    def collect(self):
        executed = None
        if not self.config.getoption("no_execution_cache"):
            executed = cached_execution(read_lesson(self.path))  # keyed as the book build keys it
        if executed is not None:
            yield CachedExecution.from_parent(self, name="cached execution", executed=executed)
            return
        # nbval reads the file with nbformat.read inside collect(); hand it the converted notebook.
        notebook = jupytext.read(self.path)
        with mock.patch.object(nbval.plugin.nbformat, "read", return_value=notebook):
            yield from super().collect()


def pytest_addoption(parser):
    parser.addoption(
        "--no-execution-cache",
        action="store_true",
        help="execute every lesson with nbval, even one the book build has executed",
    )


def pytest_collect_file(file_path: Path, parent):
    options = parent.config.option
    if (options.nbval or options.nbval_lax) and is_text_notebook(file_path):
        return MystNotebookFile.from_parent(parent, path=file_path)
    return None
