"""How hard is the sandbox? The figures of issue 13, each against a target and a reference.

``customs-course datasets calibrate`` prints :func:`calibration_report` of an edition's
declarations and fails when a figure leaves its target range. The targets and the references they
come from live once, in :data:`TARGETS` and :data:`SOURCES`; each figure has a small function
that the tests check on hand-made frames.

Conventions:

- the **test quarter** is October-December of the year of the latest lodgement; everything
  before is the **past** (training period);
- **truth** is the planted ``fraud_type`` (not ``none``); a **label** is what a control recorded
  (:func:`customs_course.fraud_model.found_irregular`), known only for controlled lines;
- a **past hit rate** of a line (per importer, per HS6 x origin) uses only the controls of lines
  lodged on earlier days, shrunk towards the overall past hit rate by ``PRIOR_WEIGHT`` imaginary
  controls (as lesson L5-02 does);
- a single feature's AUC is taken in its better direction (``max(auc, 1 - auc)``): what the
  feature alone could reveal, whichever way a rule used it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from customs_course.fraud_model import (
    DeclarationFeatures,
    found_irregular,
    fraud_pipeline,
    lodgement_columns,
)
from customs_course.metrics import precision_at_k, recall_at_k, revenue_at_k

__all__ = [
    "SOURCES",
    "TARGETS",
    "Figure",
    "Source",
    "Target",
    "audit_detection_rate",
    "best_rule",
    "calibrate",
    "calibration_report",
    "compute_figures",
    "detection_rates",
    "format_report",
    "hill_tail_index",
    "past_hit_rate",
    "past_record",
    "quarter_split",
    "rule_selected",
    "seed_figures",
    "selection_bias_cost",
    "single_feature_auc",
    "thin_code_share",
    "top_share",
    "whole_kg_share",
    "zero_or_missing_share",
]

PRIOR_WEIGHT = 5.0
THIN_CODE_LINES = 20
HILL_TOP_SHARE = 0.01
VALUE_COLUMNS = ("fob_value", "customs_value", "net_mass_kg")
AUDIT_SEEDS = (7, 8, 9, 10, 11)
#: the control outcome of an irregularity with no revenue (one of declarations' OUTCOMES)
PROCEDURAL = "procedural"


@dataclass(frozen=True)
class Source:
    """A published reference: what data it measured, and at what base rate."""

    key: str
    citation: str
    data: str


SOURCES: tuple[Source, ...] = (
    Source("DATE", "DATE, Kim et al., KDD 2020 (WCO BACUDA)",
           "real Nigerian import declarations, 2.24% illicit in the test set; "
           "precision 92.7% and revenue 49.3% at 1% of flows inspected"),
    Source("KCS", "Jeong, Kim, Park, Choi, arXiv:2208.02484 (Korea Customs Service)",
           "CTGAN synthetic data of inspected declarations, 54,000 rows, about 21.6% fraud"),
    Source("KCS-real", "arXiv:2208.02484, Table 3, real source declarations",
           "real inspected declarations (fraud base rate far above the population's); "
           "LightGBM precision 0.604 at 5%, 0.519 at 10%"),
    Source("issue13", "course issue 13, 'A sandbox world as hard as the real one'",
           "the course's own target where no published figure exists"),
)


@dataclass(frozen=True)
class Target:
    """A figure's target range (bounds inclusive unless ``*_strict``) and its reference."""

    key: str
    name: str
    source: str
    reference: str
    low: float | None = None
    high: float | None = None
    low_strict: bool = False
    high_strict: bool = False
    fmt: str = "{:.3f}"

    def holds(self, value: float) -> bool | None:
        """True inside the range, False outside; None for a figure without a range."""
        if self.low is None and self.high is None:
            return None
        if value is None or not math.isfinite(value) and not _infinite_ok(value, self):
            return False
        if self.low is not None and (value <= self.low if self.low_strict else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_strict
                                      else value > self.high):
            return False
        return True

    def range_text(self) -> str:
        if self.low is None and self.high is None:
            return "(shown)"
        low = self.fmt.format(self.low) if self.low is not None else None
        high = self.fmt.format(self.high) if self.high is not None else None
        if low is not None and high is not None:
            return f"[{low}, {high}]"
        if low is not None:
            return f"{'>' if self.low_strict else '>='} {low}"
        return f"{'<' if self.high_strict else '<='} {high}"


