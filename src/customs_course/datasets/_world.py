"""The shared world of the sandbox: countries, offices, traders and the HS catalogue.

Every dataset draws its ids from this one registry, so that the same importer, office, country
and HS code mean the same thing in every table. The world is fixed: it is made from
:data:`WORLD_SEED` whatever ``random_state`` a generator is given, and cached after first use.
The importing country of the sandbox is imaginary; it has the user-assigned ISO code ``XA``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from customs_course.datasets import _hs_catalogue
from customs_course.datasets._hs_titles import CHAPTERS
from customs_course.datasets._validate import streams

#: Seed of the shared world (the year of the WCO Data Strategy).
WORLD_SEED = 2022
#: ISO code (user-assigned range) of the imaginary importing country.
HOME_COUNTRY = "XA"
N_IMPORTERS = 20_000
N_DECLARANTS = 1_200
MAX_IMPORTER_SHARE = 0.015

# ISO 3166 alpha-2 code and share of the home country's imports (per cent, roughly); the home
# country XA itself has share 0 (it appears in seizure routes and mirror flows).
# Namibia is left out: its code "NA" reads as a missing value in most CSV readers.
COUNTRY_WEIGHTS_TEXT = """
CN 200 US 6 DE 5 JP 5 KR 4 VN 4 IN 3.5 TW 2 IT 2.5 TH 2.5 FR 2 MY 2.3 ID 2 TR 2 GB 1.8 AE 1.5
MX 1.2 BR 1.2 ES 1.2 NL 1.2 BD 1.2 CH 0.9 SA 1 AU 1 SG 1 PK 1 PL 0.8 CA 0.8 PH 0.8 RU 0.8 HK 0.8
BE 0.7 ZA 0.6 SE 0.5 NG 0.4 EG 0.4 MA 0.4 AR 0.4 CL 0.4 NZ 0.4 AT 0.4 CZ 0.4 KH 0.4 CO 0.3
PE 0.3 DK 0.3 NO 0.3 IE 0.3 PT 0.3 HU 0.3 RO 0.3 UA 0.3 IL 0.3 QA 0.3 LK 0.3 KE 0.2 ET 0.2
FI 0.2 GR 0.2 IR 0.2 KW 0.2 OM 0.2 MM 0.2 KZ 0.2 GH 0.2 CI 0.2 TN 0.2 EC 0.2 BG 0.2 SK 0.2
LA 0.1 UZ 0.1 CM 0.1 TZ 0.1 DZ 0.1 GT 0.1 CR 0.1 PA 0.1 UY 0.1 HR 0.1 SI 0.1 LT 0.1 BY 0.1
RS 0.1 AO 0.1 IQ 0.05 NP 0.05 UG 0.05 SN 0.05 DO 0.05 BO 0.05 PY 0.05 HN 0.05 LV 0.05 EE 0.05
GE 0.05 AZ 0.05 JO 0.05 BH 0.05 MU 0.05 MG 0.05 MZ 0.05 ZM 0.05 LY 0.05 MO 0.02 JM 0.02
VE 0.03 CU 0.02 SV 0.03 NI 0.03 BA 0.03 MK 0.02 AL 0.02 AM 0.02 LB 0.03 MN 0.02 BN 0.02
FJ 0.02 PG 0.02 ZW 0.03 BW 0.02 CD 0.03 SD 0.02 XA 0
"""
#: Partners of the home country's free-trade agreements (preferential duty 0%).
FTA_PARTNERS = frozenset(
    "AU CH CL GB ID KH KR MA MX MY NO NZ PE PH SG TH TR VN".split()
)
#: Words for a chapter's goods where the start of its title reads badly in a sandbox title.
CHAPTER_NOUNS = {84: "machinery and mechanical appliances", 77: "reserved"}
#: Trading hubs that invoice or ship goods made elsewhere.
HUBS = ("HK", "SG", "AE", "NL", "CH", "US")
EURO = frozenset("DE IT FR ES NL BE AT IE PT FI GR SK SI LT LV EE HR".split())
HIGH_PRICE = frozenset("US DE JP CH IT FR GB SE AT DK NO NL BE IE FI AU CA NZ".split())
LOW_PRICE = frozenset("CN VN BD IN PK KH MM LA ID NP ET".split())
CURRENCIES = ("AUD", "CHF", "CNY", "EUR", "GBP", "JPY", "USD")

# Main producers by HS chapter or subheading (first match wins: subheading, then chapter).
PRODUCERS = {
    "0803": "EC PH CO CR GT", "0805": "ZA EG ES MA US", "0801": "VN IN CI",
    "09": "BR VN CO ET LK KE IN ID", "1006": "TH VN IN PK", "10": "US CA AR AU UA RU",
    "12": "BR US AR", "23": "BR US AR", "1511": "ID MY", "1512": "UA RU AR", "15": "AR BR US",
    "17": "BR TH IN", "2208": "GB FR PL RU US", "22": "FR IT ES CL AU", "24": "AE TR ID BR",
    "2701": "AU ID ZA RU", "2709": "SA AE NG IQ KW", "2711": "QA AU US", "27": "SA AE SG IN KR",
    "30": "DE CH IN US FR IE BE", "31": "RU SA MA QA CN", "7108": "CH AE ZA GH",
    "71": "IT IN AE TH HK", "72": "CN JP KR IN TR RU UA", "73": "CN JP KR IN TR",
    "74": "CL PE ZM CD", "76": "AE RU IN AU", "8703": "JP DE KR US CN TH GB MX",
    "8704": "TH JP US CN", "870380": "CN US DE KR", "87": "JP DE KR CN TH",
    "84": "CN JP KR DE US TW", "85": "CN KR TW VN MY JP TH", "854143": "CN VN MY",
    "61": "CN BD VN IN KH TR", "62": "CN BD VN IN PK TR", "64": "CN VN ID IT IN",
    "42": "CN IT VN IN", "02": "BR US AU AR NZ", "03": "NO VN IN CL EC", "04": "NZ AU FR NL DE",
}

# Office type -> (number of offices, shares of modes sea/air/road/rail/post).
MODES = ("sea", "air", "road", "rail", "post")
OFFICE_TYPES = {
    "seaport": (8, (0.97, 0.0, 0.03, 0.0, 0.0)),
    "airport": (6, (0.0, 0.99, 0.01, 0.0, 0.0)),
    "land_border": (12, (0.0, 0.0, 0.93, 0.07, 0.0)),
    "inland": (8, (0.6, 0.05, 0.3, 0.05, 0.0)),
    "postal": (4, (0.0, 0.08, 0.02, 0.0, 0.9)),
    "rail_terminal": (2, (0.0, 0.0, 0.1, 0.9, 0.0)),
}
OFFICE_BASE_WEIGHT = {"seaport": 6.0, "airport": 5.0, "land_border": 0.5, "inland": 0.8,
                      "postal": 0.8, "rail_terminal": 0.3}


@dataclass(frozen=True)
class World:
    """Arrays of the shared world; index positions are category codes in every dataset."""

    hs: pd.DataFrame  # one row per subheading, sorted by code
    headings: pd.DataFrame  # heading code and title
    lower_duty: np.ndarray  # (n_hs, k) indices of lower-duty codes in the same chapter, -1 pad
    n_lower: np.ndarray  # how many lower-duty codes each subheading has
    countries: pd.DataFrame  # code, weight, fta, price_level, currency
    origin_probs: np.ndarray  # (n_hs, n_countries) where goods of a code come from
    price: np.ndarray  # (n_hs, n_countries) market price, USD per kg
    paperwork: np.ndarray  # (n_hs, n_countries) proneness to procedural irregularities, mean 1
    offices: pd.DataFrame  # code, type, weight, mode shares
    importers: pd.DataFrame  # id, weight, aeo, propensity, fraud preference, hs likes, declarant
    declarants: pd.DataFrame  # id, weight


def _parse_hs() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [line.split("|") for line in _hs_catalogue.SUBHEADINGS_TEXT.splitlines() if line]
    hs = pd.DataFrame(
        rows,
        columns=["hs6", "unit", "price", "kg_per_unit", "duty", "excise", "weight", "scale",
                 "title", "terms"],
    )
    for col in ("price", "kg_per_unit", "duty", "excise", "weight", "scale"):
        hs[col] = hs[col].astype(float)
    hs["synthetic"] = False
    heads = [line.split("|") for line in _hs_catalogue.HEADINGS_TEXT.splitlines() if line]
    headings = pd.DataFrame(heads, columns=["heading", "title"])
    sandbox, sandbox_heads = _sandbox_rows(hs)
    hs = pd.concat([hs, sandbox], ignore_index=True)
    hs["chapter"] = hs["hs6"].str[:2].astype(int)
    hs["heading"] = hs["hs6"].str[:4]
    hs = hs.sort_values("hs6").reset_index(drop=True)
    headings = pd.concat([headings, sandbox_heads]).sort_values("heading")
    return hs, headings.reset_index(drop=True)


def chapter_noun(chapter: int) -> str:
    """Short words for a chapter's goods (the start of its public title), for sandbox titles."""
    return CHAPTER_NOUNS.get(chapter, CHAPTERS[chapter].split(";")[0].split(",")[0].lower())


