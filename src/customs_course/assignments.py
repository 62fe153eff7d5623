"""Student versions of the graded assignments, generated from the instructor sources.

solutions/<assignment>/ holds the nbgrader source notebooks (with solutions and hidden tests);
exercises/<assignment>/ receives the student versions. Never edit a student version by hand.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from customs_course.paths import repo_root


def put_scripts_on_path() -> None:
    """nbgrader runs the ``alembic`` command from PATH; find it beside this Python even when the
    virtual environment is not activated."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def nbgrader_config(course_root: Path | None = None) -> Config:
    """Load grading/nbgrader_config.py, optionally moved to another course root.

    A different ``course_root`` (for example a temporary copy in a test) gets its own gradebook
    under ``<course_root>/grading``, so nothing touches the real one. When that root has its own
    ``grading/nbgrader_config.py``, its settings (``c.Sandbox.memory_mb = 2048``...) are
    applied on top; its folders and gradebook stay those of the root.
    """
    config_file = repo_root() / "grading" / "nbgrader_config.py"
    config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
    if course_root is not None:
        course_root = Path(course_root).resolve()
        own = course_root / "grading" / "nbgrader_config.py"
        if own.is_file() and own.resolve() != config_file.resolve():
            config.merge(PyFileConfigLoader(own.name, path=str(own.parent)).load_config())
        config.CourseDirectory.root = str(course_root)
        db = course_root / "grading" / "gradebook.db"
        config.CourseDirectory.db_url = f"sqlite:///{db}"
    Path(config.CourseDirectory.root, "grading").mkdir(parents=True, exist_ok=True)
    return config


def assignment_ids(course_root: Path | None = None) -> list[str]:
    """Return the ids of the assignments in solutions/, sorted."""
    solutions = Path(course_root or repo_root()) / "solutions"
    return sorted(p.name for p in solutions.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate_student_versions(
    assignments: Iterable[str] | None = None, *, course_root: Path | None = None
) -> list[Path]:
    """Write exercises/<id>/ from solutions/<id>/ with nbgrader and return the notebooks written.

    Raises
    ------
    ValueError
        If an assignment id has no folder in solutions/, or nbgrader fails to generate it.
    """
    from nbgrader.apps import NbGraderAPI

    root = Path(course_root or repo_root())
    known = assignment_ids(root)
    wanted = list(assignments) if assignments else known
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(
            f"No assignment {', '.join(unknown)} in {root / 'solutions'}; "
            f"known assignments: {', '.join(known) or 'none'}."
        )
    put_scripts_on_path()
    api = NbGraderAPI(config=nbgrader_config(course_root))
    written: list[Path] = []
    for assignment in wanted:
        release = root / "exercises" / assignment
        if release.exists():
            shutil.rmtree(release)
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise ValueError(f"nbgrader could not generate {assignment}:\n{result['log']}")
        written.extend(sorted(release.glob("*.ipynb")))
    return written