def _infinite_ok(value: float, target: Target) -> bool:
    """+inf passes a lower bound only (a ratio over a rule that found nothing)."""
    return value == math.inf and target.high is None and target.low is not None


TARGETS: tuple[Target, ...] = (
    Target("hs6_codes", "HS6 codes in use", "KCS", "2,489 codes (HS 2022: ~5,600)",
           low=2000, fmt="{:,.0f}"),
    Target("hs_chapters", "HS chapters in use", "KCS", "94 chapters", low=90, fmt="{:,.0f}"),
    Target("thin_code_share", f"share of codes with < {THIN_CODE_LINES} lines", "KCS",
           "2,489 codes for 54,000 rows", low=0.30),
    Target("sd_log10_value", "sd of log10 line value", "KCS", "1.80", low=1.5, fmt="{:.2f}"),
    Target("tail_index", "Pareto tail index (Hill, top 1%)", "KCS",
           "heavy-tailed prices, max ~7e9 KRW", low=1.0, high=2.0, fmt="{:.2f}"),
    Target("max_value", "largest line value (USD)", "KCS", "about USD 6 million",
           high=100e6, fmt="{:,.0f}"),
    Target("whole_kg_share", "share of masses on whole kg", "KCS", "66%", low=0.50),
    Target("zero_or_missing_share", "share of lines with a zero/missing value or mass",
           "KCS", "about 1%", low=0.005, high=0.02, fmt="{:.4f}"),
    Target("top_origin_share", "top origin's share of lines", "KCS", "about half the rows",
           low=0.35, high=0.55),
    Target("auc_unit_value", "AUC alone: unit value vs HS6 median", "DATE",
           "signal from many features", high=0.75),
    Target("auc_cif_fob", "AUC alone: CIF/FOB", "DATE", "signal from many features",
           high=0.75),
    Target("auc_importer_history", "AUC alone: importer past hit rate", "DATE",
           "signal from many features", high=0.75),
    Target("auc_hs_origin_history", "AUC alone: HS6 x origin past hit rate", "DATE",
           "signal from many features", high=0.75),
    Target("best_rule_precision_1pct", "best simple rule, precision at 1%", "DATE",
           "model 92.7% at 2.24% illicit", high=0.25),
    Target("model_auc", "L5-01 model: AUC (all test lines)", "KCS-real",
           "precision 0.604 @5%", low=0.75, high=0.90),
    Target("model_precision_1pct", "L5-01 model: precision at 1%", "DATE", "92.7%"),
    Target("model_revenue_1pct", "L5-01 model: revenue at 1%", "DATE", "49.3%",
           low=0.20, high=0.60),
    Target("model_recall_10pct", "L5-01 model: recall at 10%", "KCS-real",
           "precision 0.519 @10%", high=0.60),
    Target("model_over_rule_1pct", "model / best rule, precision at 1%", "DATE",
           "model far above rules", low=2.0, fmt="{:.2f}"),
    Target("max_detection_rate", "highest detection rate of a channel", "issue13",
           "controls miss frauds", high=1.0, high_strict=True),
    Target("no_revenue_found_share", "share of irregularities found with no revenue",
           "issue13", "procedural findings", low=0.0, low_strict=True, fmt="{:.4f}"),
    Target("selection_bias_cost", "precision at 5%: random-audit minus rule-selected",
           "issue13", "why random audits exist", low=0.10),
)


@dataclass(frozen=True)
class Figure:
    """A measured figure; ``note`` says how (k of the Hill estimator, the best rule...)."""

    key: str
    value: float
    note: str = ""


# ---------------------------------------------------------------------------------------------
# The figures, one small function each


