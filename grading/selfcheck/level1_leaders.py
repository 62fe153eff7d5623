"""How the self-check answers of level 1 are computed from the sandbox data (maintainers only).

modules/level1_leaders/selfcheck.yml stores only salted hashes of these answers. Each recipe
repeats the computation of the lesson's hidden code cell whose chart or table the question is
read from; change both together. After a change to the data or a question, run
``customs-course selfcheck update``; a test fails while a stored hash and its recipe disagree.
Choices are asked as lists of letters (kind ``set``), so that no answer is a word that appears
in the lessons' text.
"""

from functools import cache

import numpy as np
import pandas as pd

from customs_course.datasets import load_dataset
from customs_course.metrics import precision_at_k, revenue_at_k


@cache
def data(name: str, edition: str) -> pd.DataFrame:
    return load_dataset(name, edition=edition)


def release_hours(edition: str) -> pd.Series:
    clearance = data("clearance_events", edition)
    return (clearance["release_time"] - clearance["arrival_time"]).dt.total_seconds() / 3600


# Lesson 1: the mirror figure (value exported to XA but not recorded, in the last year, as a
# percentage of the imports XA recorded that year).
def mirror_gap_last_year() -> float:
    mirror = data("mirror_flows", "medium")
    xa = mirror[(mirror["reporter"] == "XA") & (mirror["export_value_fob"] > 0)
                & (mirror["import_value_cif"] > 0)]
    log_gap = np.log(xa["import_value_cif"] / xa["export_value_fob"])
    low = xa[(log_gap - log_gap.median()) < -0.4]
    recorded = xa.groupby("year")["import_value_cif"].sum()
    missing = (low["export_value_fob"] - low["import_value_cif"]).groupby(low["year"]).sum()
    return float((missing.reindex(recorded.index, fill_value=0) / recorded * 100).iloc[-1])


# Lesson 2: the table by channel and the selection figure (medium editions, as all of level 1).
def red_median() -> float:
    clearance = data("clearance_events", "medium")
    return float(release_hours("medium")[clearance["risk_channel"] == "red"].median())


def unseen_revenue() -> float:
    declarations = data("declarations", "medium")
    revenue, controlled = declarations["revenue_at_risk"], declarations["inspected"]
    return float(revenue[~controlled].sum() / revenue.sum() * 100)


# Lesson 3: the agency chart and the scorecard (medium editions).
def health_median() -> float:
    clearance = data("clearance_events", "medium")
    return float(release_hours("medium")[clearance["agency_hold"] == "health"].median())


def found_share() -> float:
    declarations = data("declarations", "medium")
    found = declarations["inspected"] & (declarations["inspection_outcome"] != "no_irregularity")
    revenue = declarations["revenue_at_risk"]
    return float(revenue[found].sum() / revenue.sum() * 100)


# Lesson 4: the targeting experiment of the last quarter (the same set-up as the lesson's
# hidden cell: L5-01's pipeline against the best of the calibration's simple rules).
@cache
def targeting_scores() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from threadpoolctl import threadpool_limits

    from customs_course.calibration import rule_scores
    from customs_course.fraud_model import found_irregular, fraud_pipeline, lodgement_columns

    lines = data("declarations", "medium")
    past = lines["lodgement_date"] < "2022-10-01"
    test = ~past
    train = lines[past & lines["inspected"]]
    with threadpool_limits(1):
        model = fraud_pipeline().fit(train[lodgement_columns(train)], found_irregular(train))
        model_score = model.predict_proba(lines.loc[test, lodgement_columns(lines)])[:, 1]
    truth = (lines.loc[test, "fraud_type"] != "none").to_numpy()
    revenue = lines.loc[test, "revenue_at_risk"].fillna(0).to_numpy()
    rules = rule_scores(lines, past, test)
    best = max(rules, key=lambda name: precision_at_k(truth, rules[name], 0.01))
    return truth, revenue, model_score, rules[best]


def model_precision_5() -> float:
    truth, _, model_score, _ = targeting_scores()
    return precision_at_k(truth, model_score, 0.05)


def rule_revenue_10() -> float:
    _, revenue, _, rule_score = targeting_scores()
    return revenue_at_k(revenue, rule_score, 0.10) * 100


# Lesson 5: the disclosure-control figure, table by HS6 x origin.
def hs6_origin_suppressed() -> float:
    lines = data("declarations", "medium")
    keys = [lines["hs6"].astype(str), lines["origin_country"].astype(str)]
    by_trader = lines.groupby([*keys, lines["importer_id"].astype(str)])["customs_value"].sum()
    cells = by_trader.groupby(level=[0, 1])
    traders, value = cells.size(), cells.sum()
    suppressed = (traders < 3) | (cells.max() >= 0.75 * value)
    return float(suppressed.mean() * 100)


RECIPES = {
    "l1-1-data-driven": lambda: ["B", "D"],
    "l1-1-mirror-gap": mirror_gap_last_year,
    "l1-2-red-median": red_median,
    "l1-2-unseen-revenue": unseen_revenue,
    "l1-2-misleading": lambda: ["A", "C", "E"],
    "l1-3-health-median": health_median,
    "l1-3-found-share": found_share,
    "l1-3-gaming": lambda: ["A", "B", "D"],
    "l1-4-model-precision": model_precision_5,
    "l1-4-rule-revenue": rule_revenue_10,
    "l1-4-questions": lambda: ["A", "B", "E"],
    "l1-5-hs6-origin-suppressed": hs6_origin_suppressed,
    "l1-5-governance": lambda: ["B", "C", "E"],
}
