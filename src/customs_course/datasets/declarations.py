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

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customs_course.datasets import _fraud, _selectivity
from customs_course.datasets._declaration_params import PARAMS
from customs_course.datasets._validate import (
    check_n_rows,
    check_period,
    check_random_state,
    key,
)
from customs_course.datasets._world import (
    CURRENCIES,
    HUBS,
    MODES,
    categorical,
    get_world,
    sample_rows,
)

__all__ = ["PARAMS", "make_declarations", "iter_declarations", "write_declarations"]

PROCEDURES = ("home_use", "warehousing", "inward_processing", "temporary_admission", "re_import")
PROCEDURE_SHARES = (0.9, 0.04, 0.03, 0.015, 0.015)
UNITS = ("kg", "l", "pair", "u")
CHANNELS = ("green", "yellow", "red")
FRAUD_TYPES = ("none", "undervaluation", "misclassification", "origin")
OUTCOMES = ("no_irregularity", "undervaluation", "misclassification", "origin", "procedural")
SELECTIONS = ("rule", "random")
FREIGHT_USD_PER_KG = {"sea": 0.03, "air": 2.5, "road": 0.08, "rail": 0.05, "post": 3.0}
#: Lines per block. Each block has its own random streams, so a table is the same whether it is
#: made in one piece or block by block; declarations never span two blocks.
BLOCK_LINES = 1 << 16
#: Largest table the streaming writer makes (the in-memory generator stops at 20 million).
MAX_STREAMED_ROWS = 2_000_000_000


@dataclass
class _Run:
    """What every block of one table shares: the world, the period and the carried state."""

    world: object
    seed: int
    first: np.datetime64
    n_days: int
    n_rows: int
    day_cdf: np.ndarray
    history: _selectivity.History
    n_declarations: int = 0  # declarations made so far (their ids follow on)


def _codes_of(values: pd.Series, allowed: tuple[str, ...]) -> np.ndarray:
    """Positions of ``values`` in ``allowed`` (vectorised)."""
    return pd.Categorical(values, categories=list(allowed)).codes.astype(np.int64)


def _block_streams(seed: int, block: int, *groups: str) -> dict[str, np.random.Generator]:
    return {g: np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        seed, spawn_key=(key("declarations"), key(g), block)))) for g in groups}


def _day_cdf(first: np.datetime64, n_days: int) -> np.ndarray:
    days = first + np.arange(n_days)
    month = days.astype("datetime64[M]").astype(int) % 12
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    weight = np.take(PARAMS["month_weights"], month) * np.take(PARAMS["weekday_weights"], weekday)
    cdf = np.cumsum(weight)
    return cdf / cdf[-1]