def _positive_finite(values) -> np.ndarray:
    array = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return array[np.isfinite(array) & (array > 0)]


def thin_code_share(hs6: pd.Series, *, min_lines: int = THIN_CODE_LINES) -> float:
    """Share of the HS6 codes in use that have fewer than ``min_lines`` lines."""
    counts = hs6.astype(str).value_counts()
    return float((counts < min_lines).mean())


def sd_log10(values) -> float:
    """Standard deviation (ddof 1) of log10 of the positive values; zeros and gaps left out."""
    return float(np.std(np.log10(_positive_finite(values)), ddof=1))


def hill_tail_index(values, *, top_share: float = HILL_TOP_SHARE) -> tuple[float, int]:
    """Hill estimate of the Pareto tail index from the top ``top_share`` of the positive values.

    With x_(1) >= x_(2) >= ... the sorted values and k = floor(top_share x n) (at least 2),
    alpha = 1 / mean(log x_(i) - log x_(k+1)), i = 1..k. Returns (alpha, k).
    """
    x = np.sort(_positive_finite(values))[::-1]
    k = max(2, int(top_share * len(x)))
    if len(x) <= k:
        raise ValueError(f"the Hill estimator needs more than {k} positive values, got {len(x)}")
    spacing = np.mean(np.log(x[:k]) - np.log(x[k]))
    return (math.inf if spacing == 0 else float(1.0 / spacing)), k


def whole_kg_share(masses) -> float:
    """Share of the positive masses that are whole kilograms."""
    x = _positive_finite(masses)
    return float(np.mean(x == np.round(x)))


def zero_or_missing_share(lines: pd.DataFrame, columns: Sequence[str] = VALUE_COLUMNS) -> float:
    """Share of lines with a zero or missing value in any of ``columns``."""
    bad = pd.Series(False, index=lines.index)
    for column in columns:
        values = pd.to_numeric(lines[column], errors="coerce")
        bad |= values.isna() | values.eq(0)
    return float(bad.mean())


def top_share(values: pd.Series) -> tuple[float, str]:
    """Share of rows holding the most frequent value, and that value."""
    counts = values.astype(str).value_counts()
    return float(counts.iloc[0] / counts.sum()), str(counts.index[0])


def quarter_split(lines: pd.DataFrame, *, date: str = "lodgement_date"
                  ) -> tuple[pd.Series, pd.Series]:
    """Masks of the past and of the test quarter (October-December of the latest year)."""
    when = pd.to_datetime(lines[date])
    start = pd.Timestamp(year=when.max().year, month=10, day=1)
    test = when >= start
    if not test.any() or test.all():
        raise ValueError(f"the lines do not span both sides of {start.date()}: "
                         "calibration needs a year with an October-December quarter")
    return ~test, test


def past_record(lines: pd.DataFrame, by: Sequence[str], *, date: str = "lodgement_date",
                known=None, prior_weight: float = PRIOR_WEIGHT) -> pd.DataFrame:
    """Controls and findings of each line's group recorded before the line's day, and its rate.

    A control's result counts for a line when it was known on an earlier day than the line's
    ``date``: by default a control is known on its own line's ``date`` (lodgement), or give
    ``known``, the datetime each controlled line's result was recorded (such as the end of the
    inspection, from the clearance events), aligned with ``lines``; a controlled line whose
    ``known`` is missing never counts. Nothing dated on or after a line's day reaches it.

    Returns a frame indexed like ``lines`` with ``controls`` and ``hits`` (the group's counts
    before the line's day), ``prior`` (the hit rate of all controls known before that day, 0
    before the first) and ``rate`` = (hits + w x prior) / (controls + w), w = ``prior_weight``.
    """
    day = pd.to_datetime(lines[date]).dt.normalize()
    known_day = (day if known is None
                 else pd.to_datetime(pd.Series(known, index=lines.index)).dt.normalize())
    key = lines.groupby(list(by), observed=True, sort=False, dropna=False).ngroup()
    counted = lines["inspected"].astype(bool) & known_day.notna()
    results = pd.DataFrame({"key": key, "when": known_day, "controls": 1.0,
                            "hits": found_irregular(lines).astype(float)})[counted]
    per_key = results.groupby(["key", "when"])[["controls", "hits"]].sum()
    per_key = per_key.groupby(level="key").cumsum().reset_index().sort_values("when")
    overall = results.groupby("when")[["controls", "hits"]].sum().cumsum().reset_index()
    asked = pd.DataFrame({"key": key, "day": day, "row": np.arange(len(lines))}).sort_values("day")
    # the counts at the end of the last day with results strictly before the line's day
    before = pd.merge_asof(asked, per_key, left_on="day", right_on="when", by="key",
                           allow_exact_matches=False)
    total = pd.merge_asof(asked, overall, left_on="day", right_on="when",
                          allow_exact_matches=False)
    record = pd.DataFrame({
        "controls": before["controls"].fillna(0.0).to_numpy(),
        "hits": before["hits"].fillna(0.0).to_numpy(),
        "prior": (total["hits"] / total["controls"]).fillna(0.0).to_numpy(),
    }, index=before["row"].to_numpy()).sort_index()
    record.index = lines.index
    record["rate"] = ((record["hits"] + prior_weight * record["prior"])
                      / (record["controls"] + prior_weight))
    return record


