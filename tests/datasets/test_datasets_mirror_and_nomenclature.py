"""Do mirror flows show the CIF/FOB gap, and does the nomenclature cover the data?"""

from __future__ import annotations

import numpy as np
import pytest

from customs_course.datasets import load_card, make_goods_descriptions, make_hs_nomenclature
from customs_course.datasets._world import registry


@pytest.fixture(scope="module")
def log_gap(medium_mirror):
    return np.log(medium_mirror["import_value_cif"] / medium_mirror["export_value_fob"])


def test_is_the_normal_gap_a_few_per_cent_in_favour_of_cif(medium_mirror, log_gap):
    normal = log_gap[medium_mirror["misinvoicing"] == "none"].dropna()
    assert 0.02 < normal.median() < 0.10
    assert normal.std() < 0.15


def test_do_mirror_gaps_flag_the_planted_products(medium_mirror, log_gap):
    claim = load_card("mirror_flows")["recoverable"]["mirror_gap"]
    both = log_gap.notna()
    flagged = (log_gap - log_gap[both].median()).abs() > claim["threshold"]
    planted = medium_mirror["misinvoicing"] != "none"
    recall = flagged[both & planted].mean()
    precision = planted[both & flagged].mean()
    assert recall >= claim["min_recall"], recall
    assert precision >= claim["min_precision"], precision


def test_is_each_flow_reported_once_per_year(medium_mirror):
    assert not medium_mirror.duplicated(["year", "reporter", "partner", "hs6"]).any()
    assert (medium_mirror["reporter"] != medium_mirror["partner"]).all()
    assert (medium_mirror["reporter"] == "XA").mean() > 0.1


def test_does_the_nomenclature_have_the_public_structure():
    hs = make_hs_nomenclature()
    counts = hs["level"].value_counts()
    assert counts["section"] == 21 and counts["chapter"] == 97
    assert "Reserved" in hs.loc[(hs["level"] == "chapter") & (hs["code"] == "77"), "title"].item()
    assert hs.loc[hs["code"] == "85", "title"].item().startswith("Electrical machinery")
    codes = set(hs["code"])
    assert set(hs["parent"].dropna()) <= codes


def test_does_every_code_of_the_data_have_its_heading_chapter_and_tariff():
    hs = make_hs_nomenclature()
    sub = hs[hs["level"] == "subheading"]
    assert set(sub["code"]) == set(registry("hs6"))
    headings = set(hs.loc[hs["level"] == "heading", "code"])
    assert {c[:4] for c in sub["code"]} == headings
    assert sub["mfn_duty_rate"].notna().all() and sub["supplementary_unit"].notna().all()
    assert hs.loc[hs["level"] != "subheading", "mfn_duty_rate"].isna().all()


def test_do_descriptions_cover_every_code_and_stay_ambiguous():
    d = make_goods_descriptions(20_000, random_state=1)
    used = set(d["hs6"].astype(str))
    # thousands of codes, thin ones drawn rarely: nearly all appear in 20,000 descriptions
    assert used <= set(registry("hs6")) and len(used) > 0.9 * len(registry("hs6"))
    assert d["description"].str.len().between(3, 120).all()
    # noise makes most texts unique, so a lookup table of seen texts is not enough
    assert d["description"].nunique() > 0.5 * len(d)
