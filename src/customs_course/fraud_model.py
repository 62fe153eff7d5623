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
    "DECIDED_BY_CUSTOMS",
    "GROUND_TRUTH",
    "HIGH_CARDINALITY",
    "LOW_CARDINALITY",
    "DeclarationFeatures",
    "fraud_pipeline",
    "found_irregular",
    "lodgement_columns",
    "safe_log_ratio",
]

DECIDED_BY_CUSTOMS = ("risk_channel", "inspected", "inspection_outcome")
GROUND_TRUTH = ("fraud_type", "revenue_at_risk")  # only a sandbox has these
HIGH_CARDINALITY = ["importer", "declarant", "hs6", "origin", "hs6_origin", "departure"]
LOW_CARDINALITY = ["office", "mode", "procedure"]


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
