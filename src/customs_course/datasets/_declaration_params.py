"""The parameters of the declarations generator: the one copy.

The generator reads them from here, and the data card ``datasets/declarations/card.yml`` shows
them (``load_card`` fills its ``parameters`` and renders the ``{p[...]}`` fields of its texts
from this dict), so the card cannot drift from the code.
"""

from __future__ import annotations

PARAMS = {
    # structure and calendar
    "lines_per_declaration_geometric_p": 0.55,
    "month_weights": [0.85, 0.8, 0.95, 0.95, 1.0, 1.0, 0.95, 0.95, 1.05, 1.15, 1.2, 1.1],
    "weekday_weights": [1.1, 1.1, 1.1, 1.1, 1.05, 0.45, 0.25],
    "vat_rate_percent": 15.0,
    # values: log-normal body, Pareto top tail, nothing above the cap
    "values": {"median_usd": 2500.0, "sigma": 3.55, "tail_start_usd": 2_000_000.0,
               "tail_index": 1.3, "max_usd": 75_000_000.0},
    "price_noise_sigma": 0.8,
    "legitimate_discount": {"share": 0.06, "factor_low": 0.3, "factor_high": 0.8},
    # dirt, as real declarations have it
    "dirt": {"mass_whole_kg_share": 0.8, "mass_zero_share": 0.009,
             "quantity_missing_share": 0.005, "fob_round_hundreds_share": 0.25,
             "fob_round_units_share": 0.3},
    # fraud schemes (probability per home-use line before the importer's multiplier)
    "undervaluation": {"base": 0.035, "cut_low": 0.1, "cut_high": 0.7,
                       "fourth_quarter_multiplier": 1.5},
    "misclassification": {"base": 0.02, "early_chapters": [84, 85],
                          "late_chapters": [42, 61, 62, 64]},
    "origin": {"base": 0.045, "min_duty_percent": 10,
               "sources": ["BD", "CN", "HK", "IN", "PK", "TW"],
               "hubs": ["VN", "TH", "KH", "ID", "PH"]},
    "origin_new_hub": {"base": 0.12, "starts": 0.5, "hub": "MY", "sources": ["CN", "HK"],
                       "chapters": [61, 62, 64, 85, 94, 95]},
    "importers": {"class_shares": [0.8, 0.17, 0.03], "class_multipliers": [0.5, 2.0, 4.0],
                  "favourite_fraud_multiplier": 1.3, "other_fraud_multiplier": 0.7,
                  "aeo_multiplier": 0.7, "complicit_declarant_share": 0.05,
                  "complicit_declarant_multiplier": 4.0, "value_exponent": 0.4},
    # the administration's controls
    "selectivity": {"high_risk_chapters": [22, 24, 33, 61, 62, 64, 71, 85, 87],
                    "watch_origins": ["CN", "HK", "VN", "MY"], "low_price_ratio": 0.4,
                    "known_risk_weight": 0.6, "history_weight": 2.0, "red_threshold": 6.0,
                    "control_threshold": 4.4, "slope": 1.4, "intelligence_share": 0.75,
                    "intelligence_weight": 6.0, "officer_noise_sigma": 0.8,
                    "random_audit_share": 0.05, "random_audit_red_share": 0.3},
    "detection_probability": {"undervaluation": {"yellow": 0.55, "red": 0.75},
                              "misclassification": {"yellow": 0.25, "red": 0.6},
                              "origin": {"yellow": 0.3, "red": 0.45}},
    "procedural_irregularity_share": 0.03,
    "procedural_route_sigma": 1.5,
}
