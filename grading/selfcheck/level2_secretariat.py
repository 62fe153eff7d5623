"""How the self-check answers of level 2 are computed from the sandbox data (maintainers only).

modules/level2_secretariat/selfcheck.yml stores only salted hashes of these answers. After a
change to the data or a question, run ``customs-course selfcheck update``; a test fails while a
stored hash and its recipe disagree.
"""

from functools import cache

import numpy as np
import pandas as pd

from customs_course.datasets import load_dataset
from customs_course.quality import add_quality_problems


def small_declarations():
    return load_dataset("declarations", edition="small")


# Lesson 2 works on the damaged copy made with random_state=7.
@cache
def dirty_declarations() -> pd.DataFrame:
    return add_quality_problems(small_declarations(), random_state=7)[0]


def value_share_without_origin() -> float:
    dirty = dirty_declarations()
    return dirty.loc[dirty["origin_country"].isna(), "customs_value"].sum() / dirty[
        "customs_value"
    ].sum()


def lines_for_monthly_count() -> int:
    dirty = dirty_declarations()
    lodged = pd.to_datetime(dirty["lodgement_date"], format="%Y-%m-%d", errors="coerce")
    in_2022 = lodged.between("2022-01-01", "2022-12-31")
    return int((~dirty.duplicated() & in_2022).sum())


def cif_below_fob_declarations() -> list:
    dirty = dirty_declarations()
    return list(dirty.loc[dirty["customs_value"] < dirty["fob_value"], "declaration_id"])


# Lessons 3 and 4 work on the clean small edition, with the chapter as the first two digits.
def with_chapter() -> pd.DataFrame:
    declarations = small_declarations()
    declarations["chapter"] = declarations["hs6"].astype(str).str[:2]
    return declarations


def china_share_85() -> float:
    chapter_85 = with_chapter().query("chapter == '85'")
    by_origin = chapter_85.groupby("origin_country")["customs_value"].sum()
    return by_origin.loc["CN"] / by_origin.sum()


def red_value_by_air() -> float:
    table = pd.pivot_table(small_declarations(), index="mode_of_transport",
                           columns="risk_channel", values="customs_value", aggfunc="sum")
    return (table / table.sum()).loc["air", "red"]


def lie_factor(baseline: float = 2100) -> float:
    """Tufte's lie factor of the truncated chart: change drawn / change in the data (Q1 to Q4)."""
    per_quarter = small_declarations().groupby(
        small_declarations()["lodgement_date"].dt.quarter
    ).size()
    q1, q4 = per_quarter[1], per_quarter[4]
    shown = ((q4 - baseline) - (q1 - baseline)) / (q1 - baseline)
    return shown / ((q4 - q1) / q1)


def other_share(kept: int = 8) -> float:
    declarations = small_declarations()
    value = declarations.groupby("origin_country")["customs_value"].sum()
    shares = (value / value.sum()).sort_values(ascending=False)
    return shares.iloc[kept:].sum()


# Lesson 5: cells of HS chapter x mode of transport, threshold of 3 importers.
def cells_by_mode() -> pd.DataFrame:
    return with_chapter().groupby(["chapter", "mode_of_transport"]).agg(
        importers=("importer_id", "nunique"), value=("customs_value", "sum")
    )


def small_value_by_mode() -> float:
    cells = cells_by_mode()
    return cells.loc[cells["importers"] < 3, "value"].sum() / cells["value"].sum()


# The graded exercises' self-study checks: the same answers as their hidden tests.
def red_lines() -> pd.DataFrame:
    declarations = small_declarations()
    return declarations[declarations["risk_channel"] == "red"]


@cache
def extraction() -> pd.DataFrame:
    """The extraction that solutions/level2_data_quality checks (random_state=31)."""
    return add_quality_problems(small_declarations(), random_state=31)[0]


def extraction_missing_total() -> int:
    from customs_course.datasets import load_card

    required = [c["name"] for c in load_card("declarations")["columns"]
                if c.get("nullable") is False]
    return int(extraction()[required].isna().sum().sum())


def extraction_bad_dates() -> list:
    """The rows of the unreadable dates and of those outside 2022 (rows, not a count: the
    planted counts are round numbers that the lessons' text holds by chance)."""
    lodged = pd.to_datetime(extraction()["lodgement_date"], format="%Y-%m-%d", errors="coerce")
    return list(extraction().index[
        lodged.isna() | (lodged < "2022-01-01") | (lodged > "2022-12-31")
    ])


