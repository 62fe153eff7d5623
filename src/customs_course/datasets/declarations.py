"""Import declarations (line items) with planted fraud and the customs' own selectivity.

How a table is made, in order (see the data card ``datasets/declarations/card.yml``):

1. Declarations of 1 to 40 lines are spread over the period with monthly and weekday
   seasonality; each gets an office (and a mode of transport that fits it), an importer (sizes are
   heavy-tailed), a declarant and a procedure.
2. Each line gets an HS code (importers trade mostly in their favourite codes), a country of
   origin that fits the code, a true value and net mass (log-normal, heavy-tailed) and a market
   price for its HS code x origin.
3. Fraud is planted line by line (home use only) with the probabilities of :data:`PARAMS`:
   undervaluation, misclassification to a lower-duty code of the same chapter, and false
   preferential origin through a hub. Repeat offenders, a fourth-quarter peak and a drift over
   the year shape them. ``fraud_type`` and ``revenue_at_risk`` keep the ground truth.
4. The customs' rules (a fixed risk score) put each declaration in a channel; yellow and red are
   controlled, and a control finds a planted fraud with the probability of its channel. So
   ``inspection_outcome`` is known only for inspected rows (selection bias, as in real data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customs_course.datasets._validate import (
    check_n_rows,
    check_period,
    check_random_state,
    streams,
)
from customs_course.datasets._world import (
    CURRENCIES,
    HUBS,
    MODES,
    categorical,
    get_world,
    sample_rows,
)

PROCEDURES = ("home_use", "warehousing", "inward_processing", "temporary_admission", "re_import")
PROCEDURE_SHARES = (0.9, 0.04, 0.03, 0.015, 0.015)
UNITS = ("kg", "l", "pair", "u")
CHANNELS = ("green", "yellow", "red")
FRAUD_TYPES = ("none", "undervaluation", "misclassification", "origin")
OUTCOMES = ("no_irregularity", "undervaluation", "misclassification", "origin")

#: The planted mechanisms and their strength; the data card repeats these numbers.
PARAMS = {
    "lines_per_declaration_geometric_p": 0.55,
    "vat_rate_percent": 15.0,
    "price_noise_sigma": 0.3,
    "legitimate_discount": {"share": 0.02, "factor_low": 0.3, "factor_high": 0.7},
    "line_value_sigma": 1.5,
    "month_weights": [0.85, 0.8, 0.95, 0.95, 1.0, 1.0, 0.95, 0.95, 1.05, 1.15, 1.2, 1.1],
    "weekday_weights": [1.1, 1.1, 1.1, 1.1, 1.05, 0.45, 0.25],
    "undervaluation": {"base": 0.014, "factor_low": 0.2, "factor_high": 0.6,
                       "fourth_quarter_multiplier": 1.6},
    "misclassification": {"base": 0.035, "early_chapters": [84, 85],
                          "late_chapters": [42, 61, 62, 64]},
    "origin": {"base": 0.055, "min_duty_percent": 10,
               "sources": ["BD", "CN", "HK", "IN", "PK", "TW"],
               "hub_first_half": "VN", "hub_second_half": "MY"},
    "favourite_fraud_multiplier": 2.0,
    "other_fraud_multiplier": 0.6,
    "detection_probability": {"yellow": 0.75, "red": 0.95},
    "selectivity": {"high_risk_chapters": [22, 24, 33, 61, 62, 64, 71, 85, 87],
                    "watch_origins": ["CN", "HK", "VN", "MY"], "low_price_ratio": 0.5,
                    "importer_weight": 1.2, "red_threshold": 4.6, "control_threshold": 3.0,
                    "slope": 1.6,
                    "random_red": 0.01, "random_control": 0.03},
}
FREIGHT_USD_PER_KG = {"sea": 0.03, "air": 2.5, "road": 0.08, "rail": 0.05, "post": 3.0}


def _structure(n_rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    sizes = np.minimum(rng.geometric(PARAMS["lines_per_declaration_geometric_p"], n_rows), 40)
    ends = np.cumsum(sizes)
    n_decl = int(np.searchsorted(ends, n_rows) + 1)
    sizes = sizes[:n_decl].copy()
    sizes[-1] -= ends[n_decl - 1] - n_rows
    decl = np.repeat(np.arange(n_decl), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    line = (np.arange(n_rows) - starts[decl] + 1).astype(np.int16)
    return decl, line, n_decl


def _days(first: np.datetime64, n_days: int, n: int, rng: np.random.Generator) -> np.ndarray:
    days = first + np.arange(n_days)
    month = days.astype("datetime64[M]").astype(int) % 12
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    weight = np.take(PARAMS["month_weights"], month) * np.take(PARAMS["weekday_weights"], weekday)
    return np.sort(rng.choice(n_days, size=n, p=weight / weight.sum()))


def _fraud(world, hs, origin, importer, t, month, home, rng):
    """Draw the fraud type of each line (0 none, 1 under, 2 misclass, 3 origin)."""
    imp = world.importers
    fav = imp["favourite_fraud"].to_numpy()[importer]
    mult = imp["propensity"].to_numpy()[importer]
    pf, po = PARAMS["favourite_fraud_multiplier"], PARAMS["other_fraud_multiplier"]
    duty = world.hs["duty"].to_numpy()[hs] + world.hs["excise"].to_numpy()[hs]
    chapter = world.hs["chapter"].to_numpy()[hs]
    u, m, o = PARAMS["undervaluation"], PARAMS["misclassification"], PARAMS["origin"]
    p_under = u["base"] * np.where(fav == 0, pf, po) * np.minimum(0.5 + duty / 25, 4.0)
    p_under = p_under * np.where(month >= 9, u["fourth_quarter_multiplier"], 1.0)
    drift = np.where(np.isin(chapter, m["early_chapters"]), 0.2 + 2.0 * (1 - t),
                     np.where(np.isin(chapter, m["late_chapters"]), 0.2 + 2.0 * t, 0.5))
    pays_mfn = ~world.countries["fta"].to_numpy()[origin]  # else a lower code gains nothing
    p_mis = m["base"] * np.where(fav == 1, pf, po) * drift * ((world.n_lower[hs] > 0) & pays_mfn)
    sources = np.isin(world.countries["code"].to_numpy(), o["sources"])
    eligible = sources[origin] & (world.hs["duty"].to_numpy()[hs] >= o["min_duty_percent"])
    p_origin = o["base"] * np.where(fav == 2, pf, po) * eligible
    cum = np.cumsum(np.stack([p_under, p_mis, p_origin]) * (mult * home), axis=0)
    draw = rng.random(len(hs))
    kind = np.zeros(len(hs), dtype=np.int8)
    for k in (2, 1, 0):
        kind[draw < np.minimum(cum[k], 0.95)] = k + 1
    return kind


def _taxes(cif, rate, excise):
    duty = cif * rate / 100.0
    exc = cif * excise / 100.0
    return duty + exc + (cif + duty + exc) * PARAMS["vat_rate_percent"] / 100.0


def _channels(world, hs, origin, imp_l, importer, decl, unit_value, cif, claimed, g):
    """The administration's fixed rules: a risk score per line, its maximum per declaration,
    then a logistic chance of red and of a control (0 green, 1 yellow, 2 red)."""
    s = PARAMS["selectivity"]
    imp = world.importers
    chapter = world.hs["chapter"].to_numpy()[hs]
    ref_price = np.median(world.price, axis=1)[hs]
    watch = np.isin(world.countries["code"].to_numpy(), s["watch_origins"])[origin]
    score = (0.8 * np.isin(chapter, s["high_risk_chapters"]) + 0.5 * watch
             + s["importer_weight"] * imp["known_risk"].to_numpy()[imp_l]
             + 0.9 * (unit_value < s["low_price_ratio"] * ref_price)
             + 0.6 * (claimed & watch) + 0.15 * np.log10(cif + 1.0))
    starts = np.concatenate([[0], np.flatnonzero(np.diff(decl)) + 1])
    d_score = np.maximum.reduceat(score, starts) - 1.5 * imp["aeo"].to_numpy()[importer]

    def logistic(threshold: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(d_score - threshold) * s["slope"]))

    p_red = logistic(s["red_threshold"]) + s["random_red"]
    p_ctrl = logistic(s["control_threshold"]) + s["random_control"]
    draw = g.random(len(importer))
    return np.where(draw < p_red, 2, np.where(draw < p_ctrl, 1, 0)).astype(np.int8)


def make_declarations(
    n_rows: int = 10_000,
    *,
    random_state: int | None = None,
    start: str = "2022-01-01",
    end: str = "2022-12-31",
) -> pd.DataFrame:
    """Make import declaration lines with planted fraud and the customs' selectivity.

    Parameters
    ----------
    n_rows : int, default=10_000
        Number of declaration lines (a declaration has 1 to 40 lines).
    random_state : int or None, default=None
        Seed; the same seed and arguments give the same table. None draws a fresh seed.
    start, end : str or date, default='2022-01-01', '2022-12-31'
        First and last lodgement dates.

    Returns
    -------
    pandas.DataFrame
        One row per line, columns as in the data card ``datasets/declarations/card.yml``.
        ``fraud_type`` and ``revenue_at_risk`` are ground truth that only a sandbox has;
        ``inspection_outcome`` is missing for uninspected declarations.

    Examples
    --------
    >>> df = make_declarations(1_000, random_state=2022)
    >>> df.shape[0]
    1000
    """
    n_rows = check_n_rows(n_rows)
    seed = check_random_state(random_state)
    first, n_days = check_period(start, end)
    rng = streams(seed, "declarations", "structure", "dates", "parties", "goods", "values",
                  "fraud", "selectivity", "inspection")
    world = get_world()
    imp = world.importers
    decl, line, n_decl = _structure(n_rows, rng["structure"])

    # declaration level
    g = rng["parties"]
    day = _days(first, n_days, n_decl, rng["dates"])
    office = g.choice(len(world.offices), size=n_decl, p=world.offices["weight"].to_numpy())
    mode = sample_rows(g, world.offices[list(MODES)].to_numpy(), office)
    importer = g.choice(len(imp), size=n_decl, p=imp["weight"].to_numpy())
    declarant = np.where(g.random(n_decl) < 0.85, imp["declarant"].to_numpy()[importer],
                         g.choice(len(world.declarants), size=n_decl,
                                  p=world.declarants["weight"].to_numpy()))
    procedure = g.choice(len(PROCEDURES), size=n_decl, p=PROCEDURE_SHARES)

    # line level: goods
    g = rng["goods"]
    imp_l = importer[decl]
    t = day[decl] / max(n_days - 1, 1)
    month = ((first + day[decl]).astype("datetime64[M]").astype(int)) % 12
    likes = imp[["like0", "like1", "like2"]].to_numpy()[imp_l, g.integers(0, 3, n_rows)]
    hs_w = world.hs["weight"].to_numpy()
    hs = np.where(g.random(n_rows) < 0.75, likes, g.choice(len(hs_w), n_rows, p=hs_w / hs_w.sum()))
    codes = world.hs["hs6"].tolist()
    ev_switch = (hs == codes.index("870323")) & (g.random(n_rows) < 0.6 * t)
    hs = np.where(ev_switch, codes.index("870380"), hs)
    origin = sample_rows(g, world.origin_probs, hs)
    country = world.countries["code"].tolist()
    hub_idx = np.array([country.index(c) for c in HUBS])
    departure = np.where(g.random(n_rows) < 0.85, origin, hub_idx[g.integers(0, len(HUBS), n_rows)])
    first_line = np.flatnonzero(line == 1)
    seller = np.where(g.random(n_decl) < 0.75, origin[first_line],
                      hub_idx[g.integers(0, len(HUBS), n_decl)])
    cur_idx = np.array([CURRENCIES.index(c) for c in world.countries["currency"]])[seller]
    keep = g.random(n_decl) < np.where(cur_idx == CURRENCIES.index("CNY"), 0.35, 0.75)
    currency = np.where(keep, cur_idx, CURRENCIES.index("USD"))

    # line level: true values
    g = rng["values"]
    unit_price = world.price[hs, origin] * np.exp(g.normal(0, PARAMS["price_noise_sigma"], n_rows))
    disc = PARAMS["legitimate_discount"]  # honest cheap lines: seconds, end of series, discounts
    cheap = g.random(n_rows) < disc["share"]
    unit_price[cheap] *= g.uniform(disc["factor_low"], disc["factor_high"], int(cheap.sum()))
    size = np.clip((imp["weight"].to_numpy()[imp_l] * len(imp)) ** 0.15, 0.5, 3.0)
    value = 8000.0 * world.hs["scale"].to_numpy()[hs] * size * np.exp(
        g.normal(0, PARAMS["line_value_sigma"], n_rows))
    mass = np.maximum(np.round(value / unit_price, 3), 0.001)
    fob_true = np.maximum(np.round(mass * unit_price, 2), 0.01)
    mode_l = mode[decl]
    freight = mass * np.take(list(FREIGHT_USD_PER_KG.values()), mode_l) * np.exp(
        g.normal(0, 0.3, n_rows))
    freight = np.minimum(freight, 0.25 * fob_true) + 0.005 * fob_true
    cif_true = np.round(fob_true + freight, 2)

    # fraud
    g = rng["fraud"]
    home = (procedure == 0)[decl]
    kind = _fraud(world, hs, origin, imp_l, t, month, home, g)
    declared_hs = hs.copy()
    mis = np.flatnonzero(kind == 2)
    pick = (g.random(len(mis)) * world.n_lower[hs[mis]]).astype(np.int64)
    declared_hs[mis] = world.lower_duty[hs[mis], pick]
    declared_origin = origin.copy()
    org = np.flatnonzero(kind == 3)
    o = PARAMS["origin"]
    late = g.random(len(org)) < np.clip((t[org] - 0.3) / 0.4, 0, 1)
    declared_origin[org] = np.where(late, country.index(o["hub_second_half"]),
                                    country.index(o["hub_first_half"]))
    departure[org] = np.where(g.random(len(org)) < 0.5, declared_origin[org], origin[org])
    factor = np.ones(n_rows)
    und = kind == 1
    u = PARAMS["undervaluation"]
    factor[und] = g.uniform(u["factor_low"], u["factor_high"], und.sum())
    fob = np.maximum(np.round(fob_true * factor, 2), 0.01)
    cif = np.round(fob + (cif_true - fob_true), 2)
    duty_mfn = world.hs["duty"].to_numpy()
    fta = world.countries["fta"].to_numpy()
    can_claim = home & fta[declared_origin] & (duty_mfn[declared_hs] > 0)
    claimed = (can_claim & (g.random(n_rows) < 0.85)) | (kind == 3)
    rate = np.where(claimed, 0.0, duty_mfn[declared_hs])
    excise = world.hs["excise"].to_numpy()
    taxes = np.where(home, np.round(_taxes(cif, rate, excise[declared_hs]), 2), 0.0)
    true_rate = np.where(claimed & (kind != 3), 0.0, duty_mfn[hs])
    true_taxes = np.where(home, np.round(_taxes(cif_true, true_rate, excise[hs]), 2), 0.0)
    at_risk = np.where(kind > 0, np.maximum(true_taxes - taxes, 0.0), 0.0)

    channel = _channels(world, declared_hs, declared_origin, imp_l, importer, decl,
                        fob / mass, cif, claimed, rng["selectivity"])
    inspected = channel > 0
    ch_l = channel[decl]
    det = PARAMS["detection_probability"]
    p_detect = np.where(ch_l == 2, det["red"], np.where(ch_l == 1, det["yellow"], 0.0))
    found = (kind > 0) & (rng["inspection"].random(n_rows) < p_detect)
    outcome = np.where(inspected[decl], np.where(found, kind, 0), -1)

    unit_idx = np.array([UNITS.index(x) for x in world.hs["unit"]])[declared_hs]
    units = np.asarray(UNITS)[unit_idx]
    kpu = world.hs["kg_per_unit"].to_numpy()[declared_hs]
    quantity = np.where(np.isin(units, ("u", "pair")), np.maximum(np.round(mass / kpu), 1.0),
                        np.where(units == "l", np.maximum(np.round(mass / kpu, 1), 0.1), mass))
    dates = (first + day).astype("datetime64[us]")
    year = int(str(first)[:4])
    frame = pd.DataFrame({
        "declaration_id": (year * 10**8 + 1 + np.arange(n_decl, dtype=np.int64))[decl],
        "line_number": line,
        "lodgement_date": dates[decl],
        "office": categorical(office[decl], "office"),
        "procedure": categorical(procedure[decl], PROCEDURES),
        "mode_of_transport": categorical(mode_l, MODES),
        "importer_id": categorical(imp_l, "importer"),
        "declarant_id": categorical(declarant[decl], "declarant"),
        "seller_country": categorical(seller[decl], "country"),
        "hs6": categorical(declared_hs, "hs6"),
        "origin_country": categorical(declared_origin, "country"),
        "departure_country": categorical(departure, "country"),
        "quantity": quantity,
        "quantity_unit": categorical(unit_idx, UNITS),
        "net_mass_kg": mass,
        "fob_value": fob,
        "customs_value": cif,
        "currency": categorical(currency[decl], CURRENCIES),
        "tariff_rate": rate.astype(np.float64),
        "duty_and_taxes": taxes,
        "preference_claimed": claimed,
        "risk_channel": categorical(ch_l, CHANNELS, ordered=True),
        "inspected": inspected[decl],
        "inspection_outcome": categorical(outcome, OUTCOMES),
        "fraud_type": categorical(kind, FRAUD_TYPES),
        "revenue_at_risk": np.round(at_risk, 2),
    })
    return frame

