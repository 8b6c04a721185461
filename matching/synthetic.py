"""Synthetic counties and provinces for the benchmark and the tests, deterministic by seed.

Geography is clustered: each county is a box of about 66 × 66 km holding about a hundred
township centres of lognormal size (the county seat five times larger), each with a handful of
villages; households sit around their village. Providers follow the mix a county actually has:
one social-work station per township serving its own township (sometimes a neighbour too),
volunteers living in the villages with a travel radius of a few km, charity offers and
procured projects run from the county seat for the whole county, with eligibility filters
(tier, age, disability) on offers and unit costs paid from budget pools on projects.

Priorities follow the registry's default ``priority_weights`` (tier, vulnerabilities, severity,
urgency, waiting weeks), so the top tier (特困, orphans, severely disabled) ranks first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.types import AGE_UNLIMITED, ALL_TIERS, FEMALE, MALE, TIERS, Needs, Providers

CATEGORIES = (
    ("care", "照料护理"),
    ("rehabilitation", "康复训练"),
    ("hospital_escort", "送医陪护"),
    ("social_integration", "社会融入"),
    ("capacity_building", "能力提升"),
    ("counselling", "心理疏导"),
    ("resource_linking", "资源链接"),
    ("childcare", "助幼"),
    ("schooling", "助教"),
    ("medical_help", "助医"),
    ("elder_help", "助老"),
    ("hardship_help", "助困"),
    ("care_visits", "人文关怀"),
    ("legal_aid", "法律援助"),
    ("job_support", "就业帮扶"),
    ("circumstance_survey", "家境调查"),
)
_CODES = [code for code, _name in CATEGORIES]
_NEED_MIX = {
    "elder_help": 18,
    "care": 12,
    "medical_help": 10,
    "hardship_help": 10,
    "care_visits": 8,
    "hospital_escort": 6,
    "rehabilitation": 6,
    "schooling": 5,
    "counselling": 5,
    "childcare": 4,
    "resource_linking": 4,
    "job_support": 4,
    "social_integration": 3,
    "capacity_building": 2,
    "legal_aid": 2,
    "circumstance_survey": 1,
}
_OFFER_CATEGORIES = ("hardship_help", "schooling", "medical_help", "elder_help", "childcare")
_PROJECT_CATEGORIES = (
    "care",
    "rehabilitation",
    "hospital_escort",
    "counselling",
    "social_integration",
    "capacity_building",
    "job_support",
    "legal_aid",
)
_TIER_MIX = (0.08, 0.45, 0.15, 0.10, 0.07, 0.15)
_TIER_POINTS = np.array([40, 25, 15, 15, 10, 0], dtype=np.float64)
_URGENCY_POINTS = np.array([0, 5, 15, 30], dtype=np.float64)
_COUNTY_BOX_DEG = (0.60, 0.65)  # about 66 km × 66 km at 23.6° N
_ORIGIN = (22.0, 99.5)
_MANDARIN = 1


@dataclass(frozen=True)
class Size:
    """How big a synthetic instance is."""

    needs: int
    stations: int
    volunteers: int
    offers: int
    projects: int
    counties: int = 1
    townships_per_county: int = 100
    pools_per_county: int = 3

    @property
    def providers(self) -> int:
        return self.stations + self.volunteers + self.offers + self.projects


SIZES = {
    "small": Size(2_000, 20, 150, 20, 10, townships_per_county=20, pools_per_county=2),
    "county": Size(20_000, 100, 1_500, 250, 150),
    "province": Size(300_000, 1_500, 45_000, 2_500, 1_000, counties=15),
}


@dataclass(frozen=True, eq=False)
class Instance:
    """A synthetic matching instance.

    Attributes
    ----------
    needs : Needs
    providers : Providers
    budgets : ndarray of shape (n_pools,), int64
        Remaining budget of each pool in fen.
    need_county, provider_county : ndarray of shape (n,) and (m,), int32
        County number of each need and provider (offers and projects belong to their
        county; stations and volunteers to where they are), for runs split by county.
    categories : tuple of (code, name)
    """

    needs: Needs
    providers: Providers
    budgets: np.ndarray
    need_county: np.ndarray
    provider_county: np.ndarray
    categories: tuple = CATEGORIES


def _pick_categories(rng, pool, weights, k):
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(pool, size=k, replace=False, p=p / p.sum())


def make_instance(size: str | Size = "small", random_state: int = 0) -> Instance:
    """Generate a synthetic instance.

    Parameters
    ----------
    size : {"small", "county", "province"} or Size
    random_state : int
        The seed: the same seed gives the same instance, array for array.

    Returns
    -------
    Instance
    """
    if isinstance(size, str):
        size = SIZES[size]
    rng = np.random.default_rng(random_state)
    geo = _geography(size, rng)
    needs, household_township = _needs(size, geo, rng)
    providers, provider_county, station_of_township = _providers(size, geo, rng)
    needs = _relations(needs, providers, household_township, station_of_township, rng)
    budgets = _budgets(size, providers, rng)
    need_county = (household_township // size.townships_per_county).astype(np.int32)
    return Instance(needs, providers, budgets, need_county, provider_county)


@dataclass(frozen=True, eq=False)
class _Geography:
    township_lat: np.ndarray
    township_lon: np.ndarray
    township_weight: np.ndarray
    township_code: np.ndarray
    township_language: np.ndarray  # 0, or the bit of the minority language spoken there
    village_lat: np.ndarray  # (townships, villages)
    village_lon: np.ndarray
    county_code: np.ndarray
    seat: np.ndarray  # township number of each county's seat
    villages: int = 6


def _geography(size: Size, rng) -> _Geography:
    counties, per = size.counties, size.townships_per_county
    columns = int(np.ceil(np.sqrt(counties)))
    county = np.arange(counties)
    base_lat = _ORIGIN[0] + (county // columns) * _COUNTY_BOX_DEG[0]
    base_lon = _ORIGIN[1] + (county % columns) * _COUNTY_BOX_DEG[1]
    t_county = np.repeat(county, per)
    lat = base_lat[t_county] + rng.uniform(0.03, _COUNTY_BOX_DEG[0] - 0.03, counties * per)
    lon = base_lon[t_county] + rng.uniform(0.03, _COUNTY_BOX_DEG[1] - 0.03, counties * per)
    weight = rng.lognormal(0.0, 0.8, counties * per)
    seat = county * per
    weight[seat] *= 5.0
    county_code = 530401 + county
    township_code = county_code[t_county] * 1000 + np.tile(np.arange(1, per + 1), counties)
    minority = rng.random(counties * per) < 0.2
    language = np.where(minority, 1 << rng.integers(1, 4, counties * per), 0)
    villages = 6
    km = 1 / 111.0
    v_lat = lat[:, None] + rng.normal(0, 2.5 * km, (counties * per, villages))
    v_lon = lon[:, None] + rng.normal(0, 2.5 * km, (counties * per, villages))
    return _Geography(lat, lon, weight, township_code, language, v_lat, v_lon, county_code, seat)


def _village_code(geo, township, village):
    return geo.township_code[township] * 1000 + village + 1


def _needs(size: Size, geo: _Geography, rng):
    n = size.needs
    per_household = 1 + np.minimum(rng.poisson(0.45, n), 3)
    household_of_need = np.repeat(np.arange(n), per_household)[:n]
    h = int(household_of_need[-1]) + 1
    p = geo.township_weight / geo.township_weight.sum()
    h_township = rng.choice(len(p), size=h, p=p)
    h_village = rng.integers(0, geo.villages, h)
    km = 1 / 111.0
    h_lat = geo.village_lat[h_township, h_village] + rng.normal(0, 0.8 * km, h)
    h_lon = geo.village_lon[h_township, h_village] + rng.normal(0, 0.8 * km, h)
    h_tier = rng.choice(len(TIERS), size=h, p=_TIER_MIX)

    mix = np.array([_NEED_MIX[c] for c in _CODES], dtype=np.float64)
    category = rng.choice(len(_CODES), size=n, p=mix / mix.sum())
    code = np.array(_CODES)[category]
    elderly = np.isin(code, ("elder_help", "care"))
    young = np.isin(code, ("childcare", "schooling"))
    working = code == "job_support"
    age = rng.integers(10, 90, n)
    age[elderly] = rng.integers(60, 96, elderly.sum())
    age[young] = rng.integers(3, 18, young.sum())
    age[working] = rng.integers(18, 56, working.sum())
    disabled = rng.random(n) < np.where(code == "rehabilitation", 0.6, 0.12)
    grade = np.where(disabled, rng.choice([1, 2, 3, 4], size=n, p=[0.15, 0.25, 0.3, 0.3]), 0)
    orphan = young & (rng.random(n) < 0.04)
    severe = (grade >= 1) & (grade <= 2)
    tier = h_tier[household_of_need]
    protected = (tier == TIERS.index("tekun")) | orphan | severe
    severity = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.1, 0.25, 0.35, 0.2, 0.1])
    urgency = rng.choice(4, size=n, p=[0.6, 0.25, 0.1, 0.05])
    waiting = np.minimum(rng.exponential(30, n), 365).astype(np.int32)
    sex = np.where(rng.random(n) < 0.52, FEMALE, MALE)
    wants = np.where(rng.random(n) < 0.1, np.where(sex == FEMALE, FEMALE, MALE), 0)
    township = h_township[household_of_need]
    speaks_only = (geo.township_language[township] > 0) & (rng.random(n) < 0.25)
    languages = np.where(speaks_only, geo.township_language[township], 0)

    priority = (
        _TIER_POINTS[tier]
        + 30.0 * orphan
        + 25.0 * severe
        + 8.0 * (disabled & ~severe)
        + np.where(age >= 80, 10.0, np.where(age >= 60, 5.0, np.where(age < 16, 4.0, 0.0)))
        + 6.0 * severity
        + _URGENCY_POINTS[urgency]
        + np.minimum(waiting / 7.0, 20.0)
    )
    needs = Needs(
        id=np.arange(1, n + 1),
        household=household_of_need + 1,
        category=category,
        lat=h_lat[household_of_need],
        lon=h_lon[household_of_need],
        priority=np.round(priority, 2),
        severity=severity,
        urgency=urgency,
        waiting_days=waiting,
        tier=tier,
        protected=protected,
        age=age,
        sex=sex,
        wants_gender=wants,
        disability_grade=grade,
        region=_village_code(geo, township, h_village[household_of_need]),
        languages=languages,
    )
    return needs, township


def _providers(size: Size, geo: _Geography, rng):
    n_cat = len(_CODES)
    mix = np.array([_NEED_MIX[c] for c in _CODES], dtype=np.float64)
    townships = len(geo.township_lat)
    km = 1 / 111.0
    parts = []

    # Stations: one per township, biggest townships first when there are fewer stations.
    s = size.stations
    st_town = (
        np.argsort(-geo.township_weight, kind="stable")[:s]
        if s < townships
        else (np.arange(s) % townships)
    )
    station_of_township = np.full(townships, -1)
    station_of_township[st_town[::-1]] = np.arange(s)[::-1]
    skill = np.zeros((s, n_cat), dtype=np.float32)
    for row in range(s):
        chosen = _pick_categories(rng, n_cat, mix + 4, rng.integers(6, 11))
        skill[row, chosen] = rng.uniform(0.6, 1.0, len(chosen))
    total = rng.integers(20, 41, s)
    load = np.floor(total * rng.uniform(0.3, 0.9, s)).astype(int)
    area_ptr, area_code, area_digits = [0], [], []
    for row in range(s):
        codes = [geo.township_code[st_town[row]]]
        if rng.random() < 0.3:
            d = np.hypot(
                geo.township_lat - geo.township_lat[st_town[row]],
                geo.township_lon - geo.township_lon[st_town[row]],
            )
            d[st_town[row]] = np.inf
            codes.append(geo.township_code[int(np.argmin(d))])
        area_code += codes
        area_digits += [9] * len(codes)
        area_ptr.append(len(area_code))
    parts.append(
        dict(
            kind=np.zeros(s),
            skill=skill,
            lat=geo.township_lat[st_town],
            lon=geo.township_lon[st_town],
            radius_km=rng.uniform(8, 14, s),
            capacity=total - load,
            capacity_total=total,
            quality=rng.uniform(0.55, 0.95, s),
            languages=_MANDARIN | np.where(rng.random(s) < 0.6, geo.township_language[st_town], 0),
            area=(np.array(area_ptr), np.array(area_code), np.array(area_digits)),
            county=st_town // size.townships_per_county,
        )
    )

    # Volunteers: live in villages, a few km of travel, one to three skills.
    v = size.volunteers
    p = geo.township_weight / geo.township_weight.sum()
    v_town = rng.choice(townships, size=v, p=p)
    v_village = rng.integers(0, geo.villages, v)
    skill = np.zeros((v, n_cat), dtype=np.float32)
    k = rng.choice([1, 2, 3], size=v, p=[0.4, 0.4, 0.2])
    for row in range(v):
        chosen = _pick_categories(rng, n_cat, mix + 1, k[row])
        skill[row, chosen] = rng.uniform(0.3, 0.9, len(chosen))
    total = rng.choice([1, 2, 3], size=v, p=[0.3, 0.5, 0.2])
    rated = rng.random(v) < 0.7
    quality = np.where(rated, rng.uniform(0.4, 1.0, v), np.nan)
    referrals = rng.poisson(6, v)
    parts.append(
        dict(
            kind=np.ones(v),
            skill=skill,
            lat=geo.village_lat[v_town, v_village] + rng.normal(0, 1.5 * km, v),
            lon=geo.village_lon[v_town, v_village] + rng.normal(0, 1.5 * km, v),
            radius_km=np.clip(rng.lognormal(np.log(5), 0.5, v), 1, 20),
            capacity=total - rng.binomial(total, 0.3),
            capacity_total=total,
            quality=quality,
            gender=np.where(rng.random(v) < 0.55, FEMALE, MALE),
            serves_gender=rng.choice([0, FEMALE, MALE], size=v, p=[0.85, 0.1, 0.05]),
            languages=_MANDARIN | np.where(rng.random(v) < 0.5, geo.township_language[v_town], 0),
            past_referrals=referrals,
            past_completed=rng.binomial(referrals, np.nan_to_num(quality, nan=0.7) * 0.9),
            county=v_town // size.townships_per_county,
        )
    )

    # Charity offers: county-wide from the seat, often only for some tiers, ages or disabilities.
    o = size.offers
    o_county = np.arange(o) % size.counties
    offer_cats = [_CODES.index(c) for c in _OFFER_CATEGORIES]
    skill = np.zeros((o, n_cat), dtype=np.float32)
    min_age = np.zeros(o, dtype=int)
    max_age = np.full(o, AGE_UNLIMITED)
    for row in range(o):
        chosen = rng.choice(offer_cats, size=rng.integers(1, 3), replace=False)
        skill[row, chosen] = rng.uniform(0.5, 0.9, len(chosen))
        if skill[row, _CODES.index("schooling")] > 0 and rng.random() < 0.7:
            min_age[row], max_age[row] = 6, 18
        elif skill[row, _CODES.index("elder_help")] > 0 and rng.random() < 0.7:
            min_age[row] = 60
    tiers = rng.choice([0b000011, 0b001111, ALL_TIERS], size=o, p=[0.4, 0.3, 0.3])
    seat = geo.seat[o_county]
    parts.append(
        dict(
            kind=np.full(o, 2),
            skill=skill,
            lat=geo.township_lat[seat],
            lon=geo.township_lon[seat],
            radius_km=np.full(o, 100.0),
            capacity=rng.integers(5, 61, o),
            quality=rng.uniform(0.6, 0.9, o),
            tiers=tiers,
            min_age=min_age,
            max_age=max_age,
            disability_max_grade=np.where(rng.random(o) < 0.15, 2, 0),
            area=(np.arange(o + 1), geo.county_code[o_county], np.full(o, 6)),
            county=o_county,
        )
    )

    # Procured projects: a county (or a few townships) at a unit cost from a budget pool.
    q = size.projects
    q_county = np.arange(q) % size.counties
    project_cats = [_CODES.index(c) for c in _PROJECT_CATEGORIES]
    skill = np.zeros((q, n_cat), dtype=np.float32)
    area_ptr, area_code, area_digits = [0], [], []
    for row in range(q):
        chosen = rng.choice(project_cats, size=rng.integers(1, 4), replace=False)
        skill[row, chosen] = rng.uniform(0.7, 1.0, len(chosen))
        if rng.random() < 0.3:
            first = q_county[row] * size.townships_per_county
            towns = first + rng.choice(size.townships_per_county, rng.integers(3, 9), False)
            area_code += list(geo.township_code[towns])
            area_digits += [9] * len(towns)
        else:
            area_code.append(geo.county_code[q_county[row]])
            area_digits.append(6)
        area_ptr.append(len(area_code))
    seat = geo.seat[q_county]
    pool = q_county * size.pools_per_county + rng.integers(0, size.pools_per_county, q)
    parts.append(
        dict(
            kind=np.full(q, 3),
            skill=skill,
            lat=geo.township_lat[seat],
            lon=geo.township_lon[seat],
            radius_km=np.full(q, 100.0),
            capacity=rng.integers(20, 201, q),
            quality=rng.uniform(0.6, 0.95, q),
            unit_cost=rng.integers(300, 2501, q) * 100,
            pool=pool,
            area=(np.array(area_ptr), np.array(area_code), np.array(area_digits)),
            county=q_county,
        )
    )
    return (
        _concatenate(parts),
        np.concatenate([part["county"] for part in parts]),
        (station_of_township),
    )


def _concatenate(parts) -> Providers:
    m = sum(len(part["kind"]) for part in parts)
    columns = {}
    for name in Providers._COLUMNS:
        if name == "id":
            continue
        values = [part.get(name) for part in parts]
        if all(value is None for value in values):
            continue
        default = Providers._COLUMNS[name][1]
        filled = [
            np.full(
                len(part["kind"]), part.get("capacity") if name == "capacity_total" else default
            )
            if value is None
            else np.asarray(value)
            for part, value in zip(parts, values, strict=True)
        ]
        columns[name] = np.concatenate(filled)
    ptrs, codes, digits, offset = [np.zeros(1, dtype=np.int64)], [], [], 0
    for part in parts:
        count = len(part["kind"])
        ptr, code, digit = part.get("area") or (np.zeros(count + 1, int), np.zeros(0), np.zeros(0))
        ptrs.append(np.asarray(ptr[1:]) + offset)
        offset += int(ptr[-1])
        codes.append(np.asarray(code, dtype=np.int64))
        digits.append(np.asarray(digit, dtype=np.int8))
    return Providers(
        id=np.arange(1, m + 1),
        skill=np.concatenate([part["skill"] for part in parts]),
        area_ptr=np.concatenate(ptrs),
        area_code=np.concatenate(codes),
        area_digits=np.concatenate(digits),
        **columns,
    )


def _relations(needs, providers, household_township, station_of_township, rng) -> Needs:
    """Continuity (the household's current station) and past declines."""
    n = len(needs)
    station = station_of_township[household_township]
    has_station = station >= 0
    followed = rng.random(int(needs.household.max()) + 1) < 0.15  # per household
    current = np.where(has_station & followed[needs.household], providers.id[station], -1)
    declines = has_station & (current < 0) & (rng.random(n) < 0.04)
    counts = declines.astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    columns = {name: getattr(needs, name) for name in Needs._COLUMNS}
    columns["current_provider"] = current
    return Needs(**columns, declined_ptr=ptr, declined=providers.id[station[declines]])


def _budgets(size: Size, providers: Providers, rng) -> np.ndarray:
    """About a third of what each pool's projects could bill at full capacity: it binds."""
    n_pools = size.counties * size.pools_per_county
    projects = providers.pool >= 0
    full = np.bincount(
        providers.pool[projects],
        weights=(providers.unit_cost[projects] * providers.capacity[projects]).astype(float),
        minlength=n_pools,
    )
    share = rng.uniform(0.05, 0.12, n_pools)
    return (np.floor(full * share / 100) * 100).astype(np.int64)


_KIND_EFFECT = np.array([0.3, -0.2, 0.5, 0.2])
# The truth is one and the same for every instance: its category effects have a fixed seed.
_TRUTH_SEED = 12345


def make_outcomes(instance: Instance, n: int, random_state: int = 0):
    """Closed referrals of random candidate pairs, with outcomes drawn from a known truth.

    The truth favours short distances, skilled, well-rated and not overloaded providers, past
    success and continuity, and differs by provider kind and category, so a model has a real
    signal to learn (and unrated providers hide part of it).

    Returns
    -------
    X : ndarray of shape (n, len(FEATURES)), float32
    y : ndarray of shape (n,), int64
    """
    from matching.candidates import generate_candidates
    from matching.success import FEATURES, pair_features

    rng = np.random.default_rng(random_state)
    candidates = generate_candidates(instance.needs, instance.providers)
    if len(candidates) == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros(0, dtype=np.int64)
    pairs = rng.integers(0, len(candidates), n)
    need, provider = candidates.need[pairs], candidates.provider[pairs]
    X = pair_features(
        instance.needs, instance.providers, need, provider, candidates.distance_km[pairs]
    )
    column = {name: X[:, i].astype(np.float64) for i, name in enumerate(FEATURES)}
    category_effect = np.random.default_rng(_TRUTH_SEED).normal(0.0, 0.35, len(CATEGORIES))
    hidden_quality = np.where(column["quality_known"] > 0, column["quality"], 0.75)
    logit = (
        0.7
        - 0.10 * column["distance_km"]
        + 1.6 * (column["skill"] - 0.6)
        + 2.2 * (hidden_quality - 0.7)
        - 1.2 * column["load"]
        + 1.5 * (column["past_rate"] - 0.7)
        + 0.9 * column["continuity"]
        - 0.15 * (column["severity"] - 3)
        + _KIND_EFFECT[X[:, FEATURES.index("kind")].astype(int)]
        + category_effect[X[:, FEATURES.index("category")].astype(int)]
    )
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return X, y