def past_hit_rate(lines: pd.DataFrame, by: Sequence[str], *, date: str = "lodgement_date",
                  known=None, prior_weight: float = PRIOR_WEIGHT) -> pd.Series:
    """Each line's group hit rate from the controls known on earlier days only.

    rate = (hits before + w x prior) / (controls before + w), with w = ``prior_weight`` and the
    prior the hit rate of all controls before that day (0 before the first control). A control
    is known on its line's ``date`` unless ``known`` gives when its result was recorded (see
    :func:`past_record`).
    """
    return past_record(lines, by, date=date, known=known,
                       prior_weight=prior_weight)["rate"].rename("past_hit_rate")


def single_feature_auc(truth, feature) -> float:
    """ROC AUC of one feature against the truth, in its better direction (>= 0.5).

    Missing values of the feature are put at its median (they tell nothing either way).
    """
    values = pd.Series(np.asarray(feature, dtype=float))
    values = values.fillna(values.median() if values.notna().any() else 0.0)
    auc = roc_auc_score(np.asarray(truth, dtype=bool), values)
    return float(max(auc, 1.0 - auc))


def rule_scores(lines: pd.DataFrame, past: pd.Series, test: pd.Series) -> dict[str, np.ndarray]:
    """The course's simple rules on the test lines, as scores (higher = control first).

    Unit value against the HS6 median of the past (lowest first), CIF/FOB (highest first), and
    the past hit rates of the importer and of the HS6 x origin pair (highest first).
    """
    features = DeclarationFeatures().fit(lines[past]).transform(lines[test])
    cif_fob = features["cif_over_fob"]
    return {
        "unit value vs HS6 median": -features["uv_vs_hs"].fillna(0.0).to_numpy(),
        "CIF/FOB": cif_fob.fillna(cif_fob.median()).to_numpy(),
        "importer past hit rate": past_hit_rate(lines, ["importer_id"])[test].to_numpy(),
        "HS6 x origin past hit rate": past_hit_rate(
            lines, ["hs6", "origin_country"])[test].to_numpy(),
    }


def best_rule(truth, scores: dict[str, np.ndarray], k: float = 0.01) -> tuple[str, float]:
    """The rule with the highest precision at ``k``, and that precision (first one on ties)."""
    precision = {name: precision_at_k(truth, values, k) for name, values in scores.items()}
    name = max(precision, key=precision.get)
    return name, precision[name]


def detection_rates(lines: pd.DataFrame) -> dict[str, float]:
    """Per channel that controls: share of the planted frauds that controls recorded."""
    fraud = lines["fraud_type"].astype(str).ne("none")
    found = found_irregular(lines)
    rates = {}
    controlled = lines[lines["inspected"].astype(bool) & fraud]
    for channel, rows in controlled.groupby(controlled["risk_channel"].astype(str)):
        rates[channel] = float(found[rows.index].mean())
    return rates