def _sandbox_rows(real: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Economics of the sandbox subheadings, drawn near those of their chapter's real codes."""
    g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(WORLD_SEED, spawn_key=(7,))))
    forms, sub_forms = _hs_catalogue.SANDBOX_HEADING_FORMS, _hs_catalogue.SANDBOX_SUBHEADING_FORMS
    codes = _hs_catalogue.sandbox_codes()
    chapter = np.array([int(c[:2]) for c, _, _ in codes])
    real_chapter = real["hs6"].str[:2].astype(int)
    price = real["price"].groupby(real_chapter).median().reindex(range(98)).fillna(5.0)
    duty = real["duty"].groupby(real_chapter).median().reindex(range(98)).fillna(10.0)
    heading = np.array([c[:4] for c, _, _ in codes])
    _, h_idx = np.unique(heading, return_inverse=True)
    h_price = np.exp(g.normal(0, 0.8, h_idx.max() + 1))[h_idx]
    h_scale = np.exp(g.normal(0, 0.8, h_idx.max() + 1))[h_idx]
    frame = pd.DataFrame({
        "hs6": [c for c, _, _ in codes],
        "unit": "kg",
        "price": np.round(price.to_numpy()[chapter] * h_price
                          * np.exp(g.normal(0, 0.3, len(codes))), 3),
        "kg_per_unit": 1.0,
        "duty": np.clip(duty.to_numpy()[chapter] + g.choice([-5, 0, 0, 5], len(codes)),
                        0, 35),
        "excise": 0.0,
        "weight": np.round(0.25 * np.exp(g.normal(-0.5, 1.6, len(codes))), 5),
        "scale": np.round(h_scale, 3),
        "synthetic": True,
    })
    noun = [chapter_noun(c) for c in chapter]
    frame["title"] = [f"Sandbox subheading (synthetic): {n}, {forms[f]}, {sub_forms[s]}"
                      for n, (_, f, s) in zip(noun, codes, strict=True)]
    short = [" ".join(n.split()[:3]) for n in noun]  # goods descriptions stay short
    frame["terms"] = [f"{n} {forms[f]} {sub_forms[s]};{sub_forms[s]} {n} {forms[f]};"
                      f"{n}, {forms[f]}, {sub_forms[s]}"
                      for n, (_, f, s) in zip(short, codes, strict=True)]
    first = {c[:4]: (int(c[:2]), f) for c, f, _ in reversed(codes)}
    heads = pd.DataFrame(
        [(h, f"Sandbox heading (synthetic): {chapter_noun(c)}, {forms[f]}")
         for h, (c, f) in sorted(first.items())], columns=["heading", "title"])
    return frame, heads


