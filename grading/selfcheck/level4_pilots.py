"""How the self-check answers of level 4 are computed from the sandbox data (maintainers only).

modules/level4_pilots/selfcheck.yml stores only salted hashes of these answers. After a change
to the data or a question, run ``customs-course selfcheck update``; a test fails while a stored
hash and its recipe disagree. Every answer follows the lesson's own steps, on the medium edition.
"""

from functools import cache

import numpy as np
import pandas as pd

from customs_course.datasets import load_dataset
from customs_course.fraud_model import found_irregular
from customs_course.metrics import precision_at_k, recall_at_k, revenue_at_k
from customs_course.targeting import temporal_split, unit_value_z

CUTOFF = "2022-10-01"


@cache
def declarations() -> pd.DataFrame:
    return load_dataset("declarations", edition="medium")


@cache
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    return temporal_split(declarations(), CUTOFF)


# Lesson 1: the pilot quarter scored against January-September, HS6 x origin then HS6; lines
# without a unit value (zero mass) keep a missing z-score, which ranks as 0.
def quarter_z(min_lines: int = 10) -> pd.Series:
    past, quarter = split()
    return unit_value_z(quarter, past, min_lines=min_lines, invalid="nan")


def undervaluation_revenue_1000() -> float:
    quarter = split()[1]
    lost = quarter["revenue_at_risk"].where(quarter["fraud_type"] == "undervaluation", 0.0)
    return revenue_at_k(lost, -quarter_z().fillna(0), 1000)


def precision_min30() -> float:
    quarter = split()[1]
    return precision_at_k(quarter["fraud_type"] == "undervaluation", -quarter_z(30).fillna(0),
                          500)


# Lesson 2: the controls whose result was recorded by the cutoff, and the rules in force.
def controlled_by_cutoff() -> pd.DataFrame:
    past = split()[0]
    recorded = past["declaration_id"].map(
        events().set_index("declaration_id")["inspection_time"])
    return past[past["inspected"] & (recorded < pd.Timestamp(CUTOFF))]


def rule_score(lines: pd.DataFrame) -> pd.Series:
    data = declarations()
    past = split()[0]
    log_uv = np.log(data["fob_value"] / data["net_mass_kg"].where(data["net_mass_kg"] > 0))
    usual_price = log_uv[past.index].groupby(past["hs6"], observed=True).median()
    controlled = controlled_by_cutoff()
    found = found_irregular(controlled)
    caught_before = set(controlled.loc[found, "importer_id"].astype(str))
    cheap = log_uv[lines.index] - lines["hs6"].map(usual_price).astype(float) < np.log(0.5)
    other_departure = lines["departure_country"].astype(str) != lines["origin_country"].astype(str)
    points = (cheap.astype(int)
              + (lines["tariff_rate"] >= 15).astype(int)
              + (lines["preference_claimed"] & other_departure).astype(int)
              + lines["importer_id"].astype(str).isin(caught_before).astype(int))
    return points + lines["customs_value"].rank(pct=True) * 0.5


def rules_recall_10() -> float:
    future = split()[1]
    return recall_at_k(future["fraud_type"] != "none", rule_score(future), 0.10)


def current_revenue() -> float:
    future = split()[1]
    return future.loc[future["inspected"], "revenue_at_risk"].sum() / future[
        "revenue_at_risk"].sum()


def missed_in_past() -> int:
    controlled = controlled_by_cutoff()
    return int(((controlled["fraud_type"] != "none")
                & (controlled["inspection_outcome"] == "no_irregularity")).sum())


# Lesson 3: the Time Release Study of one office, with the clock convention.
MILESTONES = ["lodgement_time", "assessment_time", "inspection_time", "payment_time",
              "release_time"]


@cache
def events() -> pd.DataFrame:
    return load_dataset("clearance_events", edition="medium")


def office_events(office: str) -> pd.DataFrame:
    table = events()[events()["office"] == office].copy()
    table["release_hours"] = (table["release_time"] - table["arrival_time"]
                              ).dt.total_seconds() / 3600
    return table


def stage_means(table: pd.DataFrame) -> pd.Series:
    clock, means = table["arrival_time"], {}
    for milestone in MILESTONES:
        new_clock = np.maximum(clock, table[milestone].fillna(clock))
        means[milestone] = ((new_clock - clock).dt.total_seconds() / 3600).mean()
        clock = new_clock
    return pd.Series(means)


def of037_bottleneck_share() -> float:
    means = stage_means(office_events("OF037"))
    return means.max() / means.sum()


def median_late_non_aeo() -> float:
    table = office_events("OF025")
    return table.loc[~table["aeo"] & ~table["pre_arrival"], "release_hours"].median()


def mean_all_pre_arrival() -> float:
    table = office_events("OF025")
    pre_means = table[table["pre_arrival"]].groupby("aeo")["release_hours"].mean()
    counts = table.groupby("aeo").size()
    return (pre_means * counts).sum() / counts.sum()


RECIPES = {
    "l4-1-below-minus-3": lambda: int((quarter_z() < -3).sum()),
    "l4-1-revenue-1000": undervaluation_revenue_1000,
    "l4-1-precision-min30": precision_min30,
    "l4-2-rules-recall-10": rules_recall_10,
    "l4-2-current-revenue": current_revenue,
    "l4-2-missed-in-past": missed_in_past,
    "l4-3-of037-bottleneck-share": of037_bottleneck_share,
    "l4-3-median-late-non-aeo": median_late_non_aeo,
    "l4-3-mean-all-pre-arrival": mean_all_pre_arrival,
}
