"""Clearance events for a Time Release Study (WCO TRS Guide), one row per declaration.

Each declaration of a ``declarations`` table gets the timestamps of its stages: arrival of the
goods, lodgement, assessment (risk selection done), inspection (controlled declarations only),
payment (when duties are due) and release. Times follow the declaration: red channel is slowest,
lodging before arrival (pre-arrival processing) shortens the time after arrival, AEO importers
are faster, and goods for another government agency (food, medicines, telecom equipment) wait
for its hold to be lifted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customs_course.datasets._validate import check_n_rows, check_random_state, streams
from customs_course.datasets._world import MODES, categorical, get_world

AGENCIES = ("none", "sps", "health", "standards")
#: Chance of pre-arrival lodgement by mode, and extra chance for AEO importers.
PRE_ARRIVAL = {"sea": 0.45, "air": 0.3, "road": 0.25, "rail": 0.4, "post": 0.1, "aeo_bonus": 0.3}
#: Median hours of each stage (log-normal around it); the card repeats them.
HOURS = {
    "arrival_to_lodgement": {"sea": 30.0, "air": 8.0, "road": 3.0, "rail": 12.0, "post": 20.0},
    "lodgement_to_arrival_pre": {"sea": 60.0, "air": 6.0, "road": 4.0, "rail": 24.0, "post": 12.0},
    "assessment": {"green": 0.1, "yellow": 4.0, "red": 2.0},
    "inspection_wait": {"yellow": 6.0, "red": 20.0},
    "agency_hold": {"sps": 26.0, "health": 40.0, "standards": 18.0},
    "payment": 3.0,
    "release_after_ready": 0.5,
}
AEO_SPEEDUP = 0.6


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float = 0.7) -> np.ndarray:
    return np.asarray(median, dtype=float) * np.exp(rng.normal(0.0, sigma, np.shape(median)))


def _agency_of_codes(codes: pd.Index) -> np.ndarray:
    """0 none, 1 sps (chapters 1-24), 2 health (30, 9018), 3 standards (8517, 8525, 8528)."""
    hs = pd.Series(codes, dtype="str")
    chapter = hs.str[:2].astype(int)
    return np.select(
        [chapter <= 24, (chapter == 30) | hs.str.startswith("9018"),
         hs.str[:4].isin(["8517", "8525", "8528"])],
        [1, 2, 3], 0,
    )


def make_clearance_events(
    n_rows: int | None = None,
    *,
    random_state: int | None = None,
    declarations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Make Time Release Study timestamps for the declarations of a ``declarations`` table.

    Parameters
    ----------
    n_rows : int or None, default=None
        Number of declaration lines to generate with :func:`make_declarations` when
        ``declarations`` is not given (default 10_000). The result has one row per declaration.
    random_state : int or None, default=None
        Seed of the timings (and of the declarations when they are generated here).
    declarations : pandas.DataFrame or None, default=None
        A table from :func:`make_declarations` or ``load_dataset('declarations', ...)``; the
        result joins to it on ``declaration_id``.

    Returns
    -------
    pandas.DataFrame
        One row per declaration, columns as in ``datasets/clearance_events/card.yml``.
    """
    seed = check_random_state(random_state)
    if declarations is None:
        from customs_course.datasets.declarations import make_declarations

        declarations = make_declarations(
            10_000 if n_rows is None else check_n_rows(n_rows), random_state=seed)
    elif n_rows is not None:
        raise ValueError("Give either n_rows or declarations, not both: the clearance events "
                         "of a declarations table have one row per declaration.")
    if not isinstance(declarations, pd.DataFrame) or "declaration_id" not in declarations:
        raise TypeError("declarations must be a DataFrame from make_declarations or "
                        "load_dataset('declarations', ...).")
    rng = streams(seed, "clearance_events", "arrival", "processing", "holds")
    grouped = declarations.groupby("declaration_id", sort=True, observed=True)
    head = grouped[["lodgement_date", "office", "mode_of_transport", "risk_channel",
                    "importer_id"]].first()
    n = len(head)
    world = get_world()
    aeo = world.importers["aeo"].to_numpy()[head["importer_id"].cat.codes.to_numpy()]
    mode = head["mode_of_transport"].cat.codes.to_numpy()
    channel = head["risk_channel"].cat.codes.to_numpy()
    taxes = grouped["duty_and_taxes"].sum().to_numpy()
    hs = declarations["hs6"]
    line_agency = _agency_of_codes(hs.cat.categories)[hs.cat.codes.to_numpy()]
    agency = pd.Series(line_agency).groupby(declarations["declaration_id"].to_numpy()).max()
    agency = agency.to_numpy()
    speed = np.where(aeo, AEO_SPEEDUP, 1.0)

    g = rng["arrival"]
    minute = np.timedelta64(1, "m")
    # lodgement during office hours (7:00-19:00), at any hour for a fifth of declarations
    clock = np.where(g.random(n) < 0.8, g.uniform(7 * 60, 19 * 60, n), g.uniform(0, 24 * 60, n))
    lodged = head["lodgement_date"].to_numpy() + np.floor(clock).astype(np.int64) * minute
    pre_p = np.take([PRE_ARRIVAL[m] for m in MODES], mode) + PRE_ARRIVAL["aeo_bonus"] * aeo
    pre = g.random(n) < pre_p
    before = _lognormal(g, np.take([HOURS["lodgement_to_arrival_pre"][m] for m in MODES], mode))
    after = _lognormal(g, np.take([HOURS["arrival_to_lodgement"][m] for m in MODES], mode), 0.9)
    gap = np.where(pre, before, -after * speed)
    arrival = lodged + np.round(gap * 60).astype(np.int64) * minute

    g = rng["processing"]
    assess_h = _lognormal(g, np.take(list(HOURS["assessment"].values()), channel) * speed)
    assessed = lodged + np.round(np.maximum(assess_h * 60, 1)).astype(np.int64) * minute
    inspected = channel > 0
    wait = _lognormal(g, np.take([0.0, *HOURS["inspection_wait"].values()], channel) * speed)
    goods_here = np.maximum(assessed, arrival)
    inspection = np.where(
        inspected, goods_here + np.round(wait * 60).astype(np.int64) * minute, np.datetime64("NaT"))
    pay = taxes > 0
    paid = assessed + np.round(_lognormal(g, np.full(n, HOURS["payment"]) * speed) * 60
                               ).astype(np.int64) * minute

    g = rng["holds"]
    hold_h = _lognormal(g, np.take([0.0, *HOURS["agency_hold"].values()], agency), 0.8)
    hold_end = goods_here + np.round(hold_h * 60).astype(np.int64) * minute
    ready = np.maximum.reduce([goods_here, np.where(inspected, inspection, goods_here),
                               np.where(pay, paid, goods_here), hold_end])
    release = ready + np.round(
        _lognormal(g, np.full(n, HOURS["release_after_ready"])) * 60).astype(np.int64) * minute
    us = "datetime64[us]"
    return pd.DataFrame({
        "declaration_id": head.index.to_numpy(),
        "office": head["office"].array,
        "mode_of_transport": head["mode_of_transport"].array,
        "risk_channel": head["risk_channel"].array,
        "aeo": aeo,
        "pre_arrival": pre,
        "agency_hold": categorical(agency, AGENCIES),
        "arrival_time": arrival.astype(us),
        "lodgement_time": lodged.astype(us),
        "assessment_time": assessed.astype(us),
        "inspection_time": inspection.astype(us),
        "payment_time": np.where(pay, paid, np.datetime64("NaT")).astype(us),
        "release_time": release.astype(us),
    })
