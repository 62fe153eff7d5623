"""How the self-check answers of level 1 are computed from the sandbox data (maintainers only).

modules/level1_leaders/selfcheck.yml stores only salted hashes of these answers. Each recipe
repeats the computation of the lesson's hidden code cell whose chart or table the question is
read from; change both together. After a change to the data or a question, run
``customs-course selfcheck update``; a test fails while a stored hash and its recipe disagree.
Choices are asked as lists of letters (kind ``set``), so that no answer is a word that appears
in the lessons' text. Level 1 asks for judgement, not for a number copied from a chart (issue 15,
point 12): where a statement rests on a figure of the page, its recipe decides from the data
whether the statement holds, so the answer follows the data.
"""

from functools import cache

import numpy as np
import pandas as pd

from customs_course.datasets import load_dataset
from customs_course.metrics import precision_at_k, revenue_at_k


def letters(**holds: bool) -> list[str]:
    """The letters of the statements that hold, such as ``letters(A=False, B=True)``."""
    return sorted(letter for letter, true in holds.items() if true)


@cache
def data(name: str, edition: str) -> pd.DataFrame:
    return load_dataset(name, edition=edition)


def release_hours(edition: str) -> pd.Series:
    clearance = data("clearance_events", edition)
    return (clearance["release_time"] - clearance["arrival_time"]).dt.total_seconds() / 3600


# Lesson 2: the selection figure (share of the revenue at risk in uncontrolled lines; medium
# editions, as all of level 1). Lesson 1's questions are judgement only.
def unseen_revenue() -> float:
    declarations = data("declarations", "medium")
    revenue, controlled = declarations["revenue_at_risk"], declarations["inspected"]
    return float(revenue[~controlled].sum() / revenue.sum() * 100)


# Lesson 3: the scorecard's last line and (below) the agency chart (medium editions).
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


def agency_holds_all_slower() -> bool:
    clearance = data("clearance_events", "medium")
    medians = release_hours("medium").groupby(clearance["agency_hold"], observed=True).median()
    return bool(medians.drop("none").min() > medians["none"])


def model_precision_5() -> float:
    truth, _, model_score, _ = targeting_scores()
    return precision_at_k(truth, model_score, 0.05)


def model_revenue(budget: float) -> float:
    _, revenue, model_score, _ = targeting_scores()
    return revenue_at_k(revenue, model_score, budget)


def rule_precision_5() -> float:
    truth, _, _, rule_score = targeting_scores()
    return precision_at_k(truth, rule_score, 0.05)


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
    "l1-1-mirror-claim": lambda: ["A", "B", "D"],
    "l1-2-release-pair": lambda: ["B", "C"],
    "l1-2-selection-claims": lambda: letters(A=False, B=unseen_revenue() > 10, C=False, D=True),
    "l1-2-misleading": lambda: ["A", "C", "E"],
    "l1-3-agency-claims": lambda: letters(A=False, B=agency_holds_all_slower(), C=False, D=True),
    "l1-3-found-claims": lambda: letters(A=False, B=found_share() < 75, C=False, D=True),
    "l1-3-gaming": lambda: ["A", "B", "D"],
    "l1-4-table-claims": lambda: letters(A=model_precision_5() > rule_precision_5(),
                                         B=model_revenue(0.10) > model_revenue(0.05),
                                         C=False, D=True),
    "l1-4-ai-act": lambda: ["B", "C", "D"],
    "l1-4-questions": lambda: ["A", "B", "E"],
    "l1-5-disclosure-choices": lambda: letters(A=False, B=True, C=hs6_origin_suppressed() > 100 / 3,
                                               D=False, E=True),
    "l1-5-governance": lambda: ["B", "C", "E"],
}
