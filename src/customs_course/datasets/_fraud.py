"""The planted fraud schemes of the declarations, one small function per scheme.

Each ``chance_*`` function gives the probability that a line carries the scheme; each
``apply_*`` function changes what the line declares. The parameters are those of
:mod:`customs_course.datasets._declaration_params`. ``fraud_type`` codes: 0 none,
1 undervaluation, 2 misclassification, 3 origin (both origin schemes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customs_course.datasets._declaration_params import PARAMS


@dataclass
class Lines:
    """What the schemes need to know about the lines of one block (true goods)."""

    hs: np.ndarray  # true subheading index
    origin: np.ndarray  # true origin index
    importer: np.ndarray  # importer index of each line
    t: np.ndarray  # position in the period, 0 to 1
    month: np.ndarray  # 0 to 11
    home: np.ndarray  # home use (duty is paid)
    declarant: np.ndarray  # declarant index of each line
    value: np.ndarray  # true FOB value, USD


def _importer_multiplier(world, lines: Lines, scheme: int) -> np.ndarray:
    imp, p = world.importers, PARAMS["importers"]
    fav = imp["favourite_fraud"].to_numpy()[lines.importer]
    mult = np.where(fav == scheme, p["favourite_fraud_multiplier"], p["other_fraud_multiplier"])
    broker = world.declarants["fraud_multiplier"].to_numpy()[lines.declarant]
    return mult * imp["propensity"].to_numpy()[lines.importer] * broker


def _value_multiplier(lines: Lines) -> np.ndarray:
    """Large lines are worth the risk: the chance grows slowly with the value."""
    return np.clip(lines.value / 10_000.0, 0.05, 1e4) ** p_value()


def p_value() -> float:
    return PARAMS["importers"]["value_exponent"]


def chance_undervaluation(world, lines: Lines) -> np.ndarray:
    """More likely where duty + excise is high, and in October-December."""
    u = PARAMS["undervaluation"]
    burden = world.hs["duty"].to_numpy()[lines.hs] + world.hs["excise"].to_numpy()[lines.hs]
    season = np.where(lines.month >= 9, u["fourth_quarter_multiplier"], 1.0)
    return u["base"] * np.minimum(0.4 + burden / 25, 3.0) * season


def chance_misclassification(world, lines: Lines) -> np.ndarray:
    """Only where a lower-duty code exists in the chapter and no preference cancels the duty;
    chapters 84-85 early in the year, 42/61/62/64 later (drift)."""
    m = PARAMS["misclassification"]
    chapter = world.hs["chapter"].to_numpy()[lines.hs]
    drift = np.where(np.isin(chapter, m["early_chapters"]), 0.2 + 2.0 * (1 - lines.t),
                     np.where(np.isin(chapter, m["late_chapters"]), 0.2 + 2.0 * lines.t, 0.6))
    pays_mfn = ~world.countries["fta"].to_numpy()[lines.origin]
    return m["base"] * drift * ((world.n_lower[lines.hs] > 0) & pays_mfn)


def _from(world, lines: Lines, sources: list[str]) -> np.ndarray:
    return np.isin(world.countries["code"].to_numpy(), sources)[lines.origin]


def chance_origin(world, lines: Lines) -> np.ndarray:
    """Goods of the source countries with MFN duty of at least 10% declared from a partner hub."""
    o = PARAMS["origin"]
    dutiable = world.hs["duty"].to_numpy()[lines.hs] >= o["min_duty_percent"]
    return o["base"] * (_from(world, lines, o["sources"]) & dutiable)


def chance_origin_new_hub(world, lines: Lines) -> np.ndarray:
    """A scheme that starts mid-year: Chinese goods of a few chapters routed through MY."""
    o = PARAMS["origin_new_hub"]
    chapter = world.hs["chapter"].to_numpy()[lines.hs]
    dutiable = world.hs["duty"].to_numpy()[lines.hs] > 0
    active = (lines.t >= o["starts"]) & np.isin(chapter, o["chapters"])
    return o["base"] * (_from(world, lines, o["sources"]) & dutiable & active)


def draw_schemes(world, lines: Lines, rng: np.random.Generator) -> np.ndarray:
    """Return the scheme of each line: 0 none, 1 under, 2 misclass, 3 origin, 4 new-hub origin."""
    mult = [_importer_multiplier(world, lines, k) for k in range(3)]
    chances = np.stack([
        chance_undervaluation(world, lines) * mult[0],
        chance_misclassification(world, lines) * mult[1],
        chance_origin(world, lines) * mult[2],
        chance_origin_new_hub(world, lines) * mult[2],
    ]) * (lines.home * _value_multiplier(lines))
    cum = np.minimum(np.cumsum(chances, axis=0), 0.9)
    draw = rng.random(len(lines.hs))
    scheme = np.zeros(len(lines.hs), dtype=np.int8)
    for k in (3, 2, 1, 0):
        scheme[draw < cum[k]] = k + 1
    return scheme


def undervaluation_factor(n: int, rng: np.random.Generator) -> np.ndarray:
    """Declared / true value: cuts spread from mild to deep (most are mild)."""
    u = PARAMS["undervaluation"]
    return 1.0 - (u["cut_low"] + (u["cut_high"] - u["cut_low"]) * rng.beta(1.3, 2.5, n))


def misclassified_code(world, hs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A lower-duty subheading of the same chapter, common codes first (they hide best)."""
    lower = world.lower_duty[hs]
    weight = np.where(lower >= 0, world.hs["weight"].to_numpy()[lower] ** 2, 0.0)
    cum = np.cumsum(weight, axis=1)
    pick = (cum < rng.random(len(hs))[:, None] * cum[:, -1:]).sum(axis=1)
    return lower[np.arange(len(hs)), np.minimum(pick, world.n_lower[hs] - 1)]


def false_origin(world, scheme: np.ndarray, importer: np.ndarray) -> np.ndarray:
    """The free-trade partner that origin fraud declares: each importer has its usual hub;
    the mid-year scheme always uses its own."""
    country = world.countries["code"].tolist()
    hubs = np.array([country.index(c) for c in PARAMS["origin"]["hubs"]])
    return np.where(scheme == 4, country.index(PARAMS["origin_new_hub"]["hub"]),
                    hubs[importer % len(hubs)])
