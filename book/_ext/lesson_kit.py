"""Take the course away from the book: every lesson page offers the lesson as a notebook
(``.ipynb``, converted with Jupytext at build time, no outputs) and its level's zip (lessons as
notebooks and the exercises' student versions, which ``customs-course start --from`` takes);
every level page offers its zip.

A launch link ("Open on the class hub") is added to lesson and exercise pages only when the site
is built with a URL template: ``course_launch_url`` in book/_config.yml (``sphinx: config:``) or
the environment variable ``CUSTOMS_COURSE_LAUNCH_URL``, which wins. ``{path}`` in the template
becomes the file's path in the course's repository, for example with nbgitpuller:
``https://HUB/hub/user-redirect/git-pull?repo=REPO&branch=main&urlpath=lab/tree/FOLDER/{path}``.
The default build has none: the site stays offline.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from urllib.parse import quote

from sphinx.errors import ExtensionError

LAUNCH_ENV_VAR = "CUSTOMS_COURSE_LAUNCH_URL"
KITS = "kits"
LESSON = re.compile(r"^modules/(?P<level>level\d\w*)/(?P<name>[^/]+)$")
EXERCISE_PAGE = re.compile(r"^book/exercises/(?P<assignment>[^/]+)$")
STUDENT_VERSION = re.compile(r"^exercises/[^/]+/[^/]+$")  # the notebook shown as a page
LEVEL_PAGE = re.compile(r"^book/levels/(?P<level>level\d\w*)$")


def launch_template(configured: str | None, environ=os.environ) -> str:
    """The launch URL template in force ('' for none); it must hold ``{path}``."""
    template = (environ.get(LAUNCH_ENV_VAR) or configured or "").strip()
    if template and "{path}" not in template:
        raise ExtensionError(
            f"The launch URL template {template!r} has no {{path}}: write where the file's path "
            f"in the repository goes, e.g. ...&urlpath=lab/tree/customs-course/{{path}} "
            f"(set in book/_config.yml as course_launch_url, or in {LAUNCH_ENV_VAR}).")
    return template


def launch_url(template: str, path: str) -> str:
    return template.replace("{path}", quote(path, safe="/"))


def launch_path(root: Path, pagename: str) -> str | None:
    """The repository path a page's launch link opens: the lesson, or the exercise's notebook."""
    if LESSON.match(pagename):
        return f"{pagename}.md"
    if STUDENT_VERSION.match(pagename):
        return f"{pagename}.ipynb"
    exercise = EXERCISE_PAGE.match(pagename)
    if exercise:
        folder = root / "exercises" / exercise["assignment"]
        notebooks = sorted(folder.glob("*.ipynb"))
        if len(notebooks) == 1:
            return notebooks[0].relative_to(root).as_posix()
        if notebooks:
            return folder.relative_to(root).as_posix()
    return None


def relative(pagename: str, target: str) -> str:
    return "../" * pagename.count("/") + target


def links_block(pagename: str, template: str, root: Path) -> str:
    """The HTML of a page's take-away links ('' when the page has none)."""
    links = []
    lesson, level_page = LESSON.match(pagename), LEVEL_PAGE.match(pagename)
    if lesson:
        links.append((f"{lesson['name']}.ipynb", "Download this lesson as a notebook (.ipynb)",
                      True))
    level = (lesson or level_page) and (lesson or level_page)["level"]
    if level:
        links.append((relative(pagename, f"{KITS}/{level}.zip"),
                      "Download the level's lessons and exercises (.zip, for "
                      "customs-course start --from)", True))
    path = launch_path(root, pagename) if template else None
    if path:
        links.append((launch_url(template, path), "Open on the class hub", False))
    if not links:
        return ""
    items = "".join(
        f'<li><a href="{html.escape(href)}"{" download" if download else ""}>{html.escape(text)}'
        "</a></li>" for href, text, download in links)
    return f'<nav class="course-takeaway" aria-label="Take this page away"><ul>{items}</ul></nav>'


def add_links(app, pagename, templatename, context, doctree) -> None:
    block = links_block(pagename, app.config.course_launch_template, Path(app.srcdir))
    if block and "body" in context:
        body = context["body"]
        heading_end = body.find("</h1>")
        at = heading_end + len("</h1>") if heading_end >= 0 else 0
        context["body"] = body[:at] + block + body[at:]


def check_template(app, config) -> None:
    config.course_launch_template = launch_template(config.course_launch_url)


def write_files(app, exception) -> None:
    """Write each lesson's notebook beside its page and each level's zip into kits/."""
    if exception is not None or app.builder.format != "html":
        return
    from customs_course.kit import lesson_notebook, level_folders, write_level_zip

    root, out = Path(app.srcdir), Path(app.outdir)
    for lesson in sorted(root.glob("modules/*/*.md")):
        docname = lesson.relative_to(root).with_suffix("").as_posix()
        if docname in app.env.all_docs:
            target = out / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(lesson_notebook(lesson.read_text(encoding="utf-8")),
                              encoding="utf-8")
    for level in level_folders(root):
        write_level_zip(root, level, out / KITS / f"{level}.zip")


def setup(app):
    app.add_config_value("course_launch_url", "", "html", types=[str])
    app.add_config_value("course_launch_template", "", "html", types=[str])
    app.connect("config-inited", check_template)
    app.connect("html-page-context", add_links)
    app.connect("build-finished", write_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