def no_revenue_found_share(lines: pd.DataFrame) -> float:
    """Share of the irregularities recorded by controls whose revenue at risk is 0."""
    found = found_irregular(lines)
    if not found.any():
        return 0.0
    return float(pd.to_numeric(lines.loc[found, "revenue_at_risk"]).fillna(0).eq(0).mean())


def rule_selected(lines: pd.DataFrame) -> pd.Series:
    """Controlled lines chosen by the administration's rules and officers, not by random audit.

    Without a ``selection`` column every controlled line counts as rule-selected.
    """
    controlled = lines["inspected"].astype(bool)
    if "selection" not in lines:
        return controlled
    return controlled & lines["selection"].astype(str).eq("rule")


def audit_detection_rate(lines: pd.DataFrame) -> float:
    """How often this data's random audits find a fraud: the share of the planted frauds on
    random-audit lines that the audit recorded (sandbox only: it needs the truth).

    Lesson L4-02 draws its simulated audit with this same rate. Without a random-audit stream
    (no ``selection`` column, or no fraud among the audited lines) every control counts.
    """
    fraud = lines["fraud_type"].astype(str).ne("none")
    controlled = lines["inspected"].astype(bool)
    audited = controlled & ~rule_selected(lines) & fraud
    if not audited.any():
        audited = controlled & fraud
    return float(found_fraud(lines)[audited].mean()) if audited.any() else math.nan


def found_fraud(lines: pd.DataFrame) -> pd.Series:
    """Controlled lines whose control recorded a fraud: an irregularity other than procedural."""
    return found_irregular(lines) & lines["inspection_outcome"].astype("string").ne(
        PROCEDURAL).fillna(False).astype(bool)


def selection_bias_cost(lines: pd.DataFrame, past: pd.Series, test: pd.Series, *,
                        detection: float, k: float = 0.05,
                        fit: Callable[[pd.DataFrame, pd.Series], object] | None = None,
                        seeds: Sequence[int] = AUDIT_SEEDS,
                        ) -> tuple[float, float, float, float]:
    """Precision at ``k`` lost by learning only from the rule-selected controls of the past.

    One model (:func:`customs_course.fraud_model.fraud_pipeline`) is trained on the past
    rule-selected controls with the frauds they recorded (random audits left out), and one per
    seed on a random sample of the past of the same size whose frauds are found with
    probability ``detection`` (a simulated random audit; the calibration passes
    :func:`audit_detection_rate`, how often the data's own random audits find a fraud). Both
    sides learn the same label, a fraud found: procedural findings (no revenue) are left out of
    the rule-selected side as the simulated audit has none, so that the figure measures where
    the controls were, not a difference of labels or of how thorough a control is. All rank the
    test lines against the truth. Returns (mean random - selected, selected, mean random,
    spread of random over seeds).
    """
    fit = fit or _fit_model
    truth = lines.loc[test, "fraud_type"].astype(str).ne("none").to_numpy()
    selected = lines[past & rule_selected(lines)]
    precision_selected = precision_at_k(
        truth, _score(fit(selected, found_fraud(selected)), lines[test]), k)
    precision_audit = []
    for seed in seeds:
        audit = lines[past].sample(n=len(selected), random_state=seed)
        rng = np.random.default_rng(seed)
        found = (audit["fraud_type"].astype(str).ne("none")
                 & (rng.random(len(audit)) < detection))
        precision_audit.append(precision_at_k(truth, _score(fit(audit, found), lines[test]), k))
    audit_mean = float(np.mean(precision_audit))
    spread = float(np.max(precision_audit) - np.min(precision_audit))
    return audit_mean - precision_selected, precision_selected, audit_mean, spread


def _fit_model(train: pd.DataFrame, label: pd.Series):
    return fraud_pipeline().fit(train[lodgement_columns(train)], label.to_numpy())


