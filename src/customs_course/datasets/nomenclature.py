"""The HS nomenclature of the sandbox: sections and chapters, plus the headings and subheadings
that the generated data uses, with the sandbox country's tariff on each subheading.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customs_course.datasets._hs_titles import CHAPTERS, SECTIONS, section_of
from customs_course.datasets._world import get_world

LEVELS = ("section", "chapter", "heading", "subheading")


def make_hs_nomenclature() -> pd.DataFrame:
    """Return the HS 2022 nomenclature table of the sandbox (always the same; no randomness).

    Returns
    -------
    pandas.DataFrame
        One row per section (21), chapter (97, chapter 77 reserved), heading and subheading used
        by the sandbox data, in code order; columns as in ``datasets/hs_nomenclature/card.yml``.
        Titles are short forms of the public HS titles; the tariff columns belong to the
        imaginary importing country and are given for subheadings only.
    """
    world = get_world()
    rows = []
    for numeral, first, last, title in SECTIONS:
        rows.append((numeral, "section", None, numeral, None, title))
        for chapter in range(first, last + 1):
            rows.append((f"{chapter:02d}", "chapter", numeral, numeral, f"{chapter:02d}",
                         CHAPTERS[chapter]))
    for heading, title in world.headings[["heading", "title"]].itertuples(index=False):
        chapter = heading[:2]
        rows.append((heading, "heading", chapter, section_of(int(chapter)), chapter, title))
    hs = world.hs
    for code, title in hs[["hs6", "title"]].itertuples(index=False):
        rows.append((code, "subheading", code[:4], section_of(int(code[:2])), code[:2], title))
    frame = pd.DataFrame(rows, columns=["code", "level", "parent", "section", "chapter", "title"])
    order = frame["level"].map(LEVELS.index)
    section_rank = frame["section"].map({s[0]: i for i, s in enumerate(SECTIONS)})
    frame = frame.assign(_s=section_rank, _c=frame["chapter"].fillna(""), _l=order)
    frame = frame.sort_values(["_s", "_c", "code", "_l"]).drop(columns=["_s", "_c", "_l"])
    frame = frame.reset_index(drop=True)
    tariff = hs.set_index("hs6")
    sub = frame["level"] == "subheading"
    for column, source in (("mfn_duty_rate", "duty"), ("excise_rate", "excise")):
        frame[column] = np.where(sub, frame["code"].map(tariff[source]), np.nan)
    frame["supplementary_unit"] = frame["code"].map(tariff["unit"]).where(sub)
    for column in ("code", "parent", "section", "chapter", "title", "supplementary_unit"):
        frame[column] = frame[column].astype("str")
    frame["level"] = pd.Categorical(frame["level"], categories=list(LEVELS), ordered=True)
    return frame
