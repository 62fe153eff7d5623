"""Goods descriptions: short free text as traders write it, labelled with the HS code.

For a text-classification exercise (description -> HS6, scored by top-k accuracy). Each
description starts from a phrase typical of its subheading and adds what real declarations
carry: quantities and packages, qualities, model numbers, shipping marks, abbreviations, mixed
case and typos. Neighbouring codes share words (cotton vs polyester T-shirts, men's vs women's
trousers), so the task is not trivial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customs_course.datasets._hs_titles import CHAPTERS
from customs_course.datasets._validate import check_n_rows, check_random_state, streams
from customs_course.datasets._world import categorical, get_world

ADJECTIVES = ("new", "assorted", "various", "mixed", "grade a", "premium", "standard",
              "export quality", "brand new", "high quality", "", "", "", "")
PACKAGES = ("ctns", "cartons", "pkgs", "packages", "bags", "boxes", "pallets", "bales", "drums",
            "cases", "pcs", "sets")
TAILS = ("as per invoice", "as per proforma", "hs code to be confirmed", "for retail sale",
         "for industrial use", "not for resale", "samples", "shipper's load and count",
         "made in prc", "origin as per certificate", "", "", "", "", "", "", "")
SANDBOX_PREFIX = "Sandbox heading (synthetic): "
#: Length of the description field; longer texts are cut at a word.
MAX_LENGTH = 120
#: Chance of each kind of noise in a description; the data card repeats them.
NOISE = {"heading_title": 0.1, "chapter_title": 0.06, "quantity": 0.5, "adjective": 0.6,
         "model": 0.2, "tail": 0.35, "typo": 0.15, "upper": 0.45, "lower": 0.25}


def _typo(text: str, where: float, kind: float) -> str:
    if len(text) < 4:
        return text
    i = 1 + int(where * (len(text) - 2))
    if kind < 0.4:  # drop a letter
        return text[:i] + text[i + 1:]
    if kind < 0.8:  # swap two letters
        return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
    return text[:i] + text[i] + text[i:]  # double a letter


def make_goods_descriptions(
    n_rows: int = 5_000,
    *,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Make free-text goods descriptions labelled with their HS6 code.

    Parameters
    ----------
    n_rows : int, default=5_000
        Number of descriptions.
    random_state : int or None, default=None
        Seed; the same seed and arguments give the same table.

    Returns
    -------
    pandas.DataFrame
        Columns ``description_id``, ``description`` and ``hs6`` (the label), as in
        ``datasets/goods_descriptions/card.yml``. Every code of the sandbox appears with
        frequencies flatter than in the declarations (square root of their weights).
    """
    n = check_n_rows(n_rows)
    seed = check_random_state(random_state)
    rng = streams(seed, "goods_descriptions", "labels", "text")
    world = get_world()
    weight = np.sqrt(world.hs["weight"].to_numpy())
    hs = rng["labels"].choice(len(weight), n, p=weight / weight.sum())
    terms = [t.split(";") for t in world.hs["terms"]]
    heading_title = world.hs["heading"].map(world.headings.set_index("heading")["title"])
    # a sandbox heading's title says it is synthetic; a trader would write only the goods
    vague_heading = [t.removeprefix(SANDBOX_PREFIX).split(";")[0].split(",")[0].lower()
                     for t in heading_title]
    vague_chapter = [CHAPTERS[c].split(";")[0].split(",")[0].lower() for c in world.hs["chapter"]]
    units = world.hs["unit"].to_numpy()
    g = rng["text"]
    u = g.random((n, 15))
    qty = np.round(np.exp(g.normal(4.5, 1.5, n))).astype(np.int64) + 1
    out = []
    for i in range(n):
        k, r = hs[i], u[i]
        options = terms[k]
        text = options[int(r[0] * len(options))]
        if r[14] < NOISE["heading_title"]:  # vague: shared with the heading's other codes
            text = vague_heading[k]
        elif r[14] < NOISE["heading_title"] + NOISE["chapter_title"]:  # vaguer still
            text = vague_chapter[k]
        if r[1] < NOISE["adjective"]:
            text = f"{ADJECTIVES[int(r[2] * len(ADJECTIVES))]} {text}".strip()
        if r[3] < NOISE["model"]:
            letters = chr(65 + int(r[4] * 26)) + chr(65 + int(r[5] * 26))
            text = f"{text} model {letters}-{qty[i] % 900 + 100}"
        if r[6] < NOISE["quantity"]:
            pack = PACKAGES[int(r[7] * len(PACKAGES))]
            text = f"{qty[i]} {pack} {text}" if r[8] < 0.5 else f"{text} {qty[i]} {units[k]}"
        if r[9] < NOISE["tail"]:
            tail = TAILS[int(r[10] * len(TAILS))]
            text = f"{text} {tail}".strip()
        if r[11] < NOISE["typo"]:
            text = _typo(text, r[12], r[2])
        if r[13] < NOISE["upper"]:
            text = text.upper()
        elif r[13] < NOISE["upper"] + NOISE["lower"]:
            text = text.lower()
        else:
            text = text[:1].upper() + text[1:]
        if len(text) > MAX_LENGTH:  # the declaration's field is full: the end is cut off
            text = text[:MAX_LENGTH].rsplit(" ", 1)[0]
        out.append(text)
    return pd.DataFrame({
        "description_id": np.arange(1, n + 1, dtype=np.int64),
        "description": pd.array(out, dtype="str"),
        "hs6": categorical(hs, "hs6"),
    })
