"""The fraud model of lesson L5-01, as one reusable scikit-learn pipeline.

:func:`fraud_pipeline` takes raw declaration lines (the columns the declarant lodged) and returns
a probability that a control finds an irregularity. Every step that learns from data sits inside
it (reference unit values, target encodings), so nothing leaks from a test period:

1. :class:`DeclarationFeatures` learns the median log unit value per HS6 and per HS6 x origin
   from the training lines and compares each line with them; it derives the other features;
2. identifiers with many values (importer, declarant, HS6, origin, HS6 x origin, departure) go
   through a cross-fitted ``TargetEncoder``; office, mode and procedure through an
   ``OrdinalEncoder`` to the booster's native categorical support;
3. ``HistGradientBoostingClassifier`` (missing values handled natively).

Zeros and missing values in the values and masses give a missing feature (not an infinity), which
the booster handles; the calibration of the sandbox (:mod:`customs_course.calibration`) measures
the data with this same pipeline.

The other lessons of level 5 share two more pieces, both past-only:

- :func:`past_hit_rate`: a group's (importer's) hit rate from the controls whose result was
  *recorded* before the line was lodged; :func:`result_recorded_day` gives that day, the end of
  the control in the clearance events (a result is not known on the day of lodgement);
- :class:`AnomalyFeatures`: lesson L5-05's features for anomaly detection, with every reference
  (unit value per HS6 x origin, mass per unit per HS6) learnt in ``fit`` from past lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OrdinalEncoder, TargetEncoder

__all__ = [
    "PRIOR_WEIGHT",
    "AnomalyFeatures",
    "DECIDED_BY_CUSTOMS",
    "GROUND_TRUTH",
    "HIGH_CARDINALITY",
    "LOW_CARDINALITY",
    "DeclarationFeatures",
    "fraud_pipeline",
    "found_irregular",
    "lodgement_columns",
    "past_hit_rate",
    "result_recorded_day",
    "safe_log_ratio",
]

DECIDED_BY_CUSTOMS = ("risk_channel", "inspected", "selection", "inspection_outcome")
GROUND_TRUTH = ("fraud_type", "revenue_at_risk")  # only a sandbox has these
HIGH_CARDINALITY = ["importer", "declarant", "hs6", "origin", "hs6_origin", "departure"]
LOW_CARDINALITY = ["office", "mode", "procedure"]
#: Imaginary controls at the overall rate that shrink a group's past hit rate (lesson L5-02).
PRIOR_WEIGHT = 5.0
MAD_SCALE = 0.6745


def lodgement_columns(lines: pd.DataFrame) -> list[str]:
    """The columns a model may learn from: all but Customs' decisions and the ground truth."""
    return [c for c in lines.columns if c not in DECIDED_BY_CUSTOMS + GROUND_TRUTH]


def found_irregular(lines: pd.DataFrame) -> pd.Series:
    """The label of a line: controlled, and the control recorded an irregularity."""
    outcome = lines["inspection_outcome"].astype("string")
    return (lines["inspected"].astype(bool) & outcome.notna()
            & outcome.ne("no_irregularity")).fillna(False).astype(bool)


def safe_log_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """log(numerator / denominator), missing (NaN) where either side is missing or not > 0."""
    num = pd.to_numeric(numerator, errors="coerce").astype(float)
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    usable = (num > 0) & (den > 0) & np.isfinite(num) & np.isfinite(den)
    out = pd.Series(np.nan, index=num.index)
    out[usable] = np.log(num[usable] / den[usable])
    return out


def _hs_origin(X: pd.DataFrame) -> pd.Series:
    return X["hs6"].astype(str) + "_" + X["origin_country"].astype(str)


