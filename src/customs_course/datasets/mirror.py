"""Mirror trade flows: A's imports from B next to B's exports to A, by HS code and year.

Under IMTS 2010, imports are valued CIF and exports FOB, so A's imports should exceed B's
exports by the cost of freight and insurance, a few per cent, plus reporting noise. Some flows
carry planted mis-invoicing: A's importers under-invoice (to evade duty) or over-invoice (to
move money out) from some year on; ``misinvoicing`` records the ground truth.

Given the sandbox's declarations (``declarations=``), the sandbox country's own imports (reporter
XA) in the declarations' years are their sums, so that the two datasets tell one story: per
year, origin (the partner, as IMTS 2010 has it for imports) and HS6, ``import_value_cif`` is the
sum of ``customs_value``, ``import_mass_kg`` of ``net_mass_kg``, and the partner's exports are
the declared FOB values with the partner's reporting noise (or the true value, where a flow is
mis-invoiced). Only the declarations' public columns are read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from customs_course.datasets._validate import check_n_rows, check_random_state, streams
from customs_course.datasets._world import (
    HOME_COUNTRY,
    categorical,
    get_world,
    registry,
    sample_rows,
)

KINDS = ("none", "import_under_invoicing", "import_over_invoicing")
#: Strength of the planted mechanisms; the data card repeats these numbers.
PARAMS = {
    "reporters": 30,
    "home_share": 0.25,
    "cif_fob_margin": [0.02, 0.10],
    "reporting_noise_sigma": 0.1,
    "under_invoicing": {"share": 0.03, "factor_low": 0.3, "factor_high": 0.65},
    "over_invoicing": {"share": 0.01, "factor_low": 1.6, "factor_high": 3.0},
    "export_unreported_share": 0.02,
}


def make_mirror_flows(
    n_rows: int = 2_000,
    *,
    random_state: int | None = None,
    start_year: int = 2018,
    end_year: int = 2022,
    declarations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Make mirror trade statistics with the normal CIF/FOB gap and planted mis-invoicing.

    Parameters
    ----------
    n_rows : int, default=2_000
        About how many rows (reporter x partner x HS6 x year); rounded down to whole flows.
    random_state : int or None, default=None
        Seed; the same seed and arguments give the same table.
    start_year, end_year : int, default=2018, 2022
        First and last years.
    declarations : pandas.DataFrame or None, default=None
        The sandbox's declarations; when given, reporter XA's rows of their years are derived
        from them (see the module's docstring) and replace the generated ones.

    Returns
    -------
    pandas.DataFrame
        One row per reporter, partner, HS6 code and year; see ``datasets/mirror_flows/card.yml``.
    """
    n_rows = check_n_rows(n_rows)
    seed = check_random_state(random_state)
    for label, year in (("start_year", start_year), ("end_year", end_year)):
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise TypeError(f"{label} must be a year such as 2020, got {year!r}.")
        if not 1990 <= year <= 2100:
            raise ValueError(f"{label}={year} is outside 1990-2100; choose a year such as 2020.")
    if start_year > end_year:
        raise ValueError(f"start_year ({start_year}) is after end_year ({end_year}): swap them.")
    n_years = end_year - start_year + 1
    n_flows = max(1, n_rows // n_years)
    rng = streams(seed, "mirror_flows", "flows", "values", "misinvoicing")
    world = get_world()
    countries = registry("country")
    weight = world.countries["weight"].to_numpy()

    g = rng["flows"]
    home = countries.index(HOME_COUNTRY)
    others = np.argsort(-weight)[: PARAMS["reporters"]]
    reporters = np.concatenate([[home], others])
    rep_w = np.concatenate([[PARAMS["home_share"]],
                            (1 - PARAMS["home_share"]) * weight[others] / weight[others].sum()])
    hs_w = world.hs["weight"].to_numpy() / world.hs["weight"].sum()
    n_hs, n_c = len(hs_w), len(countries)
    limit = len(reporters) * (n_c - 1) * n_hs // 3
    if n_flows > limit:
        raise ValueError(
            f"n_rows={n_rows:_} asks for more flows than the sandbox world has; use at most "
            f"{limit * n_years:_} rows for {n_years} years, or fewer years."
        )
    chosen = np.empty(0, dtype=np.int64)
    while len(chosen) < n_flows:  # draw distinct (reporter, partner, hs) triples
        m = 2 * (n_flows - len(chosen)) + 16
        rep = reporters[g.choice(len(reporters), m, p=rep_w)]
        hs = g.choice(n_hs, m, p=hs_w)
        partner = sample_rows(g, world.origin_probs, hs)
        keys = ((rep * n_c + partner) * n_hs + hs)[rep != partner]
        merged = np.concatenate([chosen, keys])
        _, first = np.unique(merged, return_index=True)
        chosen = merged[np.sort(first)]
    chosen = chosen[:n_flows]
    hs, pair = chosen % n_hs, chosen // n_hs
    rep, partner = pair // n_c, pair % n_c

    g = rng["values"]
    flow = np.repeat(np.arange(n_flows), n_years)
    year = np.tile(np.arange(start_year, end_year + 1), n_flows)
    level = 200_000.0 * world.hs["scale"].to_numpy()[hs] ** 0.5 * np.exp(g.normal(0, 1.8, n_flows))
    walk = np.cumsum(g.normal(0.03, 0.15, (n_flows, n_years)), axis=1).ravel()
    fob_true = level[flow] * np.exp(walk)
    low, high = PARAMS["cif_fob_margin"]
    margin = g.uniform(low, high, n_flows)[flow]
    sigma = PARAMS["reporting_noise_sigma"]
    exports = fob_true * np.exp(g.normal(0, sigma, len(flow)))
    imports = fob_true * (1 + margin) * np.exp(g.normal(0, sigma, len(flow)))
    price = world.price[hs, partner][flow]
    mass = fob_true / price
    export_mass = mass * np.exp(g.normal(0, sigma, len(flow)))
    import_mass = mass * np.exp(g.normal(0, sigma, len(flow)))

    g = rng["misinvoicing"]
    under, over = PARAMS["under_invoicing"], PARAMS["over_invoicing"]
    duty = world.hs["duty"].to_numpy()[hs]
    p_under = under["share"] * (duty + 2) / (duty.mean() + 2)  # more in high-duty goods
    u = g.random(n_flows)
    kind = np.where(u < p_under, 1, np.where(u > 1 - over["share"], 2, 0))
    since = start_year + g.integers(0, n_years, n_flows)
    active = (kind[flow] > 0) & (year >= since[flow])
    factor = np.where(kind[flow] == 1, g.uniform(under["factor_low"], under["factor_high"],
                                                  len(flow)),
                      g.uniform(over["factor_low"], over["factor_high"], len(flow)))
    imports = np.where(active, imports * factor, imports)
    import_mass = np.where(active & (kind[flow] == 1), import_mass * factor, import_mass)
    unreported = g.random(len(flow)) < PARAMS["export_unreported_share"]

    flows = pd.DataFrame({
        "year": year.astype(np.int16),
        "reporter": categorical(rep[flow], "country"),
        "partner": categorical(partner[flow], "country"),
        "hs6": categorical(hs[flow], "hs6"),
        "import_value_cif": np.round(imports, 0),
        "import_mass_kg": np.round(import_mass, 0),
        "export_value_fob": np.where(unreported, np.nan, np.round(exports, 0)),
        "export_mass_kg": np.where(unreported, np.nan, np.round(export_mass, 0)),
        "misinvoicing": categorical(np.where(active, kind[flow], 0), KINDS),
    })
    if declarations is None:
        return flows
    years = (int(flows["year"].min()), int(flows["year"].max()))
    return with_declared_imports(flows, declared_sums(declarations, years), seed)


#: Columns of the declarations that the mirror flows read.
DECLARATION_COLUMNS = ("lodgement_date", "origin_country", "hs6", "customs_value", "fob_value",
                       "net_mass_kg")


def declared_sums(declarations: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    """Sums of the declarations by year, origin and HS6 (sorted), within ``years``.

    Each sum depends only on its group's lines in their order, so sums of tables that split the
    groups between them (not the lines of one group) are those of the whole table.
    """
    year = pd.to_datetime(declarations["lodgement_date"]).dt.year
    inside = year.between(*years)
    keys = [year[inside].rename("year"), declarations.loc[inside, "origin_country"].astype(str),
            declarations.loc[inside, "hs6"].astype(str)]
    sums = (declarations.loc[inside, ["customs_value", "fob_value", "net_mass_kg"]]
            .groupby(keys, observed=True, sort=True).sum(min_count=1).reset_index())
    return sums[sums["origin_country"] != HOME_COUNTRY]


def with_declared_imports(flows: pd.DataFrame, sums: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Replace reporter XA's rows of the declarations' years by the declarations' sums."""
    n = len(sums)
    g = streams(seed, "mirror_flows", "declared_imports")["declared_imports"]
    sigma = PARAMS["reporting_noise_sigma"]
    under, over = PARAMS["under_invoicing"], PARAMS["over_invoicing"]
    u = g.random(n)
    kind = np.where(u < under["share"], 1, np.where(u > 1 - over["share"], 2, 0))
    factor = np.where(kind == 1, g.uniform(under["factor_low"], under["factor_high"], n),
                      np.where(kind == 2, g.uniform(over["factor_low"], over["factor_high"], n),
                               1.0))
    noise_value, noise_mass = g.normal(0, sigma, n), g.normal(0, sigma, n)
    unreported = g.random(n) < PARAMS["export_unreported_share"]
    # the partner records what really left: the declared FOB divided by the mis-invoicing factor
    exports = sums["fob_value"].to_numpy() / factor * np.exp(noise_value)
    export_mass = sums["net_mass_kg"].to_numpy() * np.exp(noise_mass)
    dtypes = flows.dtypes
    declared = pd.DataFrame({
        "year": sums["year"].to_numpy(),
        "reporter": HOME_COUNTRY,
        "partner": sums["origin_country"].to_numpy(),
        "hs6": sums["hs6"].to_numpy(),
        "import_value_cif": np.round(sums["customs_value"].fillna(0).to_numpy(), 0),
        "import_mass_kg": np.round(sums["net_mass_kg"].fillna(0).to_numpy(), 0),
        "export_value_fob": np.where(unreported, np.nan, np.round(exports, 0)),
        "export_mass_kg": np.where(unreported, np.nan, np.round(export_mass, 0)),
        "misinvoicing": np.asarray(KINDS)[kind],
    }).astype(dtypes.to_dict())
    replaced = (flows["reporter"] == HOME_COUNTRY) & flows["year"].isin(sums["year"].unique())
    earlier = _continued(flows, replaced, declared)
    out = pd.concat([flows[~replaced].drop(index=earlier.index), earlier, declared],
                    ignore_index=True)
    return out.sort_values(["year", "reporter", "partner", "hs6"], ignore_index=True)


#: Columns of a flow that scale with its size.
SIZE_COLUMNS = ("import_value_cif", "import_mass_kg", "export_value_fob", "export_mass_kg")


def _continued(flows: pd.DataFrame, replaced: pd.Series, declared: pd.DataFrame) -> pd.DataFrame:
    """XA's rows of the years before the declarations, rescaled to lead into them.

    Without this a partner's imports would jump from the generated level to the declarations'
    (twenty times, in the medium edition) at the first declared year. Each partner's earlier
    rows are multiplied by its declared sum over the generated one in that year (the whole
    country's ratio for a partner missing on either side), so ratios (CIF/FOB, value per kg,
    mis-invoicing) and the year-on-year changes are untouched.
    """
    first = int(declared["year"].min())
    home = flows["reporter"] == HOME_COUNTRY
    generated = flows[replaced & (flows["year"] == first)]
    by_partner = (declared[declared["year"] == first].groupby("partner", observed=True)
                  ["import_value_cif"].sum()
                  / generated.groupby("partner", observed=True)["import_value_cif"].sum())
    overall = (declared.loc[declared["year"] == first, "import_value_cif"].sum()
               / generated["import_value_cif"].sum())
    earlier = flows[home & (flows["year"] < first)].copy()
    factor = (earlier["partner"].astype(str).map(by_partner.rename(index=str))
              .replace([np.inf, 0.0], np.nan).fillna(overall).to_numpy())
    for column in SIZE_COLUMNS:
        earlier[column] = np.round(earlier[column].to_numpy() * factor, 0)
    return earlier
