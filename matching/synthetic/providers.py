"""The providers of a synthetic county, in the mix a county has: stations, volunteers, charity
offers and procured projects (with the budget pools that pay the projects)."""

from __future__ import annotations

import numpy as np

from matching.synthetic.county import CODES, MANDARIN, NEED_MIX, Geography, Size, pick_categories
from matching.types import AGE_UNLIMITED, ALL_TIERS, FEMALE, MALE, Providers

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


def make_providers(size: Size, geo: Geography, rng):
    n_cat = len(CODES)
    mix = np.array([NEED_MIX[c] for c in CODES], dtype=np.float64)
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
        chosen = pick_categories(rng, n_cat, mix + 4, rng.integers(6, 11))
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
            languages=MANDARIN | np.where(rng.random(s) < 0.6, geo.township_language[st_town], 0),
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
        chosen = pick_categories(rng, n_cat, mix + 1, k[row])
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
            languages=MANDARIN | np.where(rng.random(v) < 0.5, geo.township_language[v_town], 0),
            past_referrals=referrals,
            past_completed=rng.binomial(referrals, np.nan_to_num(quality, nan=0.7) * 0.9),
            county=v_town // size.townships_per_county,
        )
    )

    # Charity offers: county-wide from the seat, often only for some tiers, ages or disabilities.
    o = size.offers
    o_county = np.arange(o) % size.counties
    offer_cats = [CODES.index(c) for c in _OFFER_CATEGORIES]
    skill = np.zeros((o, n_cat), dtype=np.float32)
    min_age = np.zeros(o, dtype=int)
    max_age = np.full(o, AGE_UNLIMITED)
    for row in range(o):
        chosen = rng.choice(offer_cats, size=rng.integers(1, 3), replace=False)
        skill[row, chosen] = rng.uniform(0.5, 0.9, len(chosen))
        if skill[row, CODES.index("schooling")] > 0 and rng.random() < 0.7:
            min_age[row], max_age[row] = 6, 18
        elif skill[row, CODES.index("elder_help")] > 0 and rng.random() < 0.7:
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
    project_cats = [CODES.index(c) for c in _PROJECT_CATEGORIES]
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


def make_budgets(size: Size, providers: Providers, rng) -> np.ndarray:
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
