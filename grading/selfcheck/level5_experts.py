"""How the self-check answers of level 5 are computed from the sandbox data (maintainers only).

modules/level5_experts/selfcheck.yml stores only salted hashes of these answers. After a change
to the data or a question, run ``customs-course selfcheck update``; a test fails while a stored
hash and its recipe disagree. No recipe trains a model: the answers depend on the data only.
"""

from functools import cache

import pandas as pd

from customs_course.datasets import load_dataset
from customs_course.fraud_model import AnomalyFeatures
from customs_course.metrics import revenue_at_k


@cache
def medium_declarations() -> pd.DataFrame:
    return load_dataset("declarations", edition="medium")


@cache
def goods_descriptions() -> pd.DataFrame:
    return load_dataset("goods_descriptions", edition="medium")


# Lesson 1: train on the controlled lines of January-September, test on all lines of Oct-Dec.
def last_quarter() -> pd.DataFrame:
    declarations = medium_declarations()
    return declarations[declarations["lodgement_date"] >= "2022-10-01"]


def precision_ceiling(budget: float = 0.10) -> float:
    quarter = last_quarter()
    frauds = (quarter["fraud_type"] != "none").sum()
    return min(1.0, frauds / round(budget * len(quarter)))


def single_line_importers() -> float:
    declarations = medium_declarations()
    train = declarations[(declarations["lodgement_date"] < "2022-10-01")
                         & declarations["inspected"]]
    counts = train["importer_id"].value_counts()
    counts = counts[counts > 0]
    return (counts == 1).mean()


def value_rule_revenue(budget: float = 0.05) -> float:
    quarter = last_quarter()
    return revenue_at_k(quarter["revenue_at_risk"], quarter["customs_value"], budget)


# Lesson 2: drift seen in control results and in the inputs.
def green_fraud_rate() -> float:
    quarter = last_quarter()
    green = quarter[quarter["risk_channel"] == "green"]
    return (green["fraud_type"] != "none").mean()


def my_found_first_half() -> int:
    """False-origin findings for MY recorded by controls of lines lodged July-September."""
    declarations = medium_declarations()
    recorded = (declarations["inspection_outcome"] == "origin") & (
        declarations["origin_country"] == "MY")
    lodged = declarations["lodgement_date"].between("2022-07-01", "2022-09-30")
    return int((recorded & lodged).sum())


def electric_cars_q4() -> int:
    return int((last_quarter()["hs6"] == "870380").sum())


# Lesson 3: the model's inputs, its risky region and a group for the model card.
def importers_with_findings() -> int:
    declarations = medium_declarations()
    train = declarations[(declarations["lodgement_date"] < "2022-10-01")
                         & declarations["inspected"]]
    hits = train[train["inspection_outcome"] != "no_irregularity"]
    return int(hits["importer_id"].nunique())


def uv_below_half() -> float:
    declarations = medium_declarations()
    unit_value = declarations["fob_value"] / declarations["net_mass_kg"]
    past = declarations["lodgement_date"] < "2022-10-01"
    median = unit_value[past].groupby(declarations.loc[past, "hs6"], observed=True).median()
    quarter = ~past
    reference = declarations.loc[quarter, "hs6"].map(median).astype(float)
    return (unit_value[quarter] < 0.5 * reference).mean()


def preference_fraud_share() -> float:
    quarter = last_quarter()
    frauds = quarter[quarter["fraud_type"] != "none"]
    return frauds["preference_claimed"].mean()


# Lesson 4: the first 40,000 descriptions train, the last 10,000 test.
def description_split() -> tuple[pd.Series, pd.Series]:
    descriptions = goods_descriptions()
    return (descriptions["hs6"].astype(str).iloc[:40_000],
            descriptions["hs6"].astype(str).iloc[40_000:])


def majority_top1() -> float:
    y_train, y_test = description_split()
    return (y_test == y_train.value_counts().index[0]).mean()


