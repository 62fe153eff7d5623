"""The administration's controls: risk rules with importer history, intelligence, random audits.

Rules see what the declaration says and the importer's record of past findings. That record is
kept in time order and refreshed at the start of each month (:class:`History`), so a table can be
made block by block with the same result as in one piece. Intelligence (tips, manifests, the
officer's judgement) is information the data does not hold: it raises the score of some fraud
declarations and adds noise to every decision. A random audit, flagged ``selection == 'random'``,
controls a small uniform sample whatever the score. Authorised economic operators (AEO) are in a
green lane: the rules never select their declarations, only the random audit controls them.
"""

from __future__ import annotations

import numpy as np

from customs_course.datasets._declaration_params import PARAMS

GREEN, YELLOW, RED = 0, 1, 2
SELECTION_NONE, SELECTION_RULE, SELECTION_RANDOM = -1, 0, 1


class History:
    """Controls and findings per importer, as known at the start of the current month."""

    def __init__(self, n_importers: int) -> None:
        self.controls = np.zeros(n_importers)
        self.hits = np.zeros(n_importers)
        self._pending_controls = np.zeros(n_importers)
        self._pending_hits = np.zeros(n_importers)
        self.month = None

    def start(self, month: int) -> None:
        """Move to ``month`` (months arrive in order): last month's findings become known."""
        if month != self.month:
            self.controls += self._pending_controls
            self.hits += self._pending_hits
            self._pending_controls[:] = 0
            self._pending_hits[:] = 0
            self.month = month

    def record(self, importer: np.ndarray, controlled: np.ndarray, found: np.ndarray) -> None:
        n = len(self.controls)
        self._pending_controls += np.bincount(importer, controlled, minlength=n)
        self._pending_hits += np.bincount(importer, found, minlength=n)

    def hit_rate(self, importer: np.ndarray) -> np.ndarray:
        """Shrunk rate of controls that found something (prior 0.1 over 5 controls)."""
        return (self.hits[importer] + 0.5) / (self.controls[importer] + 5.0)


_REFERENCE: dict[int, np.ndarray] = {}


def _reference_price(world) -> np.ndarray:
    """The administration's reference price per HS code (median over origins), once per world."""
    if id(world) not in _REFERENCE:
        _REFERENCE[id(world)] = np.median(world.price, axis=1)
    return _REFERENCE[id(world)]


def rule_score(world, hs, origin, importer_l, unit_value, cif, claimed) -> np.ndarray:
    """Risk score of each line from what the declaration says (without history)."""
    s = PARAMS["selectivity"]
    chapter = world.hs["chapter"].to_numpy()[hs]
    ref_price = _reference_price(world)[hs]
    watch = np.isin(world.countries["code"].to_numpy(), s["watch_origins"])[origin]
    known = world.importers["known_risk"].to_numpy()[importer_l]
    return (1.5 * np.isin(chapter, s["high_risk_chapters"]) + 1.0 * watch
            + s["known_risk_weight"] * known
            + 0.9 * (unit_value < s["low_price_ratio"] * ref_price)
            + 0.6 * (claimed & watch) + 0.15 * np.log10(cif + 1.0))


def channels(world, line_score, decl, importer, has_fraud, history: History, rng):
    """Channel and selection of each declaration; ``decl`` maps lines to declarations."""
    s = PARAMS["selectivity"]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(decl)) + 1])
    n = len(starts)
    score = (np.maximum.reduceat(line_score, starts)
             + s["history_weight"] * history.hit_rate(importer))
    tip = has_fraud & (rng.random(n) < s["intelligence_share"])
    score = score + s["intelligence_weight"] * tip + rng.normal(0, s["officer_noise_sigma"], n)

    def logistic(threshold: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(score - threshold) * s["slope"]))

    draw = rng.random(n)
    channel = np.where(draw < logistic(s["red_threshold"]), RED,
                       np.where(draw < logistic(s["control_threshold"]), YELLOW, GREEN))
    # AEOs' green lane: what the rules, tips and officers chose is set aside
    channel = np.where(world.importers["aeo"].to_numpy()[importer], GREEN, channel)
    audit = rng.random(n) < s["random_audit_share"]
    audit_red = rng.random(n) < s["random_audit_red_share"]
    channel = np.where(audit, np.where(audit_red, RED, YELLOW), channel).astype(np.int8)
    selection = np.where(audit, SELECTION_RANDOM,
                         np.where(channel > GREEN, SELECTION_RULE, SELECTION_NONE))
    return channel, selection.astype(np.int8)


def detected(kind: np.ndarray, channel_l: np.ndarray, rng) -> np.ndarray:
    """Whether a control finds the line's fraud (by scheme and channel; never certain)."""
    p = np.zeros(len(kind))
    for code, name in ((1, "undervaluation"), (2, "misclassification"), (3, "origin")):
        det = PARAMS["detection_probability"][name]
        p = np.where(kind == code, np.where(channel_l == RED, det["red"],
                                            np.where(channel_l == YELLOW, det["yellow"], 0.0)), p)
    return rng.random(len(kind)) < p
