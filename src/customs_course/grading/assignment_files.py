"""The files that go with an assignment's notebooks: data, images, helper modules.

A notebook often reads a file beside it (``pd.read_csv("data/arrivals.csv")``). Plain
``nbgrader autograde`` runs each notebook in ``autograded/<student>/<assignment>/``, into which
it copies (nbgrader 0.9.6, ``Autograde.init_assignment``):

1. every file of the student's submission folder but notebooks and ``CourseDirectory.ignore``
   (``.ipynb_checkpoints``, ``*.pyc``, ``__pycache__``, ``feedback``);
2. then every file of the source folder ``solutions/<assignment>/`` but notebooks and ignored
   ones, **over** the student's files of the same name, except those the instructor lists in
   ``c.Autograde.exclude_overwriting = {"<assignment>": ["helpers.py"]}``.

So the instructor's files always win, and a student's copy is used only where the instructor
allowed it. :func:`sandbox_files` returns the same set for the sandbox's working folder, with
one difference, on purpose: a student's file that the source folder does not have is **not**
copied. In the working folder it would be read before any of the student's cells run, by the
kernel and Python themselves (``ipykernel_launcher.py`` or ``pandas.py`` run instead of the real
module, ``ipython_config.py`` runs code at start-up), which would defeat the tampering checks.
A student file that the instructor lists in ``exclude_overwriting`` is copied (the instructor
asked for it); symbolic links in a submission folder are never followed.

The files travel to the sandbox inside its request (see
:meth:`customs_course.grading.sandbox.Sandbox.run`), as copies: nothing the notebook does to
them reaches the instructor's files.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from customs_course.grading.course import GradingCourse


def _ignored(course: GradingCourse) -> list[str]:
    """``CourseDirectory.ignore`` of the course (nbgrader's default when not set) and notebooks."""
    from nbgrader.coursedir import CourseDirectory

    return [*CourseDirectory(config=course.config).ignore, "*.ipynb"]


def _files_under(folder: Path, ignore: list[str], *, follow_links: bool) -> dict[str, Path]:
    """Return ``relative posix path -> file`` under ``folder``, as nbgrader's walk finds them."""
    from nbgrader.utils import find_all_files

    if not folder.is_dir():
        return {}
    found = {}
    for name in find_all_files(str(folder), ignore):
        path = Path(name)
        if not follow_links and path.is_symlink():  # os.walk enters no linked folder either
            continue
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = path
    return found


def excluded_from_overwriting(course: GradingCourse, assignment: str) -> list[str]:
    """The files that students may hand in in place of the instructor's (nbgrader's setting)."""
    setting = course.config.get("Autograde", {}).get("exclude_overwriting", {}) or {}
    return [os.path.normpath(name).replace(os.sep, "/") for name in setting.get(assignment, [])]


def instructor_files(course: GradingCourse, assignment: str) -> dict[str, Path]:
    """The assignment's other files in ``solutions/<assignment>/``: relative path -> file.

    Notebooks and ``CourseDirectory.ignore`` are left out, as nbgrader leaves them out.
    """
    folder = course.root / "solutions" / assignment
    return _files_under(folder, _ignored(course), follow_links=True)


def _instructor_contents(course: GradingCourse, assignment: str) -> tuple[tuple[str, bytes], ...]:
    """The instructor's files that no student may replace, with their contents."""
    allowed = set(excluded_from_overwriting(course, assignment))
    return tuple(
        (name, path.read_bytes())
        for name, path in sorted(instructor_files(course, assignment).items())
        if name not in allowed
    )


@lru_cache(maxsize=4)
def _read_once(root: Path, assignment: str) -> tuple[tuple[str, bytes], ...]:
    return _instructor_contents(GradingCourse.open(root), assignment)


def sandbox_files(
    course: GradingCourse, assignment: str, student: str, *, cached: bool = False
) -> dict[str, bytes]:
    """Return the files to put beside a student's notebooks: relative path -> content.

    The instructor's files of the source folder, except those in
    ``Autograde.exclude_overwriting``, for which the student's own copy (if they handed one
    in) is used, as in plain nbgrader. Other files of the student are left out (see the module
    docstring). ``cached=True`` reads the instructor's files once per process (a grading
    worker: they do not change during a run; the assignment's fingerprint covers them).
    """
    if cached:
        chosen = dict(_read_once(course.root, assignment))
    else:
        chosen = dict(_instructor_contents(course, assignment))
    allowed = set(excluded_from_overwriting(course, assignment))
    if allowed:
        own = course.submission_dir(student, assignment)
        for name, path in _files_under(own, _ignored(course), follow_links=False).items():
            if name in allowed:
                chosen[name] = path.read_bytes()
    return dict(sorted(chosen.items()))
