"""Does every lesson of levels 1 to 5 end with further reading a learner can open?

Issue 15, point 11.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(
    path for level in ("level1_leaders", "level2_secretariat", "level3_statistics", "level4_pilots",
                       "level5_experts")
    for path in (ROOT / "modules" / level).glob("*.md")
)
LINK = re.compile(r"<https://[^>\s]+>")


def further_reading(text: str) -> str:
    """The text of the lesson's last section when it is 'Further reading', else ''."""
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    last = sections[-1]
    return last if last.startswith("Further reading\n") else ""


def public_sources(section: str) -> list[str]:
    """The list items of a further-reading section that carry a link."""
    items = re.split(r"^- ", section, flags=re.MULTILINE)[1:]
    return [item for item in items if LINK.search(item)]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_does_the_lesson_end_with_two_public_sources_or_more(lesson):
    section = further_reading(lesson.read_text())
    assert section, f"{lesson.name}: the last section should be '## Further reading'"
    assert len(public_sources(section)) >= 2, (
        f"{lesson.name}: list two or more sources a learner can open, "
        "each with its <https://...> link"
    )


def test_is_a_section_with_one_linked_source_or_not_last_refused():
    one = ("## Key points\n\n- x\n\n## Further reading\n\n"
           "- A book, not online.\n- A: <https://a.org>.\n")
    assert len(public_sources(further_reading(one))) == 1
    not_last = ("## Further reading\n\n- A: <https://a.org>.\n- B: <https://b.org>.\n\n"
                "## Key points\n")
    assert further_reading(not_last) == ""
