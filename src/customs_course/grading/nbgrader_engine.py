"""Make nbgrader's per-student work cheaper in a grading worker, without changing what it does.

This module is the one place that reaches into nbgrader's module namespace;
tests/grading/test_nbgrader_engine.py pins what it relies on.

- :func:`share_engines`: nbgrader opens its ``Gradebook`` a dozen times per student (every
  autograde step makes its own), and each ``Gradebook`` makes a new engine with
  ``nbgrader.api.create_engine``: the SQL of every query is then compiled again (SQLAlchemy
  caches compiled statements per engine), about 40 ms of CPU per opening, half a second per
  student. It makes ``nbgrader.api`` reuse one engine per database URL in this process.
  ``Gradebook.close`` still disposes of the engine's connections (the engine opens new ones
  when next used), so each ``Gradebook`` still reads and writes the database as before; only
  the compiled statements are kept. A URL named in ``scratch_urls`` (the worker's private copy
  of the gradebook, thrown away after the run: the main process writes the course's gradebook)
  is written without waiting for the disk (``PRAGMA synchronous = OFF``): each of nbgrader's
  thirty-odd commits per student would otherwise wait for one.
- :func:`check_metadata_schema_once`: nbgrader validates every cell's ``nbgrader`` metadata
  with ``jsonschema.validate``, which first checks the schema itself, every time (a quarter of
  a second per student). It makes nbgrader check its schema once and validate each cell with
  the same validator, as jsonschema's documentation advises for many instances; the errors
  raised are the same.
"""

from __future__ import annotations

import json
from functools import lru_cache

import jsonschema


def share_engines(scratch_urls: tuple[str, ...] = ()) -> None:
    """Make every ``nbgrader.api.Gradebook`` of this process reuse one engine per URL."""
    import nbgrader.api

    if getattr(nbgrader.api.create_engine, "shared_engines", False):
        return
    create = nbgrader.api.create_engine

    @lru_cache(maxsize=8)
    def shared(url: str, **options):
        engine = create(url, **options)
        if url in scratch_urls:
            _write_without_waiting(engine)
        return engine

    def create_engine(url, **options):
        return shared(str(url), **options)

    create_engine.shared_engines = True
    nbgrader.api.create_engine = create_engine


def _write_without_waiting(engine) -> None:
    """Every connection of ``engine`` commits without waiting for the disk (SQLite)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def no_sync(connection, _record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()


class _SchemaCheckedOnce:
    """Stands for the ``jsonschema`` module in nbgrader's metadata validator."""

    def __getattr__(self, name: str):
        return getattr(jsonschema, name)

    @staticmethod
    def validate(instance, schema) -> None:
        """``jsonschema.validate``, with the schema checked and compiled once."""
        error = jsonschema.exceptions.best_match(
            _validator(json.dumps(schema, sort_keys=True)).iter_errors(instance)
        )
        if error is not None:
            raise error


@lru_cache(maxsize=8)
def _validator(schema_json: str):
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check_metadata_schema_once() -> None:
    """Make nbgrader's cell-metadata validation check its schema once per process."""
    import nbgrader.nbgraderformat.common as common

    common.jsonschema = _SchemaCheckedOnce()