def _score(model, lines: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(lines[lodgement_columns(lines)])[:, 1]


# ---------------------------------------------------------------------------------------------
# All figures of one edition


def compute_figures(lines: pd.DataFrame) -> dict[str, Figure]:
    """Every figure of :data:`TARGETS` on a declarations table."""
    figures: list[Figure] = []
    value = lines["customs_value"]
    hs6 = lines["hs6"].astype(str)
    figures += [
        Figure("hs6_codes", hs6.nunique()),
        Figure("hs_chapters", hs6.str[:2].nunique()),
        Figure("thin_code_share", thin_code_share(hs6)),
        Figure("sd_log10_value", sd_log10(value), "customs value, positive lines"),
    ]
    alpha, k = hill_tail_index(value)
    origin_share, origin = top_share(lines["origin_country"])
    rates = detection_rates(lines)
    figures += [
        Figure("tail_index", alpha, f"k = {k:,} largest lines"),
        Figure("max_value", float(pd.to_numeric(value).max())),
        Figure("whole_kg_share", whole_kg_share(lines["net_mass_kg"])),
        Figure("zero_or_missing_share", zero_or_missing_share(lines), ", ".join(VALUE_COLUMNS)),
        Figure("top_origin_share", origin_share, origin),
        Figure("max_detection_rate", max(rates.values(), default=math.nan),
               ", ".join(f"{c} {r:.3f}" for c, r in rates.items())),
        Figure("no_revenue_found_share", no_revenue_found_share(lines)),
    ]
    # one thread: OpenMP threads that spin on a shared machine made the fits 10x slower
    with threadpool_limits(1):
        figures += _targeting_figures(lines)
    return {figure.key: figure for figure in figures}


def _targeting_figures(lines: pd.DataFrame) -> list[Figure]:
    past, test = quarter_split(lines)
    truth = lines.loc[test, "fraud_type"].astype(str).ne("none").to_numpy()
    revenue = pd.to_numeric(lines.loc[test, "revenue_at_risk"]).fillna(0).to_numpy()
    rules = rule_scores(lines, past, test)
    figures = [
        Figure(key, single_feature_auc(truth, rules[name]))
        for key, name in (("auc_unit_value", "unit value vs HS6 median"),
                          ("auc_cif_fob", "CIF/FOB"),
                          ("auc_importer_history", "importer past hit rate"),
                          ("auc_hs_origin_history", "HS6 x origin past hit rate"))
    ]
    rule_name, rule_precision = best_rule(truth, rules, 0.01)
    figures.append(Figure("best_rule_precision_1pct", rule_precision, rule_name))

    train = lines[past & lines["inspected"].astype(bool)]
    score = _score(_fit_model(train, found_irregular(train)), lines[test])
    model_precision = precision_at_k(truth, score, 0.01)
    ratio = model_precision / rule_precision if rule_precision > 0 else math.inf
    base = f"base rate {truth.mean():.3f}"
    figures += [
        Figure("model_auc", float(roc_auc_score(truth, score)),
               f"trained on {len(train):,} controlled past lines"),
        Figure("model_precision_1pct", model_precision, base),
        Figure("model_revenue_1pct", revenue_at_k(revenue, score, 0.01)),
        Figure("model_recall_10pct", recall_at_k(truth, score, 0.10)),
        Figure("model_over_rule_1pct", ratio),
    ]
    detection = audit_detection_rate(lines)
    cost, selected, audit, spread = selection_bias_cost(lines, past, test, detection=detection)
    figures.append(Figure("selection_bias_cost", cost,
                          f"rule-selected {selected:.3f}, random audit {audit:.3f} "
                          f"(range {spread:.3f} over {len(AUDIT_SEEDS)} audits finding "
                          f"{detection:.2f} of frauds)"))
    return figures


@dataclass(frozen=True)
class Row:
    target: Target
    figure: Figure

    @property
    def passed(self) -> bool | None:
        return self.target.holds(self.figure.value)


def calibrate(lines: pd.DataFrame) -> list[Row]:
    """The figures of ``lines`` next to their targets, in the order of :data:`TARGETS`."""
    figures = compute_figures(lines)
    return [Row(target, figures[target.key]) for target in TARGETS]


def load_edition_declarations(edition: str = "medium", data_dir: Path | None = None
                              ) -> pd.DataFrame:
    """The declarations of an edition: from ``data_dir`` if given, else the course's loader."""
    from customs_course.datasets import load_dataset
    from customs_course.datasets.editions import EDITIONS, dataset_path

    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; choose one of {', '.join(EDITIONS)}")
    if data_dir is None:
        return load_dataset("declarations", edition=edition)
    path = dataset_path(Path(data_dir), "declarations", edition, "parquet")
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; build it with "
                                f"`customs-course datasets build --edition {edition}`")
    return pd.read_parquet(path)


