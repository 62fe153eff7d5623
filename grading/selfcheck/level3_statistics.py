"""How the self-check answers of level 3 are computed from the sandbox data (maintainers only).

modules/level3_statistics/selfcheck.yml stores only salted hashes of these answers. After a
change to the data or a question, run ``customs-course selfcheck update``; a test fails while a
stored hash and its recipe disagree. Each recipe repeats the lesson's own steps, on the edition
the lesson uses (medium, except where a lesson says otherwise).
"""

from functools import cache

import numpy as np
import pandas as pd

from customs_course import disclosure
from customs_course.datasets import load_dataset


@cache
def declarations() -> pd.DataFrame:
    return load_dataset("declarations", edition="medium")


@cache
def nomenclature() -> pd.DataFrame:
    return load_dataset("hs_nomenclature", edition="medium")


# Lesson 1: official statistics.
STRICT = ["home_use", "re_import"]
GENERAL = ["home_use", "re_import", "warehousing", "inward_processing"]


def strict_share_sea() -> float:
    sea = declarations()[declarations()["mode_of_transport"] == "sea"]
    by_procedure = sea.groupby("procedure", observed=True)["customs_value"].sum()
    return by_procedure[STRICT].sum() / by_procedure[GENERAL].sum()


def consignment_gainers_xvi() -> list:
    chapter_section = nomenclature().loc[nomenclature()["level"] == "chapter"].set_index(
        "code")["section"]
    d = declarations()
    d = d[d["hs6"].astype(str).str[:2].map(chapter_section) == "XVI"]
    partners = pd.DataFrame({
        "origin": d.groupby("origin_country", observed=True)["customs_value"].sum(),
        "consignment": d.groupby("departure_country", observed=True)["customs_value"].sum(),
    }).fillna(0)
    return list((partners["consignment"] - partners["origin"]).nlargest(3).index)


def forgone_share() -> float:
    d = declarations()
    rates = nomenclature().loc[nomenclature()["level"] == "subheading"].set_index("code")
    mfn = d["hs6"].astype(str).map(rates["mfn_duty_rate"])
    value = d["customs_value"].where(d["procedure"] == "home_use", 0.0)
    duty = value * d["tariff_rate"] / 100
    forgone = (value * mfn / 100).where(d["preference_claimed"], 0.0)
    return forgone.sum() / duty.sum()


# Lesson 2: Time Release Study (clearance events, medium edition).
@cache
def events() -> pd.DataFrame:
    return load_dataset("clearance_events", edition="medium")


def hours(start: pd.Series, end: pd.Series) -> pd.Series:
    return (end - start).dt.total_seconds() / 3600


def release_hours() -> pd.Series:
    return hours(events()["arrival_time"], events()["release_time"])


def stage_hours() -> pd.DataFrame:
    e = events()
    clock, stages = e["arrival_time"], {}
    for name, milestone in [("lodgement", "lodgement_time"), ("assessment", "assessment_time"),
                            ("inspection", "inspection_time"), ("payment", "payment_time"),
                            ("release", "release_time")]:
        new_clock = np.maximum(clock, e[milestone].fillna(clock))
        stages[name] = hours(clock, new_clock)
        clock = new_clock
    return pd.DataFrame(stages)


def health_wait_share() -> float:
    health = stage_hours()[events()["agency_hold"] == "health"]
    return health["release"].sum() / health.to_numpy().sum()


# Lesson 3: enforcement statistics (seizures, medium edition).
@cache
def seizures() -> pd.DataFrame:
    s = load_dataset("seizures", edition="medium")
    s["year"] = s["seizure_date"].dt.year
    return s


def medicines_ratio() -> float:
    per_year = seizures()[seizures()["commodity"] == "counterfeit medicines"].groupby(
        "year").size()
    return per_year[2022] / per_year[2018]


def cigarettes_largest_2021() -> float:
    rows = seizures()[(seizures()["commodity"] == "cigarettes") & (seizures()["year"] == 2021)]
    return rows["quantity"].max() / rows["quantity"].sum()


def drugs_transit_2022() -> float:
    rows = seizures()[(seizures()["category"] == "drugs") & (seizures()["year"] == 2022)]
    return rows["transit_country"].notna().mean()


# Lesson 4: mirror statistics (medium edition), flows with both sides reported.
@cache
def flows() -> pd.DataFrame:
    mirror = load_dataset("mirror_flows", edition="medium")
    reported = mirror["export_value_fob"].notna() & (mirror["export_value_fob"] > 0)
    out = mirror[reported & (mirror["import_value_cif"] > 0)].copy()
    out["ratio"] = out["import_value_cif"] / out["export_value_fob"]
    out["log_ratio"] = np.log(out["ratio"])
    return out


def xa_flows() -> pd.DataFrame:
    return flows()[flows()["reporter"] == "XA"]