def extraction_in_grams() -> list:
    data = extraction()
    per_unit = (data["net_mass_kg"] / data["quantity"])[data["quantity"] > 0]
    typical = per_unit.groupby(data["hs6"]).transform("median")
    return list(per_unit.index[per_unit / typical > 100])


def typical_by_mode_total() -> float:
    by_mode = small_declarations().groupby("mode_of_transport", observed=True)["customs_value"]
    return by_mode.median().sum() + by_mode.quantile(0.9).sum()


EXERCISE_RECIPES = {
    "l2-ex-first-look-q1": lambda: small_declarations()["declaration_id"].nunique(),
    "l2-ex-first-look-q2": lambda: (small_declarations()["risk_channel"] == "red").mean(),
    "l2-ex-first-look-q3": lambda: list(red_lines()["origin_country"].value_counts().head(5).index),
    "l2-ex-data-quality-q1": lambda: list(extraction().index[~extraction().duplicated()]),
    "l2-ex-data-quality-q2": extraction_missing_total,
    "l2-ex-data-quality-q3-impossible": lambda: list(extraction().index[
        (extraction()[["quantity", "net_mass_kg", "fob_value", "customs_value"]] <= 0)
        .any(axis=1)
    ]),
    "l2-ex-data-quality-q3-cif": lambda: list(extraction().index[
        extraction()["customs_value"] < extraction()["fob_value"]
    ]),
    "l2-ex-data-quality-q4": extraction_bad_dates,
    "l2-ex-data-quality-q5": extraction_in_grams,
    "l2-ex-data-quality-q6": lambda: list(
        with_chapter().groupby("chapter")["customs_value"].sum().nlargest(5).index
    ),
    "l2-ex-data-quality-q7": typical_by_mode_total,
}

# Lesson 0: values typed in, and one count on the small edition.
def duty_of_typed_line(fob: float = 23_800, freight: float = 1_150, insurance: float = 95,
                       rate: float = 0.08) -> float:
    return (fob + freight + insurance) * rate


RECIPES = {
    "l2-0-duty": duty_of_typed_line,
    "l2-0-chapter": lambda: "090111"[:2],
    "l2-0-importers": lambda: small_declarations()["importer_id"].nunique(),
    "l2-1-declarations": lambda: small_declarations()["declaration_id"].nunique(),
    "l2-1-inspected-share": lambda: small_declarations()["inspected"].mean(),
    "l2-1-top-origins": lambda: list(
        small_declarations()["origin_country"].value_counts().head(5).index
    ),
    "l2-2-duplicate-value": lambda: dirty_declarations()
    .loc[dirty_declarations().duplicated(), "customs_value"]
    .sum(),
    "l2-2-value-without-origin": value_share_without_origin,
    "l2-2-lines-for-monthly-count": lines_for_monthly_count,
    "l2-2-cif-below-fob": cif_below_fob_declarations,
    "l2-3-median-vehicles": lambda: with_chapter()
    .query("chapter == '87'")["customs_value"]
    .median(),
    "l2-3-china-share-85": china_share_85,
    "l2-3-top-origins-61": lambda: list(
        with_chapter().query("chapter == '61'").groupby("origin_country")["customs_value"]
        .sum().nlargest(3).index
    ),
    "l2-3-p90-road": lambda: small_declarations()
    .query("mode_of_transport == 'road'")["customs_value"]
    .quantile(0.9),
    "l2-3-red-value-by-air": red_value_by_air,
    "l2-4-lie-factor": lie_factor,
    "l2-4-share-below-10000": lambda: (small_declarations()["customs_value"] < 10_000).mean(),
    "l2-4-orders-of-magnitude": lambda: np.log10(
        small_declarations()["customs_value"].max() / small_declarations()["customs_value"].min()
    ),
    "l2-4-other-share": other_share,
    "l2-5-small-cells-by-mode": lambda: (cells_by_mode()["importers"] < 3).mean(),
    "l2-5-small-value-by-mode": small_value_by_mode,
    "l2-5-sample-value": lambda: small_declarations()
    .sample(n=20, random_state=2022)["customs_value"]
    .sum(),
    **EXERCISE_RECIPES,
}