def seed_figures(edition: str, seeds: Sequence[int]) -> dict[str, list[float]]:
    """Each figure's values over tables of the edition's size made with other ``seeds``.

    The edition itself uses one seed; these show how far a figure moves when only the random
    draws change, so that a target met or missed by less than that is read as such.
    """
    from customs_course.datasets import make_declarations
    from customs_course.datasets.editions import EDITIONS

    n_lines = EDITIONS[edition]["declarations"]
    values: dict[str, list[float]] = {}
    for seed in seeds:
        for key, figure in compute_figures(make_declarations(n_lines, random_state=seed)).items():
            values.setdefault(key, []).append(figure.value)
    return values


def _spread_text(target: Target, values: Sequence[float]) -> str:
    met = sum(bool(target.holds(v)) for v in values)
    span = (f"{target.fmt.format(min(values))} to {target.fmt.format(max(values))}, "
            f"mean {target.fmt.format(float(np.mean(values)))}")
    return span if target.holds(values[0]) is None else f"{span} ({met}/{len(values)} met)"


def format_report(rows: Sequence[Row], *, title: str = "",
                  other_seeds: dict[str, list[float]] | None = None) -> str:
    """A plain-text table: figure, sandbox value, target, reference, mark; with ``other_seeds``
    (:func:`seed_figures`) a column of each figure's range over those seeds; then the sources."""
    spread = other_seeds or {}
    header = ("figure", "sandbox", "target", "reference", "")
    header += ("other seeds",) * bool(spread) + ("note",)
    table = [header]
    for row in rows:
        mark = {True: "pass", False: "FAIL", None: "info"}[row.passed]
        cells = (row.target.name, row.target.fmt.format(row.figure.value),
                 row.target.range_text(), f"{row.target.source}: {row.target.reference}", mark)
        if spread:
            cells += (_spread_text(row.target, spread[row.target.key]),)
        table.append(cells + (row.figure.note,))
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    lines = [title] if title else []
    for r in table:
        cells = [r[i].rjust(widths[i]) if i in (1,) else r[i].ljust(widths[i])
                 for i in range(len(widths))]
        lines.append("  ".join(cells + [r[-1]]).rstrip())
    failed = sum(row.passed is False for row in rows)
    checked = sum(row.passed is not None for row in rows)
    lines.append(f"\n{checked - failed} of {checked} targets met.")
    if spread:
        lines.append("Other seeds: the same generator and size with other random draws; only the "
                     "edition itself is judged.")
    lines.append("Sources:")
    lines += [f"  {s.key}: {s.citation}; {s.data}" for s in SOURCES]
    return "\n".join(lines)


def calibration_report(edition: str = "medium", data_dir: Path | None = None,
                       seeds: Sequence[int] = ()) -> tuple[str, bool]:
    """The printed report of an edition and whether every target is met; ``seeds`` add each
    figure's range over tables made with those seeds (:func:`seed_figures`)."""
    rows = calibrate(load_edition_declarations(edition, data_dir))
    title = f"Calibration of the {edition} edition's declarations (issue 13 targets)"
    other_seeds = seed_figures(edition, seeds) if seeds else None
    return (format_report(rows, title=title, other_seeds=other_seeds),
            all(row.passed is not False for row in rows))