def flagged_share_xa_2022(threshold: float = 0.4) -> float:
    xa = xa_flows()
    flagged = (xa["log_ratio"] - xa["log_ratio"].median()).abs() > threshold
    return flagged[xa["year"] == 2022].mean()


def precision_xa(threshold: float = 0.25) -> float:
    xa = xa_flows()
    flagged = (xa["log_ratio"] - xa["log_ratio"].median()).abs() > threshold
    truth = xa["misinvoicing"] != "none"
    return (flagged & truth).sum() / flagged.sum()


# Lesson 5: disclosure control (section x top-8 origin, importers as contributors).
@cache
def lesson5_lines() -> pd.DataFrame:
    d = declarations().copy()
    chapter_section = nomenclature().loc[nomenclature()["level"] == "chapter"].set_index(
        "code")["section"]
    sections = list(nomenclature().loc[nomenclature()["level"] == "section", "code"])
    # Ordered as in the lesson (I to XXI): the greedy suppression breaks ties in table order.
    d["section"] = pd.Categorical(d["hs6"].astype(str).str[:2].map(chapter_section),
                                  categories=sections)
    top = d.groupby("origin_country", observed=True)["customs_value"].sum().nlargest(8).index
    d["origin"] = d["origin_country"].astype(str).where(d["origin_country"].isin(top), "other")
    d["chapter"] = d["hs6"].astype(str).str[:2]
    d["quarter"] = d["lodgement_date"].dt.quarter
    return d


@cache
def lesson5_cells() -> pd.DataFrame:
    return disclosure.cell_statistics(lesson5_lines(), by=["section", "origin"],
                                      contributor="importer_id", value="customs_value", top=2)


def p20_held() -> int:
    cells = lesson5_cells()
    levels = disclosure.protection_levels(cells, min_contributors=3, n=1, k=75, p=20)
    table = disclosure.with_totals(cells["value"].unstack("origin"))
    held = levels["sensitive"].unstack("origin").reindex(index=table.index, columns=table.columns)
    held = held.fillna(False).astype(bool)
    return int(disclosure.secondary_suppression(table, held, levels).to_numpy().sum())


# Lesson 6: privacy-preserving release.
def epsilon_20_rows(scale: float = 64.0) -> float:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    count = dp.t.make_count_by_categories(
        input_domain=dp.vector_domain(dp.atom_domain(T=str)),
        input_metric=dp.symmetric_distance(), categories=["I", "II"], null_category=False)
    return (count >> dp.m.then_laplace(scale=scale)).map(d_in=20)


def lines_kept(bound: int = 5) -> float:
    per_importer = declarations().groupby("importer_id", observed=True).size()
    return per_importer.clip(upper=bound).sum() / len(declarations())


RECIPES = {
    "l3-1-strict-share-sea": strict_share_sea,
    "l3-1-consignment-gainers-xvi": consignment_gainers_xvi,
    "l3-1-forgone-share": forgone_share,
    "l3-2-p90-sea-pre-arrival": lambda: release_hours()[
        (events()["mode_of_transport"] == "sea") & events()["pre_arrival"]].quantile(0.9),
    "l3-2-health-wait-share": health_wait_share,
    "l3-2-red-within-48": lambda: (release_hours()[events()["risk_channel"] == "red"] <= 48).mean(),
    "l3-3-medicines-ratio": medicines_ratio,
    "l3-3-cigarettes-largest-2021": cigarettes_largest_2021,
    "l3-3-drugs-transit-2022": drugs_transit_2022,
    "l3-4-median-ratio-th": lambda: flows().loc[flows()["reporter"] == "TH", "ratio"].median(),
    "l3-4-flagged-share-xa-2022": flagged_share_xa_2022,
    "l3-4-precision-xa-025": precision_xa,
    "l3-5-primary-threshold-10": lambda: disclosure.primary_suppression(
        lesson5_cells(), min_contributors=10, n=1, k=75).mean(),
    "l3-5-dominance-2-85": lambda: disclosure.dominance_rule(lesson5_cells(), n=2, k=85).mean(),
    "l3-5-at-risk-chapter-origin-quarter": lambda: disclosure.records_at_risk(
        lesson5_lines(), ["chapter", "origin_country", "quarter"], k=5,
        entity="importer_id").mean(),
    "l3-5-p20-held": p20_held,
    "l3-6-epsilon-20-rows": epsilon_20_rows,
    "l3-6-lines-kept-5": lines_kept,
    "l3-6-attacker-03": lambda: np.exp(0.3) / (1 + np.exp(0.3)),
    # Bun and Steinke (2016), Proposition 1.3: rho-zCDP gives (rho + 2 sqrt(rho ln(1/delta)), delta)
    "l3-6-zcdp-epsilon": lambda: 0.5 + 2 * np.sqrt(0.5 * np.log(1 / 1e-6)),
}
