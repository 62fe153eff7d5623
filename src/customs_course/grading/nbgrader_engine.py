"""One SQLAlchemy engine per gradebook in a grading worker, instead of one per nbgrader call.

nbgrader opens its ``Gradebook`` a dozen times per student (every autograde step makes its
own), and each ``Gradebook`` makes a new engine with ``nbgrader.api.create_engine``: the SQL
of every query is then compiled again (SQLAlchemy caches compiled statements per engine),
about 40 ms of CPU per opening, half a second per student. :func:`share_engines` makes
``nbgrader.api`` reuse one engine per database URL in this process. ``Gradebook.close`` still
disposes of the engine's connections (the engine opens new ones when next used), so each
``Gradebook`` still reads and writes the database as before; only the compiled statements are
kept. This reaches into nbgrader's module namespace: tests/grading/test_nbgrader_engine.py
pins what it relies on.
"""

from __future__ import annotations

from functools import lru_cache


def share_engines() -> None:
    """Make every ``nbgrader.api.Gradebook`` of this process reuse one engine per URL."""
    import nbgrader.api

    if getattr(nbgrader.api.create_engine, "shared_engines", False):
        return
    create = nbgrader.api.create_engine

    @lru_cache(maxsize=8)
    def shared(url: str, **options):
        return create(url, **options)

    def create_engine(url, **options):
        return shared(str(url), **options)

    create_engine.shared_engines = True
    nbgrader.api.create_engine = create_engine
