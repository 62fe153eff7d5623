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


#: The random draws, one per declaration each, in the order they are made: (stream, name,
#: Generator method, its arguments). Log-normal times are a median times exp(normal(0, sigma)).
DRAWS = (
    ("arrival", "office_hours", "random", ()),
    ("arrival", "clock_office", "uniform", (7 * 60, 19 * 60)),
    ("arrival", "clock_any", "uniform", (0, 24 * 60)),
    ("arrival", "pre_arrival", "random", ()),
    ("arrival", "before", "normal", (0.0, 0.7)),
    ("arrival", "after", "normal", (0.0, 0.9)),
    ("processing", "assessment", "normal", (0.0, 0.7)),
    ("processing", "inspection_wait", "normal", (0.0, 0.7)),
    ("processing", "payment", "normal", (0.0, 0.7)),
    ("holds", "agency_hold", "normal", (0.0, 0.8)),
    ("holds", "release", "normal", (0.0, 0.7)),
)


def _lognormal(median: np.ndarray, normal: np.ndarray) -> np.ndarray:
    return np.asarray(median, dtype=float) * np.exp(normal)


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
    rng, n = _streams(seed), int(declarations["declaration_id"].nunique())
    draws = {name: _draw(rng[stream], method, args, n) for stream, name, method, args in DRAWS}
    return clearance_of(declarations, draws)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    return streams(seed, "clearance_events", *dict.fromkeys(stream for stream, *_ in DRAWS))


def _draw(g: np.random.Generator, method: str, args: tuple, n: int) -> np.ndarray:
    return getattr(g, method)(*args, n)


def draw_states(seed: int, sizes: list[int]) -> list[dict[str, dict]]:
    """Generator states at which each draw of :data:`DRAWS` starts, chunk by chunk.

    The draws of one chunk of ``sizes[i]`` declarations are those of the whole table (each draw
    is made element by element), so clearance events can be made chunk by chunk and give the
    same table: draw ``k`` of chunk ``i`` starts where draw ``k`` of chunks ``0..i-1`` ends.
    """
    rng = _streams(seed)
    states: list[dict[str, dict]] = [{} for _ in sizes]
    for stream, name, method, args in DRAWS:
        g = rng[stream]
        for i, size in enumerate(sizes):
            states[i][name] = g.bit_generator.state
            _draw(g, method, args, size)  # only to move the stream on
    return states


def draws_from_states(seed: int, states: dict[str, dict], n: int) -> dict[str, np.ndarray]:
    """The draws of one chunk of ``n`` declarations, from its states (:func:`draw_states`)."""
    rng = _streams(seed)
    draws = {}
    for stream, name, method, args in DRAWS:
        g = rng[stream]
        g.bit_generator.state = states[name]
        draws[name] = _draw(g, method, args, n)
    return draws


def clearance_of(declarations: pd.DataFrame, draws: dict[str, np.ndarray]) -> pd.DataFrame:
    """Clearance events of whole declarations, given the random draws of :data:`DRAWS`."""
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

    minute = np.timedelta64(1, "m")
    # lodgement during office hours (7:00-19:00), at any hour for a fifth of declarations
    clock = np.where(draws["office_hours"] < 0.8, draws["clock_office"], draws["clock_any"])
    lodged = head["lodgement_date"].to_numpy() + np.floor(clock).astype(np.int64) * minute
    pre_p = np.take([PRE_ARRIVAL[m] for m in MODES], mode) + PRE_ARRIVAL["aeo_bonus"] * aeo
    pre = draws["pre_arrival"] < pre_p
    before = _lognormal(np.take([HOURS["lodgement_to_arrival_pre"][m] for m in MODES], mode),
                        draws["before"])
    after = _lognormal(np.take([HOURS["arrival_to_lodgement"][m] for m in MODES], mode),
                       draws["after"])
    gap = np.where(pre, before, -after * speed)
    arrival = lodged + np.round(gap * 60).astype(np.int64) * minute

    assess_h = _lognormal(np.take(list(HOURS["assessment"].values()), channel) * speed,
                          draws["assessment"])
    assessed = lodged + np.round(np.maximum(assess_h * 60, 1)).astype(np.int64) * minute
    inspected = channel > 0
    wait = _lognormal(np.take([0.0, *HOURS["inspection_wait"].values()], channel) * speed,
                      draws["inspection_wait"])
    goods_here = np.maximum(assessed, arrival)
    inspection = np.where(
        inspected, goods_here + np.round(wait * 60).astype(np.int64) * minute, np.datetime64("NaT"))
    pay = taxes > 0
    paid = assessed + np.round(_lognormal(np.full(n, HOURS["payment"]) * speed, draws["payment"])
                               * 60).astype(np.int64) * minute

    hold_h = _lognormal(np.take([0.0, *HOURS["agency_hold"].values()], agency),
                        draws["agency_hold"])
    hold_end = goods_here + np.round(hold_h * 60).astype(np.int64) * minute
    ready = np.maximum.reduce([goods_here, np.where(inspected, inspection, goods_here),
                               np.where(pay, paid, goods_here), hold_end])
    release = ready + np.round(
        _lognormal(np.full(n, HOURS["release_after_ready"]), draws["release"]) * 60
    ).astype(np.int64) * minute
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
