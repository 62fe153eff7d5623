"""Where grading keeps its files, and access to nbgrader's API and gradebook for one course root.

Layout under ``<course root>/grading/`` (nothing here is committed):

``submitted/<student>/<assignment>/<notebook>.ipynb``
    the current submission of each student, in nbgrader's layout, read-only.
``intake/<assignment>/originals/<student>/``
    every file ever collected, byte for byte, named ``<UTC time>_<sha256[:12]>_<original name>``,
    read-only and never overwritten; ``intake/<assignment>/manifest.jsonl`` logs each collect.
``results/<assignment>/``
    ``layout.json`` (the cells the student version must have) and ``students/<id>.json``, the
    outcome of each student (status, reasons, the sha256 of the graded file): the grading ledger.
``autograded/``, ``feedback/``, ``gradebook.db``
    nbgrader's own output. ``exports/<assignment>/``: the CSV, summary table and plot.

``intake/`` and ``results/`` are new to nbgrader's layout; each holds a ``.gitignore`` of ``*``
so that students' work can never be committed by accident.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets.config import Config

from customs_course.assignments import nbgrader_config, put_scripts_on_path
from customs_course.paths import repo_root


class GradingError(ValueError):
    """A problem the instructor can fix; the message says how."""


def quiet_nbgrader() -> None:
    """Silence SQLAlchemy's and nbformat's warnings that nbgrader 0.9.6 triggers on every run."""
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    warnings.filterwarnings("ignore", message=".*missing an id field.*")


def ignored_dir(path: Path) -> Path:
    """Create ``path`` holding a ``.gitignore`` of ``*`` (as pytest does for its cache)."""
    path.mkdir(parents=True, exist_ok=True)
    marker = path / ".gitignore"
    if not marker.exists():
        marker.write_text("# students' work: never commit\n*\n", encoding="utf-8")
    return path


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write("\n")
    os.replace(tmp, path)


def create_gradebook(path: Path) -> None:
    """Create an empty nbgrader gradebook at ``path``, as nbgrader's ``Gradebook`` does.

    nbgrader finds the schema version to stamp by running the ``alembic heads`` command, which
    takes seconds; reading the same head from nbgrader's migration scripts in this process
    takes milliseconds. Tables and stamp are otherwise identical (checked in the tests).
    """
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, text

    head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);")
            )
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:head);"), {"head": head}
            )
    finally:
        engine.dispose()


@dataclass(frozen=True)
class GradingCourse:
    """A course root and its nbgrader configuration.

    Parameters
    ----------
    root : Path
        The course root: it holds ``solutions/`` and ``grading/``.
    config : traitlets.config.Config
        nbgrader's configuration, from ``grading/nbgrader_config.py`` moved to ``root``.
    """

    root: Path
    config: Config

    @classmethod
    def open(cls, course_root: Path | str | None = None) -> GradingCourse:
        """Load the course at ``course_root`` (default: this checkout).

        Raises
        ------
        GradingError
            If the folder has no ``solutions/``.
        """
        root = Path(course_root).resolve() if course_root else repo_root()
        if not (root / "solutions").is_dir():
            raise GradingError(
                f"{root} is not a course root: it has no solutions/ folder. Pass the folder "
                "that holds solutions/ and grading/ (--course-root)."
            )
        put_scripts_on_path()
        quiet_nbgrader()
        return cls(root=root, config=nbgrader_config(None if course_root is None else root))

    def folder(self, name: str) -> Path:
        """Return one of nbgrader's folders (``submitted``, ``autograded``, ``feedback``)."""
        return self.root / getattr(self.config.CourseDirectory, f"{name}_directory")

    @property
    def grading(self) -> Path:
        return self.root / "grading"

    @property
    def db_path(self) -> Path:
        return Path(self.config.CourseDirectory.db_url.removeprefix("sqlite:///"))

    def intake(self, assignment: str) -> Path:
        ignored_dir(self.grading / "intake")
        return self.grading / "intake" / assignment

    def results(self, assignment: str) -> Path:
        ignored_dir(self.grading / "results")
        return self.grading / "results" / assignment

    def exports(self, assignment: str) -> Path:
        return self.grading / "exports" / assignment

    def submission_dir(self, student: str, assignment: str) -> Path:
        return self.folder("submitted") / student / assignment

    def autograded_dir(self, student: str, assignment: str) -> Path:
        return self.folder("autograded") / student / assignment

    def nbgrader_config(self, **sections: dict[str, Any]) -> Config:
        """Return a copy of the configuration with ``Section={"trait": value}`` overrides."""
        config = copy.deepcopy(self.config)
        config.merge(Config(sections))
        return config

    def api(self, config: Config | None = None):
        """Return nbgrader's ``NbGraderAPI`` for this course (``config`` overrides the course's)."""
        from nbgrader.apps import NbGraderAPI

        return NbGraderAPI(config=config or self.config)

    @contextmanager
    def gradebook(self):
        """Open the course's gradebook (created on first use)."""
        from nbgrader.api import Gradebook

        if not self.db_path.exists():
            create_gradebook(self.db_path)

        with Gradebook(
            self.config.CourseDirectory.db_url, self.config.CourseDirectory.course_id
        ) as gradebook:
            yield gradebook

    def student_ids(self) -> list[str]:
        """Return the ids of the students in the gradebook (the imported roster), sorted."""
        with self.gradebook() as gradebook:
            return sorted(student.id for student in gradebook.students)
