"""Make the built book work with no internet.

Script tags that point at another host are dropped: Jupyter Book always loads sphinx-thebe,
which names a CDN copy of thebe on every page although live code is switched off here.
(Maths needs nothing from outside either: book/_ext/mathml_maths.py writes it as MathML.)
"""

from __future__ import annotations

import re

EXTERNAL = re.compile(r"(?:https?:)?//", re.IGNORECASE)


def is_external(script) -> bool:
    filename = getattr(script, "filename", None) or str(script)
    body = getattr(script, "attributes", {}).get("body", "")
    return bool(EXTERNAL.match(filename or "")) or bool(re.search(r"https?://", body or ""))


def drop_external_scripts(app, pagename, templatename, context, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_external(s)]


def setup(app):
    app.connect("html-page-context", drop_external_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
