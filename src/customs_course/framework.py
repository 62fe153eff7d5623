"""The competency framework (book/framework.yml): validation, matrix and learning paths.

A module is named by its path without suffix (``modules/level2_secretariat/03_summaries``), a
graded exercise by its assignment id (``level2_data_quality``). Titles and durations are read
from the pages: a lesson's first heading and its ``**Time**: about N minutes`` line, an
exercise page's (``book/exercises/<id>.md``) first heading and its "about N minutes".
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from customs_course.assignments import assignment_ids
from customs_course.paths import repo_root

DURATION = re.compile(r"about (\d+(?:\.\d+)?)\s*(minutes?|hours?)", re.IGNORECASE)


def load_framework(root: Path | None = None) -> dict:
    return yaml.safe_load((Path(root or repo_root()) / "book" / "framework.yml").read_text())


def page_of(item: str, root: Path | None = None) -> Path:
    root = Path(root or repo_root())
    if item.startswith("modules/"):
        return root / f"{item}.md"
    return root / "book" / "exercises" / f"{item}.md"


@cache
def page_facts(page: Path) -> tuple[str, float]:
    """Return a page's title and its stated duration in minutes."""
    text = page.read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    found = DURATION.search(text)
    if not title or not found:
        raise ValueError(f"{page} needs a '# Title' and a duration such as 'about 60 minutes'")
    amount, unit = float(found.group(1)), found.group(2).lower()
    return title, amount * 60 if unit.startswith("hour") else amount


def toc_files(root: Path | None = None) -> set[str]:
    """Every page listed in book/_toc.yml, as a path without suffix."""
    def walk(entries):
        for entry in entries:
            yield entry["file"]
            yield from walk(entry.get("sections", []))

    toc = yaml.safe_load((Path(root or repo_root()) / "book" / "_toc.yml").read_text())
    return {file for part in toc["parts"] for file in walk(part["chapters"])}


def items(framework: dict) -> list[dict]:
    """Every module and exercise with its level and the competencies it builds."""
    rows = []
    for level in framework["levels"]:
        for kind in ("modules", "exercises"):
            for item, builds in (level.get(kind) or {}).items():
                rows.append({"item": item, "kind": kind[:-1], "level": level["title"],
                             "builds": builds})
    return rows


def validate(root: Path | None = None) -> list[str]:
    """List what is wrong with the framework; an empty list means it is complete."""
    root = Path(root or repo_root())
    framework, problems = load_framework(root), []
    listed = {row["item"]: row for row in items(framework)}
    competencies = {c["id"] for c in framework["competencies"]}
    proficiency = {p["id"] for p in framework["proficiency"]}
    lessons = {p.with_suffix("").relative_to(root).as_posix()
               for p in root.glob("modules/*/*.md")}
    assignments = set(assignment_ids(root))
    problems += [f"lesson {m} is missing from the framework" for m in sorted(lessons - set(listed))]
    problems += [f"graded exercise {a} is missing from the framework"
                 for a in sorted(assignments - set(listed))]
    for item, row in listed.items():
        exists = item in lessons if row["kind"] == "module" else item in assignments
        if not exists:
            problems.append(f"{item} is in the framework but not in the course")
        elif not page_of(item, root).exists():
            problems.append(f"{item} has no page {page_of(item, root).relative_to(root)}")
        for competency, level in row["builds"].items():
            if competency not in competencies:
                problems.append(f"{item} builds an unknown competency {competency!r}")
            if level not in proficiency:
                problems.append(f"{item} names an unknown proficiency {level!r}")
    in_toc = toc_files(root)
    problems += [f"lesson {m} is missing from book/_toc.yml" for m in sorted(lessons - in_toc)]
    problems += [f"graded exercise {a} has no page book/exercises/{a} in book/_toc.yml"
                 for a in sorted(assignments) if f"book/exercises/{a}" not in in_toc]
    built = {c for row in listed.values() if row["kind"] == "module" for c in row["builds"]}
    problems += [f"competency {c} has no module" for c in sorted(competencies - built)]
    roles = {role["id"] for role in framework["roles"]}
    for role in framework["roles"]:
        problems += [f"the path of {role['id']} names an unknown step {step}"
                     for step in role["path"] if step not in listed]
    for level in framework["levels"]:
        problems += [f"level {level['id']} serves an unknown role {r}"
                     for r in level["roles"] if r not in roles]
    problems += level_time_problems(framework, root)
    return problems


def level_time_problems(framework: dict, root: Path) -> list[str]:
    """A level page's stated time must be its lessons' and exercises' times, within half an hour."""
    problems = []
    for level in framework["levels"]:
        page = root / "book" / "levels" / f"{level['id']}.md"
        if not page.exists():
            continue
        steps = [*(level.get("modules") or {}), *(level.get("exercises") or {})]
        if not all(page_of(step, root).exists() for step in steps):
            continue  # reported above
        total = sum(page_facts(page_of(step, root))[1] for step in steps) / 60
        stated = page_facts(page)[1] / 60
        if abs(stated - total) > 0.5:
            problems.append(f"book/levels/{level['id']}.md states about {stated:g} hours, but its "
                            f"lessons and exercises take {total:.2f} hours: state the total")
    return problems


def competency_matrix(root: Path | None = None) -> pd.DataFrame:
    """Rows: level and module or exercise; columns: competencies; cells: proficiency."""
    framework = load_framework(root)
    titles = {c["id"]: c["title"] for c in framework["competencies"]}
    rows = []
    for row in items(framework):
        title, _ = page_facts(page_of(row["item"], root))
        label = title if row["kind"] == "module" else f"Graded: {title}"
        rows.append({"level": row["level"], "module or exercise": label,
                     **{titles[c]: row["builds"].get(c, "") for c in titles}})
    return pd.DataFrame(rows).set_index(["level", "module or exercise"])


def learning_paths(root: Path | None = None) -> dict[str, pd.DataFrame]:
    """For each role: its steps in order with their durations (the last row is the total)."""
    framework, paths = load_framework(root), {}
    for role in framework["roles"]:
        steps = []
        for number, item in enumerate(role["path"], start=1):
            title, minutes = page_facts(page_of(item, root))
            kind = "lesson" if item.startswith("modules/") else "graded exercise"
            steps.append({"step": number, "what": title, "kind": kind, "hours": minutes / 60})
        table = pd.DataFrame(steps)
        total = {"step": "", "what": "Total", "kind": "", "hours": table["hours"].sum()}
        paths[role["title"]] = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return paths
