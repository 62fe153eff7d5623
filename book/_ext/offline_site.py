"""Make the built book work with no internet.

- MathJax 3 is served from the site's own _static/mathjax folder, copied from the
  django-static-mathjax package (it ships MathJax's files and needs no Django).
- Script tags that point at another host are dropped: Jupyter Book always loads sphinx-thebe,
  which names a CDN copy of thebe on every page although live code is switched off here.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

MATHJAX_ENTRY = "tex-chtml.js"
# What tex-chtml.js loads on demand; the other bundles and the speech engine are not needed.
MATHJAX_PARTS = ("input/tex", "output/chtml", "ui", "a11y")
EXTERNAL = re.compile(r"(?:https?:)?//", re.IGNORECASE)


def mathjax_source() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax files not found: install django-static-mathjax (make course)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / MATHJAX_ENTRY, target / MATHJAX_ENTRY)
    for part in MATHJAX_PARTS:
        shutil.copytree(source / part, target / part, dirs_exist_ok=True)


def is_external(script) -> bool:
    filename = getattr(script, "filename", None) or str(script)
    body = getattr(script, "attributes", {}).get("body", "")
    return bool(EXTERNAL.match(filename or "")) or bool(re.search(r"https?://", body or ""))


def drop_external_scripts(app, pagename, templatename, context, doctree) -> None:
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not is_external(s)]


def setup(app):
    app.config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"
    app.connect("build-finished", copy_mathjax)
    app.connect("html-page-context", drop_external_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