def _structure(n_lines: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    sizes = np.minimum(rng.geometric(PARAMS["lines_per_declaration_geometric_p"], n_lines), 40)
    ends = np.cumsum(sizes)
    n_decl = int(np.searchsorted(ends, n_lines) + 1)
    sizes = sizes[:n_decl].copy()
    sizes[-1] -= ends[n_decl - 1] - n_lines
    decl = np.repeat(np.arange(n_decl), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    line = (np.arange(n_lines) - starts[decl] + 1).astype(np.int16)
    return decl, line, n_decl


def _line_values(base_log: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """True FOB values: log-normal body around ``base_log``, a truncated Pareto top tail."""
    v = PARAMS["values"]
    log_value = base_log + rng.normal(0, v["sigma"], len(base_log))
    top = log_value > np.log(v["tail_start_usd"])
    ratio = (v["tail_start_usd"] / v["max_usd"]) ** v["tail_index"]
    u = rng.random(int(top.sum()))
    tail = v["tail_start_usd"] * (1 - u * (1 - ratio)) ** (-1 / v["tail_index"])
    value = np.exp(log_value)
    value[top] = tail
    return np.maximum(value, 1.0)


def _heap_mass(mass: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Declared net mass: most masses of 1 kg or more rounded to whole kg, a few left at 0."""
    d = PARAMS["dirt"]
    whole = (mass >= 1) & (rng.random(len(mass)) < d["mass_whole_kg_share"])
    out = np.where(whole, np.round(mass), np.round(mass, 3))
    out = np.maximum(out, 0.001)
    return np.where(rng.random(len(mass)) < d["mass_zero_share"], 0.0, out)


def _round_values(fob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Invoice values as traders declare them: many rounded to hundreds or whole dollars."""
    d = PARAMS["dirt"]
    r = rng.random(len(fob))
    hundreds = (fob >= 1000) & (r < d["fob_round_hundreds_share"])
    units = ~hundreds & (fob >= 1) & (
        r < d["fob_round_hundreds_share"] + d["fob_round_units_share"])
    out = np.where(hundreds, np.round(fob, -2), np.where(units, np.round(fob), np.round(fob, 2)))
    return np.maximum(out, 0.01)


def _taxes(cif, rate, excise):
    duty = cif * rate / 100.0
    exc = cif * excise / 100.0
    return duty + exc + (cif + duty + exc) * PARAMS["vat_rate_percent"] / 100.0


def _declaration_heads(run: _Run, block: int, n_lines: int, rng) -> dict:
    """Declarations of one block: lines, dates (in time order), office, importer..."""
    world, imp = run.world, run.world.importers
    decl, line, n_decl = _structure(n_lines, rng["structure"])
    starts = np.flatnonzero(line == 1)
    sizes = np.diff(np.append(starts, n_lines))
    where = (block * BLOCK_LINES + starts + rng["dates"].random(n_decl) * sizes) / run.n_rows
    day = np.minimum(np.searchsorted(run.day_cdf, where), run.n_days - 1)
    g = rng["parties"]
    office = g.choice(len(world.offices), size=n_decl, p=world.offices["weight"].to_numpy())
    importer = g.choice(len(imp), size=n_decl, p=imp["weight"].to_numpy())
    declarant = np.where(g.random(n_decl) < 0.85, imp["declarant"].to_numpy()[importer],
                         g.choice(len(world.declarants), size=n_decl,
                                  p=world.declarants["weight"].to_numpy()))
    return {"decl": decl, "line": line, "n_decl": n_decl, "day": day, "office": office,
            "mode": sample_rows(g, world.offices[list(MODES)].to_numpy(), office),
            "importer": importer, "declarant": declarant,
            "procedure": g.choice(len(PROCEDURES), size=n_decl, p=PROCEDURE_SHARES)}


def _goods(run: _Run, d: dict, g) -> dict:
    """True goods of each line: HS code, origin, departure, seller and currency."""
    world, imp = run.world, run.world.importers
    decl, n = d["decl"], len(d["decl"])
    imp_l = d["importer"][decl]
    t = d["day"][decl] / max(run.n_days - 1, 1)
    likes = imp[["like0", "like1", "like2"]].to_numpy()[imp_l, g.integers(0, 3, n)]
    hs_w = world.hs["weight"].to_numpy()
    hs = np.where(g.random(n) < 0.6, likes, g.choice(len(hs_w), n, p=hs_w / hs_w.sum()))
    codes = world.hs["hs6"].tolist()
    ev_switch = (hs == codes.index("870323")) & (g.random(n) < 0.6 * t)
    hs = np.where(ev_switch, codes.index("870380"), hs)
    origin = sample_rows(g, world.origin_probs, hs)
    country = world.countries["code"].tolist()
    hub_idx = np.array([country.index(c) for c in HUBS])
    departure = np.where(g.random(n) < 0.85, origin, hub_idx[g.integers(0, len(HUBS), n)])
    first_line = np.flatnonzero(d["line"] == 1)
    seller = np.where(g.random(d["n_decl"]) < 0.75, origin[first_line],
                      hub_idx[g.integers(0, len(HUBS), d["n_decl"])])
    cur_idx = _codes_of(world.countries["currency"], CURRENCIES)[seller]
    keep = g.random(d["n_decl"]) < np.where(cur_idx == CURRENCIES.index("CNY"), 0.35, 0.75)
    return {"imp_l": imp_l, "t": t, "hs": hs, "origin": origin, "departure": departure,
            "seller": seller, "currency": np.where(keep, cur_idx, CURRENCIES.index("USD"))}


def _true_values(run: _Run, d: dict, goods: dict, g) -> dict:
    """True unit price, FOB value, mass and freight of each line."""
    world, hs = run.world, goods["hs"]
    n = len(hs)
    unit_price = world.price[hs, goods["origin"]] * np.exp(
        g.normal(0, PARAMS["price_noise_sigma"], n))
    disc = PARAMS["legitimate_discount"]  # honest cheap lines: seconds, end of series, discounts
    cheap = g.random(n) < disc["share"]
    unit_price[cheap] *= g.uniform(disc["factor_low"], disc["factor_high"], int(cheap.sum()))
    size = np.clip((world.importers["weight"].to_numpy()[goods["imp_l"]]
                    * len(world.importers)) ** 0.15, 0.5, 3.0)
    base = np.log(PARAMS["values"]["median_usd"] * world.hs["scale"].to_numpy()[hs] * size)
    fob = _line_values(base, g)
    mass = np.maximum(fob / unit_price, 0.001)
    freight = mass * np.take(list(FREIGHT_USD_PER_KG.values()), d["mode"][d["decl"]]) * np.exp(
        g.normal(0, 0.3, n))
    freight = np.minimum(freight, 0.25 * fob) + 0.005 * fob  # insurance about 0.5%
    return {"fob": fob, "mass": mass, "freight": freight}


def _plant_fraud(run: _Run, d: dict, goods: dict, true: dict, month, g) -> dict:
    """Draw the schemes and what each line declares instead of the truth."""
    world, hs, origin = run.world, goods["hs"], goods["origin"]
    home = (d["procedure"] == 0)[d["decl"]]
    lines = _fraud.Lines(hs=hs, origin=origin, importer=goods["imp_l"], t=goods["t"],
                         month=month, home=home, declarant=d["declarant"][d["decl"]],
                         value=true["fob"])
    scheme = _fraud.draw_schemes(world, lines, g)
    kind = np.minimum(scheme, 3)
    declared_hs = hs.copy()
    mis = kind == 2
    declared_hs[mis] = _fraud.misclassified_code(world, hs[mis], g)
    declared_origin = origin.copy()
    org = kind == 3
    declared_origin[org] = _fraud.false_origin(world, scheme[org], goods["imp_l"][org])
    departure = goods["departure"].copy()
    departure[org] = np.where(g.random(int(org.sum())) < 0.5, declared_origin[org], origin[org])
    factor = np.ones(len(hs))
    factor[kind == 1] = _fraud.undervaluation_factor(int((kind == 1).sum()), g)
    # freight and insurance are declared in step with the cut price: CIF/FOB gives nothing away
    return {"kind": kind, "home": home, "declared_hs": declared_hs,
            "declared_origin": declared_origin, "departure": departure, "factor": factor}


def _amounts(run: _Run, true: dict, fr: dict, g) -> dict:
    """Declared mass, values, duty and taxes, and the revenue at risk."""
    world = run.world
    fob = _round_values(true["fob"] * fr["factor"], g)
    cif = np.round(fob + true["freight"] * fr["factor"], 2)
    cif_true = true["fob"] + true["freight"]
    duty_mfn = world.hs["duty"].to_numpy()
    fta = world.countries["fta"].to_numpy()
    home, kind, dhs = fr["home"], fr["kind"], fr["declared_hs"]
    can_claim = home & fta[fr["declared_origin"]] & (duty_mfn[dhs] > 0)
    claimed = (can_claim & (g.random(len(fob)) < 0.85)) | (kind == 3)
    rate = np.where(claimed, 0.0, duty_mfn[dhs])
    excise = world.hs["excise"].to_numpy()
    taxes = np.where(home, np.round(_taxes(cif, rate, excise[dhs]), 2), 0.0)
    true_rate = np.where(claimed & (kind != 3), 0.0, duty_mfn[true["hs"]])
    true_taxes = np.where(home, _taxes(cif_true, true_rate, excise[true["hs"]]), 0.0)
    at_risk = np.where(kind > 0, np.maximum(true_taxes - taxes, 0.01), 0.0)
    return {"fob": fob, "cif": cif, "mass": _heap_mass(true["mass"], g), "claimed": claimed,
            "rate": rate, "taxes": taxes, "at_risk": np.round(at_risk, 2)}


def _controls(run: _Run, d: dict, goods: dict, fr: dict, am: dict, month, rng) -> dict:
    """Channels month by month (the importer history is refreshed monthly), then findings."""
    world, decl = run.world, d["decl"]
    unit_value = am["fob"] / np.maximum(am["mass"], 0.001)
    score = _selectivity.rule_score(world, fr["declared_hs"], fr["declared_origin"],
                                    goods["imp_l"], unit_value, am["cif"], am["claimed"])
    has_fraud = np.bincount(decl, fr["kind"] > 0, minlength=d["n_decl"]) > 0
    d_month = month[np.flatnonzero(d["line"] == 1)]
    channel = np.zeros(d["n_decl"], dtype=np.int8)
    selection = np.zeros(d["n_decl"], dtype=np.int8)
    found = np.zeros(len(decl), dtype=bool)
    g, gi = rng["selectivity"], rng["inspection"]
    for m in np.unique(d_month):  # months are contiguous: the block is in time order
        run.history.start(int(m))
        ds = np.flatnonzero(d_month == m)
        ls = np.flatnonzero(np.isin(decl, ds))
        local = decl[ls] - ds[0]
        ch, sel = _selectivity.channels(world, score[ls], local, d["importer"][ds],
                                        has_fraud[ds], run.history, g)
        channel[ds], selection[ds] = ch, sel
        found[ls] = _selectivity.detected(fr["kind"][ls], ch[local], gi)
        run.history.record(d["importer"][ds], ch > 0,
                           np.bincount(local, found[ls], minlength=len(ds)) > 0)
    inspected = (channel > 0)[decl]
    # procedural findings cluster on routes with demanding paperwork (world.paperwork)
    share = (PARAMS["procedural_irregularity_share"]
             * world.paperwork[fr["declared_hs"], fr["declared_origin"]])
    procedural = (fr["kind"] == 0) & (gi.random(len(decl)) < share)
    outcome = np.where(inspected, np.where(found, fr["kind"], np.where(procedural, 4, 0)), -1)
    return {"channel": channel, "selection": selection, "outcome": outcome}


def _block_frame(run: _Run, block: int, n_lines: int) -> pd.DataFrame:
    rng = _block_streams(run.seed, block, "structure", "dates", "parties", "goods", "values",
                         "fraud", "amounts", "selectivity", "inspection", "dirt")
    world = run.world
    d = _declaration_heads(run, block, n_lines, rng)
    decl = d["decl"]
    month = ((run.first + d["day"][decl]).astype("datetime64[M]").astype(int)) % 12
    goods = _goods(run, d, rng["goods"])
    true = _true_values(run, d, goods, rng["values"])
    true["hs"] = goods["hs"]
    fr = _plant_fraud(run, d, goods, true, month, rng["fraud"])
    am = _amounts(run, true, fr, rng["amounts"])
    ctl = _controls(run, d, goods, fr, am, month, rng)

    dhs = fr["declared_hs"]
    unit_idx = _codes_of(world.hs["unit"], UNITS)[dhs]
    units = np.asarray(UNITS)[unit_idx]
    kpu = world.hs["kg_per_unit"].to_numpy()[dhs]
    mass = am["mass"]
    quantity = np.where(np.isin(units, ("u", "pair")), np.maximum(np.round(mass / kpu), 1.0),
                        np.where(units == "l", np.maximum(np.round(mass / kpu, 1), 0.1), mass))
    quantity = np.where(units == "kg", np.maximum(quantity, 0.001), quantity)
    missing_qty = rng["dirt"].random(len(decl)) < PARAMS["dirt"]["quantity_missing_share"]
    quantity = np.where(missing_qty, np.nan, quantity)
    year = int(str(run.first)[:4])
    ids = year * 10**8 + 1 + run.n_declarations + np.arange(d["n_decl"], dtype=np.int64)
    run.n_declarations += d["n_decl"]
    ch_l = ctl["channel"][decl]
    inspected = ch_l > 0
    return pd.DataFrame({
        "declaration_id": ids[decl],
        "line_number": d["line"],
        "lodgement_date": (run.first + d["day"]).astype("datetime64[us]")[decl],
        "office": categorical(d["office"][decl], "office"),
        "procedure": categorical(d["procedure"][decl], PROCEDURES),
        "mode_of_transport": categorical(d["mode"][decl], MODES),
        "importer_id": categorical(goods["imp_l"], "importer"),
        "declarant_id": categorical(d["declarant"][decl], "declarant"),
        "seller_country": categorical(goods["seller"][decl], "country"),
        "hs6": categorical(dhs, "hs6"),
        "origin_country": categorical(fr["declared_origin"], "country"),
        "departure_country": categorical(fr["departure"], "country"),
        "quantity": quantity,
        "quantity_unit": categorical(unit_idx, UNITS),
        "net_mass_kg": mass,
        "fob_value": am["fob"],
        "customs_value": am["cif"],
        "currency": categorical(goods["currency"][decl], CURRENCIES),
        "tariff_rate": am["rate"].astype(np.float64),
        "duty_and_taxes": am["taxes"],
        "preference_claimed": am["claimed"],
        "risk_channel": categorical(ch_l, CHANNELS, ordered=True),
        "inspected": inspected,
        "selection": categorical(np.where(inspected, ctl["selection"][decl], -1), SELECTIONS),
        "inspection_outcome": categorical(ctl["outcome"], OUTCOMES),
        "fraud_type": categorical(fr["kind"], FRAUD_TYPES),
        "revenue_at_risk": am["at_risk"],
    })


def iter_declarations(n_rows: int = 10_000, *, random_state: int | None = None,
                      start: str = "2022-01-01", end: str = "2022-12-31",
                      max_rows: int = MAX_STREAMED_ROWS) -> Iterator[pd.DataFrame]:
    """Yield the table of :func:`make_declarations` in blocks of ``BLOCK_LINES`` lines, in time
    order; concatenated, they are exactly ``make_declarations`` with the same arguments."""
    n_rows = check_n_rows(n_rows, maximum=max_rows)
    seed = check_random_state(random_state)
    first, n_days = check_period(start, end)
    world = get_world()
    run = _Run(world=world, seed=seed, first=first, n_days=n_days, n_rows=n_rows,
               day_cdf=_day_cdf(first, n_days),
               history=_selectivity.History(len(world.importers)))
    for block in range(-(-n_rows // BLOCK_LINES)):
        yield _block_frame(run, block, min(BLOCK_LINES, n_rows - block * BLOCK_LINES))


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
    blocks = iter_declarations(n_rows, random_state=check_random_state(random_state),
                               start=start, end=end)
    return pd.concat(list(blocks), ignore_index=True)


def write_declarations(path, n_rows: int, *, random_state: int | None = None,
                       chunk_rows: int = 1_000_000, start: str = "2022-01-01",
                       end: str = "2022-12-31", check=None) -> int:
    """Write a declarations table of any size to Parquet without holding it in memory.

    Blocks are generated ``chunk_rows`` at a time (rounded up to whole blocks) and written as
    row groups of ``BLOCK_LINES`` lines, so the file is the same, byte for byte, whatever
    ``chunk_rows`` is. ``check``, if given, is called on each chunk before it is written (the
    data card's check). Returns the number of lines written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    per_chunk = max(1, -(-check_n_rows(chunk_rows, name="chunk_rows") // BLOCK_LINES))
    writer, buffer, written = None, [], 0

    def flush() -> None:
        nonlocal writer
        frame = pd.concat(buffer, ignore_index=True)
        table = pa.Table.from_pandas(frame if check is None else check(frame),
                                     preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=BLOCK_LINES)
        buffer.clear()

    try:
        for frame in iter_declarations(n_rows, random_state=random_state, start=start, end=end):
            buffer.append(frame)
            written += len(frame)
            if len(buffer) == per_chunk:
                flush()
        if buffer:
            flush()
    finally:
        if writer is not None:
            writer.close()
    return written
