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


# Lesson 4: the targeting experiment (the same set-up as the lesson's hidden cell).
CATEGORICAL = ["origin_country", "office", "procedure", "mode_of_transport"]


@cache
def targeting_scores() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    declarations = data("declarations", "medium")
    past = declarations["lodgement_date"] < "2022-10-01"
    test = declarations[~past]
    train = declarations[past & declarations["inspected"]]
    label = train["inspection_outcome"] != "no_irregularity"
    log_unit_value = np.log(declarations["fob_value"] / declarations["net_mass_kg"])
    usual_price = log_unit_value[past].groupby(declarations.loc[past, "hs6"],
                                               observed=True).median()
    history = label.groupby(train["importer_id"], observed=True).agg(["sum", "size"])
    prior = label.mean()
    importer_rate = (history["sum"] + 5 * prior) / (history["size"] + 5)
    caught_before = set(history.index[history["sum"] > 0])

    def features(lines):
        table = pd.DataFrame({
            "log_value": np.log(lines["customs_value"]),
            "price_vs_usual": log_unit_value[lines.index]
            - lines["hs6"].map(usual_price).astype(float),
            "cif_over_fob": lines["customs_value"] / lines["fob_value"],
            "tariff_rate": lines["tariff_rate"],
            "preference": lines["preference_claimed"].astype(int),
            "other_departure": (
                lines["departure_country"].astype(str) != lines["origin_country"].astype(str)
            ).astype(int),
            "importer_rate": lines["importer_id"].map(importer_rate).astype(float).fillna(prior),
            "chapter": lines["hs6"].astype(str).str[:2].astype(int),
        })
        for column in CATEGORICAL:
            table[column] = lines[column].cat.codes
        return table

    X_train = features(train)
    model = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.08, random_state=0,
        categorical_features=[X_train.columns.get_loc(c) for c in CATEGORICAL],
    )
    model.fit(X_train, label.astype(int))
    X_test = features(test)
    model_score = model.predict_proba(X_test)[:, 1]
    rule_points = (
        (X_test["price_vs_usual"] < np.log(0.5)).astype(int)
        + (test["tariff_rate"] >= 15).astype(int)
        + (test["preference_claimed"] & (X_test["other_departure"] == 1)).astype(int)
        + test["importer_id"].astype(str).isin({str(i) for i in caught_before}).astype(int)
    )
    rule_score = rule_points.to_numpy() + test["customs_value"].rank(pct=True).to_numpy() * 0.5
    truth = (test["fraud_type"] != "none").to_numpy()
    return truth, test["revenue_at_risk"].to_numpy(), model_score, rule_score


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
