"""The synthetic county: the service catalogue, the sizes, the geography (townships and their
villages in clustered boxes) and the needs of its households."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.types import FEMALE, MALE, TIERS, Needs

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
CODES = [code for code, _name in CATEGORIES]
NEED_MIX = {
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
_TIER_MIX = (0.08, 0.45, 0.15, 0.10, 0.07, 0.15)
_TIER_POINTS = np.array([40, 25, 15, 15, 10, 0], dtype=np.float64)
_URGENCY_POINTS = np.array([0, 5, 15, 30], dtype=np.float64)
_COUNTY_BOX_DEG = (0.60, 0.65)  # about 66 km × 66 km at 23.6° N
_ORIGIN = (22.0, 99.5)
MANDARIN = 1


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


def pick_categories(rng, pool, weights, k):
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(pool, size=k, replace=False, p=p / p.sum())


@dataclass(frozen=True, eq=False)
class Geography:
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


def geography(size: Size, rng) -> Geography:
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
    return Geography(lat, lon, weight, township_code, language, v_lat, v_lon, county_code, seat)


def village_code(geo, township, village):
    return geo.township_code[township] * 1000 + village + 1


def make_needs(size: Size, geo: Geography, rng):
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

    mix = np.array([NEED_MIX[c] for c in CODES], dtype=np.float64)
    category = rng.choice(len(CODES), size=n, p=mix / mix.sum())
    code = np.array(CODES)[category]
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
        region=village_code(geo, township, h_village[household_of_need]),
        languages=languages,
    )
    return needs, township


def add_relations(needs, providers, household_township, station_of_township, rng) -> Needs:
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