def _lower_duty(hs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    # "lower duty" counts duty and excise together: the burden a misclassifier escapes
    chapter, duty = hs["chapter"].to_numpy(), (hs["duty"] + hs["excise"]).to_numpy()
    # a code of the same heading when there is one (goods alike), else of the same chapter
    heading = hs["hs6"].str[:4].to_numpy()
    lists = []
    for h, c, d in zip(heading, chapter, duty, strict=True):
        same = np.flatnonzero((heading == h) & (duty < d))
        lists.append(same if len(same) else np.flatnonzero((chapter == c) & (duty < d)))
    width = max(1, max(len(x) for x in lists))
    table = np.full((len(hs), width), -1, dtype=np.int64)
    for i, x in enumerate(lists):
        table[i, : len(x)] = x
    return table, np.array([len(x) for x in lists])


def _countries() -> pd.DataFrame:
    tokens = COUNTRY_WEIGHTS_TEXT.split()
    frame = pd.DataFrame({"code": tokens[0::2], "weight": np.array(tokens[1::2], dtype=float)})
    frame = frame.sort_values("code").reset_index(drop=True)
    frame["weight"] /= frame["weight"].sum()
    frame["fta"] = frame["code"].isin(FTA_PARTNERS)
    frame["price_level"] = np.where(
        frame["code"].isin(HIGH_PRICE), 1.25, np.where(frame["code"].isin(LOW_PRICE), 0.8, 1.0)
    )
    frame["currency"] = np.select(
        [frame["code"].isin(EURO), frame["code"] == "JP", frame["code"] == "GB",
         frame["code"] == "CH", frame["code"] == "AU", frame["code"] == "CN"],
        ["EUR", "JPY", "GBP", "CHF", "AUD", "CNY"],
        "USD",
    )
    return frame


def _origin_probs(hs: pd.DataFrame, countries: pd.DataFrame, rng: np.random.Generator):
    codes = list(countries["code"])
    base = countries["weight"].to_numpy()
    probs = np.empty((len(hs), len(codes)))
    for i, code in enumerate(hs["hs6"]):
        lookup = next((PRODUCERS[k] for k in (code, code[:4], code[:2]) if k in PRODUCERS), None)
        if lookup is None:
            makers = rng.choice(len(codes), size=4, replace=False, p=base)
        else:
            makers = np.array([codes.index(c) for c in lookup.split()])
        shares = np.zeros(len(codes))
        shares[makers] = rng.dirichlet(np.linspace(3.0, 1.0, len(makers)))
        probs[i] = 0.75 * shares + 0.25 * base
    return probs / probs.sum(axis=1, keepdims=True)


def _offices(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for kind, (count, shares) in OFFICE_TYPES.items():
        for _ in range(count):
            rows.append((kind, *shares))
    frame = pd.DataFrame(rows, columns=["type", *MODES])
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame.insert(0, "code", [f"OF{i + 1:03d}" for i in range(len(frame))])
    base = frame["type"].map(OFFICE_BASE_WEIGHT).to_numpy()
    weight = base * (rng.pareto(1.5, len(frame)) + 0.2)
    frame["weight"] = weight / weight.sum()
    return frame


def _traders(hs: pd.DataFrame, rng: dict[str, np.random.Generator]) -> tuple[pd.DataFrame, ...]:
    g = rng["declarants"]
    d_weight = g.pareto(1.3, N_DECLARANTS) + 0.05
    declarants = pd.DataFrame(
        {"id": [f"DCL{i:04d}" for i in range(1, N_DECLARANTS + 1)],
         "weight": d_weight / d_weight.sum()}
    )
    g = rng["importers"]
    size = g.pareto(1.1, N_IMPORTERS) + 0.02
    for _ in range(10):  # no importer lodges more than about 1.5% of the lines
        size = np.minimum(size, MAX_IMPORTER_SHARE * size.sum())
    weight = size / size.sum()
    rank = np.argsort(np.argsort(-size)) / N_IMPORTERS  # 0 for the biggest importer
    aeo = g.random(N_IMPORTERS) < np.where(rank < 0.01, 0.6, np.where(rank < 0.1, 0.15, 0.01))
    p = _importer_params()
    klass = g.choice(3, size=N_IMPORTERS, p=p["class_shares"])  # honest, occasional, repeat
    propensity = np.take(p["class_multipliers"], klass) * np.exp(g.normal(0, 0.3, N_IMPORTERS))
    propensity[aeo] *= p["aeo_multiplier"]
    likes = g.choice(len(hs), size=(N_IMPORTERS, 3), p=hs["weight"] / hs["weight"].sum())
    # the second and third favourite codes come from the first one's chapter when possible
    # (codes are sorted, so each chapter's codes are one contiguous block)
    chapter = hs["chapter"].to_numpy()
    first = np.searchsorted(chapter, chapter, side="left")[likes[:, 0]]
    block = np.searchsorted(chapter, chapter, side="right")[likes[:, 0]] - first
    for j in (1, 2):
        same = g.random(N_IMPORTERS) < 0.6
        pick = first + np.floor(g.random(N_IMPORTERS) * block).astype(np.int64)
        likes[:, j] = np.where(same, pick, likes[:, j])
    complicit = g.random(N_DECLARANTS) < p["complicit_declarant_share"]
    declarants["fraud_multiplier"] = np.where(complicit, p["complicit_declarant_multiplier"], 1.0)
    importers = pd.DataFrame(
        {"id": [f"IMP{i:06d}" for i in range(1, N_IMPORTERS + 1)],
         "weight": weight, "aeo": aeo, "risk_class": klass, "propensity": propensity,
         "favourite_fraud": g.choice(3, size=N_IMPORTERS, p=[0.5, 0.3, 0.2]),
         "like0": likes[:, 0], "like1": likes[:, 1], "like2": likes[:, 2],
         "declarant": g.choice(N_DECLARANTS, size=N_IMPORTERS, p=declarants["weight"]),
         "known_risk": np.log(propensity) + g.normal(0, 1.0, N_IMPORTERS)}
    )
    return importers, declarants


def _importer_params() -> dict:
    from customs_course.datasets._declaration_params import PARAMS

    return PARAMS["importers"]


def _paperwork(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """How prone the goods of each HS6 from each origin are to procedural irregularities
    (certificates, licences, marking rules): log-normal with mean 1 over the routes."""
    from customs_course.datasets._declaration_params import PARAMS

    sigma = PARAMS["procedural_route_sigma"]
    return np.exp(rng.normal(-sigma**2 / 2, sigma, size=shape))


@lru_cache(maxsize=1)
def get_world() -> World:
    """Return the shared world (built once per process, always the same)."""
    rng = streams(WORLD_SEED, "world", "origins", "prices", "offices", "importers", "declarants",
                  "paperwork")
    hs, headings = _parse_hs()
    lower, n_lower = _lower_duty(hs)
    countries = _countries()
    probs = _origin_probs(hs, countries, rng["origins"])
    noise = np.exp(rng["prices"].normal(0.0, 0.25, size=probs.shape))
    price = hs["price"].to_numpy()[:, None] * countries["price_level"].to_numpy()[None, :] * noise
    importers, declarants = _traders(hs, rng)
    return World(
        hs=hs, headings=headings, lower_duty=lower, n_lower=n_lower, countries=countries,
        origin_probs=probs, price=price, paperwork=_paperwork(probs.shape, rng["paperwork"]),
        offices=_offices(rng["offices"]),
        importers=importers, declarants=declarants,
    )


def sample_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one column index per entry of ``rows`` from the matching row of ``probs``.

    Vectorised inverse-CDF sampling: the cumulative sums of all rows are laid end to end, each
    row offset by its index, so one ``searchsorted`` serves every draw.
    """
    n_cols = probs.shape[1]
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    flat = (cum + np.arange(len(probs))[:, None]).ravel()
    query = rows + rng.random(len(rows))
    order = np.argsort(query, kind="stable")  # sorted queries search much faster (cache)
    pos = np.empty(len(rows), dtype=np.int64)
    pos[order] = np.searchsorted(flat, query[order], side="right")
    return np.clip(pos - rows * n_cols, 0, n_cols - 1)


def registry(kind: str) -> list[str]:
    """Return the ids of a registry (office, country, hs6, importer, declarant), in order.

    Cheap: the lists follow from the constants, without building the world.
    """
    if kind == "office":
        return [f"OF{i + 1:03d}" for i in range(sum(n for n, _ in OFFICE_TYPES.values()))]
    if kind == "country":
        return sorted(COUNTRY_WEIGHTS_TEXT.split()[0::2])
    if kind == "hs6":
        real = [line[:6] for line in _hs_catalogue.SUBHEADINGS_TEXT.splitlines() if line]
        return sorted(real + [code for code, _, _ in _hs_catalogue.sandbox_codes()])
    if kind == "importer":
        return [f"IMP{i:06d}" for i in range(1, N_IMPORTERS + 1)]
    if kind == "declarant":
        return [f"DCL{i:04d}" for i in range(1, N_DECLARANTS + 1)]
    raise KeyError(
        f"unknown registry {kind!r}; expected office, country, hs6, importer or declarant"
    )


@cache
def dtype_of(kind: str) -> pd.CategoricalDtype:
    """Return the categorical dtype of a registry column (ids in registry order)."""
    return pd.CategoricalDtype(pd.Index(registry(kind), dtype="str"), ordered=False)


def categorical(codes: np.ndarray, kind_or_values: str | tuple[str, ...], *,
                ordered: bool = False) -> pd.Categorical:
    """Wrap integer codes (-1 for missing) as a Categorical of a registry or a fixed list."""
    if isinstance(kind_or_values, str):
        dtype = dtype_of(kind_or_values)
    else:
        dtype = pd.CategoricalDtype(pd.Index(list(kind_or_values), dtype="str"), ordered=ordered)
    return pd.Categorical.from_codes(codes, dtype=dtype)