def frequency_top3() -> float:
    y_train, y_test = description_split()
    return y_test.isin(y_train.value_counts().index[:3]).mean()


def mean_length() -> float:
    return goods_descriptions()["description"].iloc[40_000:].str.len().mean()


# Lesson 5: robust z-scores of unit value per HS6 x origin, references from January-September.
def past_and_quarter() -> tuple[pd.DataFrame, pd.DataFrame]:
    declarations = medium_declarations()
    past = declarations["lodgement_date"] < "2022-10-01"
    return declarations[past], declarations[~past]


def pair_of(lines: pd.DataFrame) -> pd.Series:
    return lines["hs6"].astype(str) + "_" + lines["origin_country"].astype(str)


def z_below_minus_2() -> float:
    """The lesson's z (AnomalyFeatures: references from the past, missing without one)."""
    past, quarter = past_and_quarter()
    z = AnomalyFeatures().fit(past).transform(quarter)["unit_value_z"]
    return (z < -2).mean()


def undervaluation_share() -> float:
    _, quarter = past_and_quarter()
    frauds = quarter[quarter["fraud_type"] != "none"]
    return (frauds["fraud_type"] == "undervaluation").mean()


def thin_pairs() -> int:
    past, _ = past_and_quarter()
    return int((pair_of(past).value_counts() < 10).sum())


# Lesson 6: the SQL of the lesson, practised on the medium edition (checked here with pandas).
def december_importers() -> int:
    declarations = medium_declarations()
    december = declarations[declarations["lodgement_date"].dt.month == 12]
    return int(december["importer_id"].nunique())


def red_duty_november() -> float:
    declarations = medium_declarations()
    red_november = (declarations["risk_channel"] == "red") & (
        declarations["lodgement_date"].dt.month == 11)
    return declarations.loc[red_november, "duty_and_taxes"].sum() / 1e6


def control_delay_days() -> int:
    """The longest control of the medium edition, in days from the day of lodgement."""
    events = load_dataset("clearance_events", edition="medium")
    ended = events["inspection_time"].notna()
    return int((events.loc[ended, "inspection_time"].dt.normalize()
                - events.loc[ended, "lodgement_time"].dt.normalize()).dt.days.max())


def lines_after_a_finding() -> int:
    """Lines lodged after a finding of their importer became known (lodgement + the delay)."""
    declarations = medium_declarations()
    found = declarations["inspected"] & (declarations["inspection_outcome"] != "no_irregularity")
    known = declarations["lodgement_date"] + pd.Timedelta(days=control_delay_days())
    first_known = known[found].groupby(declarations.loc[found, "importer_id"],
                                       observed=True).min()
    first = declarations["importer_id"].map(first_known)
    return int((declarations["lodgement_date"] > first).sum())


RECIPES = {
    "l5-1-precision-ceiling": precision_ceiling,
    "l5-1-single-line-importers": single_line_importers,
    "l5-1-value-rule-revenue": value_rule_revenue,
    "l5-2-green-fraud-rate": green_fraud_rate,
    "l5-2-my-found-first-half": my_found_first_half,
    "l5-2-electric-cars-q4": electric_cars_q4,
    "l5-3-importers-with-findings": importers_with_findings,
    "l5-3-uv-below-half": uv_below_half,
    "l5-3-preference-fraud-share": preference_fraud_share,
    "l5-4-majority-top1": majority_top1,
    "l5-4-frequency-top3": frequency_top3,
    "l5-4-mean-length": mean_length,
    "l5-5-z-below-minus-2": z_below_minus_2,
    "l5-5-undervaluation-share": undervaluation_share,
    "l5-5-thin-pairs": thin_pairs,
    "l5-6-december-importers": december_importers,
    "l5-6-red-duty-november": red_duty_november,
    "l5-6-lines-after-a-finding": lines_after_a_finding,
}