class DeclarationFeatures(BaseEstimator, TransformerMixin):
    """Turn raw declaration lines into model features (lesson L5-01).

    fit learns median log unit values (FOB per kg) per HS6 and per HS6 x origin from the
    training lines; transform compares each line with them and derives the other features.
    """

    def fit(self, X, y=None):
        log_uv = safe_log_ratio(X["fob_value"], X["net_mass_kg"])
        self.hs_median_ = log_uv.groupby(X["hs6"].astype(str)).median()
        self.hs_origin_median_ = log_uv.groupby(_hs_origin(X)).median()
        return self

    def transform(self, X):
        log_uv = safe_log_ratio(X["fob_value"], X["net_mass_kg"])
        hs_ref = X["hs6"].astype(str).map(self.hs_median_).astype(float)
        pair_ref = _hs_origin(X).map(self.hs_origin_median_).astype(float)
        cif_fob = np.exp(safe_log_ratio(X["customs_value"], X["fob_value"]))
        return pd.DataFrame({
            # compared with the usual price; an unseen pair falls back on its HS code
            "uv_vs_hs": log_uv - hs_ref,
            "uv_vs_hs_origin": log_uv - pair_ref.fillna(hs_ref),
            "log_value": np.log1p(pd.to_numeric(X["customs_value"]).clip(lower=0)),
            "log_mass": np.log1p(pd.to_numeric(X["net_mass_kg"]).clip(lower=0)),
            "cif_over_fob": cif_fob,
            "tariff_rate": X["tariff_rate"].astype(float),
            "preference": X["preference_claimed"].astype(int),
            "other_departure": (X["departure_country"].astype(str)
                                != X["origin_country"].astype(str)).astype(int),
            # identifiers, as text, for the encoders
            "importer": X["importer_id"].astype(str),
            "declarant": X["declarant_id"].astype(str),
            "hs6": X["hs6"].astype(str),
            "origin": X["origin_country"].astype(str),
            "hs6_origin": _hs_origin(X),
            "departure": X["departure_country"].astype(str),
            "office": X["office"].astype(str),
            "mode": X["mode_of_transport"].astype(str),
            "procedure": X["procedure"].astype(str),
        }, index=X.index)


def fraud_pipeline(**boosting_options) -> Pipeline:
    """Raw declaration lines in, probability of an irregularity out (lesson L5-01's model).

    ``boosting_options`` go to ``HistGradientBoostingClassifier`` (``random_state`` is 0
    unless given).
    """
    encoders = make_column_transformer(
        (TargetEncoder(cv=KFold(5, shuffle=True, random_state=0)), HIGH_CARDINALITY),
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
         LOW_CARDINALITY),
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    boosting_options.setdefault("random_state", 0)
    boosting = HistGradientBoostingClassifier(
        categorical_features=LOW_CARDINALITY, **boosting_options)
    return make_pipeline(DeclarationFeatures(), encoders, boosting)


