"""Seizures in the style of the WCO Illicit Trade Report, made by the sandbox administration.

One row per seizure: date, office and conveyance, direction (import, export, transit), category
(the Report's areas), commodity, quantity and unit, detection method and the route from the
country of departure through an optional transit country to the destination. Categories have
their own trends over the years (tobacco falls, IPR and environment rise) and seasons; the
counts measure enforcement as much as crime, as the Report warns.
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
    HOME_COUNTRY,
    categorical,
    get_world,
    registry,
    sample_rows,
)

CATEGORIES = ("drugs", "tobacco", "alcohol", "ipr", "environment", "weapons",
              "cultural_heritage", "currency")
CONVEYANCES = ("air_passenger", "air_cargo", "postal_express", "sea", "road", "rail")
DIRECTIONS = ("import", "export", "transit")
UNITS = ("kg", "l", "u", "usd")
METHODS = ("risk_profiling", "routine_control", "x_ray_scanner", "detector_dog",
           "intelligence", "random_check", "passenger_profiling")
TRANSIT_HUBS = ("AE", "NL", "BE", "ES", "TR", "PA", "HK", "SG")
# category: (share of seizures, growth per year, amplitude of the seasonal wave)
CATEGORY_PARAMS = {
    "drugs": (0.30, 0.02, 0.10), "tobacco": (0.22, -0.10, 0.15), "alcohol": (0.06, 0.0, 0.35),
    "ipr": (0.20, 0.12, 0.25), "environment": (0.07, 0.08, 0.10), "weapons": (0.05, 0.0, 0.0),
    "cultural_heritage": (0.02, 0.0, 0.0), "currency": (0.08, 0.05, 0.05),
}
# commodity | category | unit | median quantity | sigma | departure countries | conveyance weights
COMMODITIES_TEXT = """\
cocaine|drugs|kg|2|1.8|CO PE BO EC BR PA|2 1 2 4 0 0
cannabis herb|drugs|kg|3|1.5|ZA NG CA US TH|1 1 3 1 3 0
cannabis resin|drugs|kg|5|1.5|MA LB|1 0 1 2 3 0
heroin|drugs|kg|1|1.4|IR PK IN|2 1 1 2 2 0
methamphetamine|drugs|kg|1.5|1.6|MM LA MX IR|2 1 2 2 1 0
captagon tablets|drugs|u|20000|1.8|LB JO|0 1 0 2 2 0
khat|drugs|kg|20|1.0|ET KE|3 2 1 0 0 0
tramadol tablets|drugs|u|5000|1.5|IN|1 1 4 1 0 0
new psychoactive substances|drugs|kg|0.5|1.5|CN IN|1 1 5 0 0 0
cigarettes|tobacco|u|20000|2.0|AE CN BY VN|3 1 1 4 4 1
water-pipe tobacco|tobacco|kg|50|1.5|AE EG|1 1 1 3 3 0
raw tobacco|tobacco|kg|500|1.2|BR ZW|0 0 0 3 2 0
e-cigarettes|tobacco|u|200|1.6|CN|1 2 4 2 1 0
spirits|alcohol|l|20|1.5|GB FR RU PL|3 0 0 1 4 0
beer|alcohol|l|200|1.3|NL BE DE|0 0 0 1 4 0
wine|alcohol|l|30|1.3|FR IT ES|2 0 0 1 3 0
counterfeit clothing|ipr|u|300|1.6|CN TR HK|1 1 3 4 2 0
counterfeit footwear|ipr|u|150|1.5|CN VN|0 1 2 4 2 0
counterfeit watches|ipr|u|50|1.5|CN HK|2 1 3 2 1 0
counterfeit phones and accessories|ipr|u|200|1.6|CN HK|1 2 4 3 1 0
counterfeit medicines|ipr|u|1000|1.8|IN CN|1 1 4 2 0 0
counterfeit toys|ipr|u|500|1.5|CN|0 1 2 4 1 0
counterfeit cosmetics|ipr|u|300|1.5|CN TR|1 1 3 2 1 0
ivory|environment|kg|30|1.5|KE TZ MZ CD NG|2 1 0 3 0 0
pangolin scales|environment|kg|100|1.5|NG CM CD|1 1 0 3 0 0
rosewood timber|environment|kg|5000|1.2|MG MZ NG|0 0 0 4 1 0
ozone-depleting substances|environment|kg|300|1.2|CN IN|0 0 0 3 3 0
hazardous waste|environment|kg|20000|1.5|US GB DE|0 0 0 4 1 0
live reptiles|environment|u|20|1.2|MG ID TH|4 2 1 0 0 0
shark fins|environment|kg|100|1.3|EC MX ID|1 2 0 3 0 0
firearms|weapons|u|2|1.0|US TR DE|1 1 2 1 2 0
ammunition|weapons|u|500|1.5|US|1 1 1 1 2 0
weapon parts|weapons|u|10|1.2|US CN|0 1 4 1 1 0
antiquities|cultural_heritage|u|5|1.2|EG IQ PE|3 1 1 1 1 0
coins|cultural_heritage|u|50|1.5|IQ GR|2 0 3 0 1 0
paintings|cultural_heritage|u|2|0.8|FR IT|2 2 0 1 1 0
cash|currency|usd|30000|1.1|AE CN NG HK US|6 0 1 0 2 0
"""
# detection method weights (same order as METHODS) by conveyance
METHOD_WEIGHTS = {
    "air_passenger": (3, 1, 2, 2, 1, 1, 4), "air_cargo": (4, 2, 3, 1, 1, 1, 0),
    "postal_express": (3, 2, 4, 2, 1, 1, 0), "sea": (4, 2, 3, 1, 2, 1, 0),
    "road": (2, 3, 2, 2, 1, 2, 0), "rail": (2, 3, 3, 1, 1, 1, 0),
}
# office types that handle each conveyance
CONVEYANCE_OFFICES = {
    "air_passenger": ("airport",), "air_cargo": ("airport",), "postal_express": ("postal",),
    "sea": ("seaport", "inland"), "road": ("land_border", "inland"), "rail": ("rail_terminal",),
}


def _commodities() -> pd.DataFrame:
    rows = [line.split("|") for line in COMMODITIES_TEXT.splitlines() if line]
    frame = pd.DataFrame(rows, columns=["commodity", "category", "unit", "median", "sigma",
                                        "origins", "conveyance"])
    frame["median"] = frame["median"].astype(float)
    frame["sigma"] = frame["sigma"].astype(float)
    return frame


def make_seizures(
    n_rows: int = 1_000,
    *,
    random_state: int | None = None,
    start: str = "2018-01-01",
    end: str = "2022-12-31",
) -> pd.DataFrame:
    """Make seizure records in the style of the WCO Illicit Trade Report.

    Parameters
    ----------
    n_rows : int, default=1_000
        Number of seizures.
    random_state : int or None, default=None
        Seed; the same seed and arguments give the same table.
    start, end : str or date, default='2018-01-01', '2022-12-31'
        First and last seizure dates (trends need a few years).

    Returns
    -------
    pandas.DataFrame
        One row per seizure, sorted by date; columns as in ``datasets/seizures/card.yml``.
    """
    n = check_n_rows(n_rows)
    seed = check_random_state(random_state)
    first, n_days = check_period(start, end)
    rng = streams(seed, "seizures", "what", "when", "where", "how")
    world = get_world()
    com = _commodities()

    g = rng["what"]
    cat_share = np.array([CATEGORY_PARAMS[c][0] for c in CATEGORIES])
    category = g.choice(len(CATEGORIES), n, p=cat_share / cat_share.sum())
    cat_of_com = com["category"].map(CATEGORIES.index).to_numpy()
    within = np.exp(g.normal(0, 0.8, len(com)))  # fixed per call: commodity mix in a category
    mix = np.stack([np.where(cat_of_com == c, within, 0.0) for c in range(len(CATEGORIES))])
    commodity = sample_rows(g, mix / mix.sum(axis=1, keepdims=True), category)
    quantity = com["median"].to_numpy()[commodity] * np.exp(
        g.normal(0, 1, n) * com["sigma"].to_numpy()[commodity])
    unit = com["unit"].map(UNITS.index).to_numpy()[commodity]
    quantity = np.where(np.isin(unit, (2, 3)), np.maximum(np.round(quantity), 1.0),
                        np.maximum(np.round(quantity, 3), 0.001))

    g = rng["when"]
    days = np.arange(n_days)
    years = days / 365.25
    day = np.empty(n, dtype=np.int64)
    for c, name in enumerate(CATEGORIES):
        _, growth, wave = CATEGORY_PARAMS[name]
        weight = np.exp(growth * years) * (1 + wave * np.cos(2 * np.pi * (years - 0.9)))
        idx = np.flatnonzero(category == c)
        day[idx] = g.choice(n_days, len(idx), p=weight / weight.sum())

    g = rng["where"]
    conv_w = np.array([[float(x) for x in s.split()] for s in com["conveyance"]])
    conveyance = sample_rows(g, conv_w / conv_w.sum(axis=1, keepdims=True), commodity)
    office_type = world.offices["type"].to_numpy()
    office_w = np.stack([np.where(np.isin(office_type, CONVEYANCE_OFFICES[c]),
                                  world.offices["weight"].to_numpy(), 0.0) for c in CONVEYANCES])
    office = sample_rows(g, office_w / office_w.sum(axis=1, keepdims=True), conveyance)
    countries = registry("country")
    origins = [[countries.index(c) for c in s.split()] for s in com["origins"]]
    pick = np.floor(g.random(n) * np.array([len(o) for o in origins])[commodity]).astype(int)
    width = max(len(o) for o in origins)
    origin_table = np.array([o + [o[0]] * (width - len(o)) for o in origins])
    departure = origin_table[commodity, pick]
    direction = g.choice(3, n, p=[0.8, 0.08, 0.12])
    home = countries.index(HOME_COUNTRY)
    hubs = np.array([countries.index(c) for c in TRANSIT_HUBS])
    rich = np.array([countries.index(c) for c in ("US", "GB", "DE", "FR", "NL", "AU", "JP")])
    other_dest = rich[g.integers(0, len(rich), n)]
    via = np.where(g.random(n) < 0.3, hubs[g.integers(0, len(hubs), n)], -1)
    via = np.where((via == departure) | (direction == 2), -1, via)
    transit = np.where(direction == 2, home, via)
    origin_col = np.where(direction == 1, home, departure)
    destination = np.where(direction == 0, home, other_dest)

    g = rng["how"]
    method_w = np.array([METHOD_WEIGHTS[c] for c in CONVEYANCES], dtype=float)
    method = sample_rows(g, method_w / method_w.sum(axis=1, keepdims=True), conveyance)

    order = np.argsort(day, kind="stable")
    c_arr = np.asarray(countries, dtype=object)
    route = np.where(transit >= 0, c_arr[origin_col] + " > " + c_arr[np.maximum(transit, 0)]
                     + " > " + c_arr[destination], c_arr[origin_col] + " > " + c_arr[destination])
    frame = pd.DataFrame({
        "seizure_id": np.arange(1, n + 1, dtype=np.int64),
        "seizure_date": (first + day[order]).astype("datetime64[us]"),
        "office": categorical(office[order], "office"),
        "conveyance": categorical(conveyance[order], CONVEYANCES),
        "direction": categorical(direction[order], DIRECTIONS),
        "category": categorical(category[order], CATEGORIES),
        "commodity": categorical(commodity[order], tuple(com["commodity"])),
        "quantity": quantity[order],
        "quantity_unit": categorical(unit[order], UNITS),
        "detection_method": categorical(method[order], METHODS),
        "departure_country": categorical(origin_col[order], "country"),
        "transit_country": categorical(transit[order], "country"),
        "destination_country": categorical(destination[order], "country"),
        "route": pd.array(route[order], dtype="str"),
    })
    return frame