def result_recorded_day(lines: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """The day each line's control result was recorded; NaT for lines not controlled.

    A control's result is known when the control ends: ``inspection_time`` of the declaration
    in the clearance events (the end of the documentary or physical control), normalised to
    its day. Importer history must count a result only from that day on, not from lodgement.
    """
    end = events.set_index("declaration_id")["inspection_time"]
    day = pd.to_datetime(lines["declaration_id"].map(end)).dt.normalize()
    controlled = lines["inspected"].astype(bool)
    if day[controlled].isna().any():
        missing = lines.loc[controlled & day.isna(), "declaration_id"].iloc[0]
        raise ValueError(f"{int((controlled & day.isna()).sum())} controlled lines have no end "
                         f"of control in the clearance events (e.g. declaration {missing}); "
                         "load the clearance events of the same edition")
    return day.where(controlled)


def past_hit_rate(keys, days, control_keys, control_days, control_hits, *,
                  prior_weight: float = PRIOR_WEIGHT) -> np.ndarray:
    """Each line's group hit rate from the controls recorded on earlier days only.

    For a line of group ``key`` lodged on ``day``, the controls that count are those of the same
    group whose result was recorded strictly before ``day`` (``control_days``, see
    :func:`result_recorded_day`); rate = (hits + w x prior) / (controls + w) with
    w = ``prior_weight`` and the prior the hit rate of all controls recorded before ``day``
    (0 before the first). A line's own control is never counted: it ends on or after lodgement.
    """
    lines = pd.DataFrame({"key": np.asarray(keys), "day": pd.to_datetime(np.asarray(days))})
    lines["order"] = np.arange(len(lines))
    controls = pd.DataFrame({"key": np.asarray(control_keys),
                             "day": pd.to_datetime(np.asarray(control_days)),
                             "hits": np.asarray(control_hits, dtype=float)})
    if controls["day"].isna().any():
        raise ValueError("a control without a result day: give the day its result was recorded")
    lines = lines.sort_values("day", kind="stable")
    per_group = _cumulative(controls, ["key", "day"])
    overall = _cumulative(controls, ["day"])
    lines = pd.merge_asof(lines, per_group, on="day", by="key", allow_exact_matches=False)
    lines = pd.merge_asof(lines, overall.rename(columns={"n": "n_all", "hits": "hits_all"}),
                          on="day", allow_exact_matches=False)
    lines = lines.fillna({"n": 0.0, "hits": 0.0, "n_all": 0.0, "hits_all": 0.0})
    prior = np.where(lines["n_all"] > 0, lines["hits_all"] / lines["n_all"].where(
        lines["n_all"] > 0, 1.0), 0.0)
    rate = (lines["hits"] + prior_weight * prior) / (lines["n"] + prior_weight)
    return rate.to_numpy()[np.argsort(lines["order"].to_numpy(), kind="stable")]


def _cumulative(controls: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Controls and hits per ``by``, cumulated over days within the group (sorted by day)."""
    daily = controls.groupby(by, sort=True)["hits"].agg(["size", "sum"])
    daily.columns = ["n", "hits"]
    daily = daily.astype(float)
    group = daily.groupby(level="key") if "key" in by else daily
    daily[["n", "hits"]] = group[["n", "hits"]].cumsum()
    return daily.reset_index().sort_values("day", kind="stable")


class AnomalyFeatures(BaseEstimator, TransformerMixin):
    """Lesson L5-05's features for anomaly detection, with references learnt from past lines.

    fit learns, from the reference (past) lines, the median and MAD of the log unit value per
    HS6 x origin and the median log mass per unit per HS6; transform scores each line against
    them, line by line (the lines being scored never shape their own references).
    ``unit_value_z`` is missing where the pair has no reference or a zero MAD.
    """

    def fit(self, X, y=None):
        log_uv = safe_log_ratio(X["fob_value"], X["net_mass_kg"])
        pair = _hs_origin(X)
        self.centre_ = log_uv.groupby(pair).median()
        self.spread_ = (log_uv - pair.map(self.centre_)).abs().groupby(pair).median()
        self.size_ = pair.value_counts()
        mass_per_unit = safe_log_ratio(X["net_mass_kg"], X["quantity"])
        self.mass_per_unit_ = mass_per_unit.groupby(X["hs6"].astype(str)).median()
        return self

    def transform(self, X):
        pair = _hs_origin(X)
        log_uv = safe_log_ratio(X["fob_value"], X["net_mass_kg"])
        spread = pair.map(self.spread_).astype(float).replace(0, np.nan)
        mass_per_unit = safe_log_ratio(X["net_mass_kg"], X["quantity"])
        return pd.DataFrame({
            "unit_value_z": MAD_SCALE * (log_uv - pair.map(self.centre_).astype(float)) / spread,
            "cif_over_fob": safe_log_ratio(X["customs_value"], X["fob_value"]),
            "mass_per_unit_vs_hs": mass_per_unit
            - X["hs6"].astype(str).map(self.mass_per_unit_).astype(float),
            "log_value": np.log(pd.to_numeric(X["customs_value"]).where(
                lambda v: v > 0)).astype(float),
            "preference_other_departure": (
                X["preference_claimed"].astype(bool)
                & (X["departure_country"].astype(str) != X["origin_country"].astype(str))
            ).astype(int),
        }, index=X.index)
