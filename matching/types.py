"""The inputs of the matching engine: needs and providers as columns of numpy arrays.

Rows are addressed by position (``0 .. n - 1``); ``id`` carries the database key through to
the output. Every column is validated and converted to its dtype once, on construction, so
the later steps index them without checks. Optional columns get a default that imposes no
constraint.

Codes used in the arrays
------------------------
tier
    Index into :data:`TIERS` (分层分类, most protected first).
kind
    Index into :data:`KINDS`.
urgency
    Index into :data:`URGENCIES`.
sex, gender, wants_gender, serves_gender
    ``ANY`` (0, also "unknown"), ``MALE`` (1), ``FEMALE`` (2).
languages
    Bit mask, one bit per language or dialect the adapter numbers (普通话, 哈尼语, 彝语 …);
    0 means "no constraint" on a need and "not recorded" on a provider; ``ALL_LANGUAGES`` on a
    provider that is not bound by language (a station's team sends someone who speaks it).
times
    Bit mask of the week's ``WEEK_SLOTS`` slots, one per day and part of the day: bit
    ``(day - 1) * len(DAY_PARTS) + part`` with Monday as day 1. 0 means "no preference" on a
    need and "any time" on a provider.
region, area_code
    GB/T 2260 codes as integers. A need's ``region`` is its village's 12-digit code; a
    provider's area is a list of region prefixes (``area_code`` with ``area_digits`` digits,
    e.g. 530428 with 6 for a county) and a need is inside it when its code starts with one.
money
    ``unit_cost`` and pool budgets are integers in fen (分), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIERS = ("tekun", "dibao", "marginal", "expenditure", "temporary", "none")
KINDS = ("station", "volunteer", "offer", "project")
URGENCIES = ("routine", "soon", "urgent", "emergency")
ANY, MALE, FEMALE = 0, 1, 2
ALL_TIERS = (1 << len(TIERS)) - 1
ALL_LANGUAGES = -1  # every bit set
DAY_PARTS = ("morning", "afternoon", "evening")
WEEK_SLOTS = 7 * len(DAY_PARTS)
ALL_TIMES = (1 << WEEK_SLOTS) - 1
REGION_DIGITS = 12
AGE_UNLIMITED = 200
EARTH_RADIUS_KM = 6371.0088


def provider_key(kind: int, pk: int) -> int:
    """A provider key unique across kinds: stations and volunteers have their own primary keys."""
    return int(pk) * len(KINDS) + int(kind)


def _column(value, dtype, n, name, default):
    if value is None:
        if default is _REQUIRED:
            raise ValueError(f"{name} is required")
        return np.full(n, default, dtype=dtype)
    array = np.ascontiguousarray(value, dtype=dtype)
    if array.ndim != 1 or array.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},), got {array.shape}")
    return array


_REQUIRED = object()


def _csr(ptr, values, n, name, dtype):
    if ptr is None and values is None:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=dtype)
    ptr = np.ascontiguousarray(ptr, dtype=np.int64)
    values = np.ascontiguousarray(values, dtype=dtype)
    if ptr.shape != (n + 1,) or ptr[0] != 0 or np.any(np.diff(ptr) < 0):
        raise ValueError(f"{name}_ptr must be a CSR pointer of length {n + 1}")
    if ptr[-1] != values.shape[0]:
        raise ValueError(f"{name}_ptr[-1] must equal len({name})")
    return ptr, values


def _take_csr(ptr, values, rows):
    counts = (ptr[1:] - ptr[:-1])[rows]
    new_ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_ptr[1:])
    starts = np.repeat(ptr[:-1][rows] - new_ptr[:-1], counts)
    return new_ptr, values[starts + np.arange(new_ptr[-1])]


def _check_coordinates(lat, lon, what):
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise ValueError(f"{what} need finite coordinates")
    if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
        raise ValueError(f"{what} coordinates out of range")


def _check_times(times, what):
    if np.any((times < 0) | (times > ALL_TIMES)):
        raise ValueError(f"{what} have times outside the week's {WEEK_SLOTS} slots")


def unit_vectors(lat, lon):
    """Points on the unit sphere.

    Parameters
    ----------
    lat, lon : ndarray of shape (n,)
        Degrees.

    Returns
    -------
    ndarray of shape (n, 3)
        Chord distances between these points are monotone in great-circle distance, so a
        Euclidean tree answers "within r km" exactly with :func:`chord_of_km`.
    """
    phi = np.radians(lat)
    lam = np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_of_km(km):
    """The chord on the unit sphere of a great-circle distance in km."""
    return 2.0 * np.sin(
        np.minimum(np.asarray(km, dtype=np.float64), np.pi * EARTH_RADIUS_KM)
        / (2.0 * EARTH_RADIUS_KM)
    )


def km_of_chord(chord, dtype=np.float64):
    """The great-circle distance in km of a chord (≥ 0) on the unit sphere."""
    half = np.asarray(chord, dtype=dtype) * dtype(0.5)
    np.minimum(half, dtype(1.0), out=half)
    np.arcsin(half, out=half)
    half *= dtype(2.0 * EARTH_RADIUS_KM)
    return half


@dataclass(frozen=True, eq=False)
class Needs:
    """Open needs, one row each.

    Parameters
    ----------
    id, household : array of shape (n,), int64
    category : array of shape (n,), int32
        Index of the service category (a column of ``Providers.skill``).
    lat, lon : array of shape (n,), float64
        Where the service is delivered (the household), in degrees.
    priority : array of shape (n,), float64
        The registry's priority (``Need.priority``), ≥ 0.
    severity : array of shape (n,), int8, default 3
        1 (mild) to 5 (critical).
    urgency : array of shape (n,), int8, default 0
    waiting_days : array of shape (n,), int32, default 0
    tier : array of shape (n,), int8, default ``TIERS.index("none")``
    protected : array of shape (n,), bool, default False
        The top tier the allocation must serve first: 特困, orphans and de-facto unsupported
        children, severely disabled people.
    age : array of shape (n,), int16, default -1 (unknown)
        Age of the person served; unknown fails any provider age restriction.
    sex, wants_gender : array of shape (n,), int8, default ``ANY``
    disability_grade : array of shape (n,), int8, default 0 (none); 1 (most severe) to 4
    region : array of shape (n,), int64, default 0 (unknown: outside every area)
    languages : array of shape (n,), int64, default 0 (no constraint)
    times : array of shape (n,), int32, default 0 (no preference)
        The slots of the week the household asked to be served in.
    current_provider : array of shape (n,), int64, default -1
        Key of the provider already serving the household (continuity), or -1.
    declined_ptr, declined : arrays of shape (n + 1,) and (d,), int64
        CSR lists of provider keys that declined the need before (hard exclusions).
    """

    id: np.ndarray
    household: np.ndarray
    category: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    priority: np.ndarray
    severity: np.ndarray = None
    urgency: np.ndarray = None
    waiting_days: np.ndarray = None
    tier: np.ndarray = None
    protected: np.ndarray = None
    age: np.ndarray = None
    sex: np.ndarray = None
    wants_gender: np.ndarray = None
    disability_grade: np.ndarray = None
    region: np.ndarray = None
    languages: np.ndarray = None
    times: np.ndarray = None
    current_provider: np.ndarray = None
    declined_ptr: np.ndarray = None
    declined: np.ndarray = None

    _COLUMNS = {
        "id": (np.int64, _REQUIRED),
        "household": (np.int64, _REQUIRED),
        "category": (np.int32, _REQUIRED),
        "lat": (np.float64, _REQUIRED),
        "lon": (np.float64, _REQUIRED),
        "priority": (np.float64, _REQUIRED),
        "severity": (np.int8, 3),
        "urgency": (np.int8, 0),
        "waiting_days": (np.int32, 0),
        "tier": (np.int8, TIERS.index("none")),
        "protected": (np.bool_, False),
        "age": (np.int16, -1),
        "sex": (np.int8, ANY),
        "wants_gender": (np.int8, ANY),
        "disability_grade": (np.int8, 0),
        "region": (np.int64, 0),
        "languages": (np.int64, 0),
        "times": (np.int32, 0),
        "current_provider": (np.int64, -1),
    }

    def __post_init__(self):
        n = np.shape(self.id)[0]
        for name, (dtype, default) in self._COLUMNS.items():
            object.__setattr__(self, name, _column(getattr(self, name), dtype, n, name, default))
        ptr, values = _csr(self.declined_ptr, self.declined, n, "declined", np.int64)
        object.__setattr__(self, "declined_ptr", ptr)
        object.__setattr__(self, "declined", values)
        _check_coordinates(self.lat, self.lon, "needs")
        if np.any(self.category < 0):
            raise ValueError("needs have a negative category")
        if not np.all(np.isfinite(self.priority)) or np.any(self.priority < 0):
            raise ValueError("priorities must be finite and non-negative")
        if np.any((self.tier < 0) | (self.tier >= len(TIERS))):
            raise ValueError("unknown tier code")
        _check_times(self.times, "needs")

    def __len__(self) -> int:
        return self.id.shape[0]

    def take(self, rows) -> Needs:
        """The needs at positions ``rows`` (array of int), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = {name: getattr(self, name)[rows] for name in self._COLUMNS}
        ptr, declined = _take_csr(self.declined_ptr, self.declined, rows)
        return Needs(**columns, declined_ptr=ptr, declined=declined)


@dataclass(frozen=True, eq=False)
class Providers:
    """Stations, volunteers, offers and projects, one row each.

    Parameters
    ----------
    id : array of shape (m,), int64
        Unique keys (see :func:`provider_key`).
    kind : array of shape (m,), int8
    skill : array of shape (m, c), float32
        How well each provider does each of the ``c`` service categories, in [0, 1]; 0 means
        "not offered".
    lat, lon : array of shape (m,), float64
    radius_km : array of shape (m,), float64
        Travel radius of a volunteer, reach of a station, project or offer.
    capacity : array of shape (m,), int32
        Cases it can still take now (remaining capacity).
    capacity_total : array of shape (m,), int32, default ``capacity``
    quality : array of shape (m,), float64, default NaN (not rated yet)
        In [0, 1] (a 0–5 rating divided by 5).
    unit_cost : array of shape (m,), int64, default 0
        Fen per case, for procured projects.
    pool : array of shape (m,), int32, default -1
        Budget pool the unit cost is paid from, or -1.
    gender, serves_gender : array of shape (m,), int8, default ``ANY``
    languages : array of shape (m,), int64, default 0
    times : array of shape (m,), int32, default 0 (any time)
        The slots of the week the provider is free in.
    tiers : array of shape (m,), int16, default ``ALL_TIERS``
        Bit mask of the tiers an offer is for.
    min_age, max_age : array of shape (m,), int16, default 0 and ``AGE_UNLIMITED``
    disability_max_grade : array of shape (m,), int8, default 0
        When > 0 the offer is only for people with a disability of grade 1 to this.
    area_ptr, area_code, area_digits : arrays of shape (m + 1,), (a,), (a,)
        CSR lists of region prefixes: a station's service area, an offer's eligible regions.
        An empty list means "anywhere within the radius".
    past_referrals, past_completed : array of shape (m,), int32, default 0
        Closed referrals and how many of them were completed (for the success model).
    """

    id: np.ndarray
    kind: np.ndarray
    skill: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    radius_km: np.ndarray
    capacity: np.ndarray
    capacity_total: np.ndarray = None
    quality: np.ndarray = None
    unit_cost: np.ndarray = None
    pool: np.ndarray = None
    gender: np.ndarray = None
    serves_gender: np.ndarray = None
    languages: np.ndarray = None
    times: np.ndarray = None
    tiers: np.ndarray = None
    min_age: np.ndarray = None
    max_age: np.ndarray = None
    disability_max_grade: np.ndarray = None
    area_ptr: np.ndarray = None
    area_code: np.ndarray = None
    area_digits: np.ndarray = None
    past_referrals: np.ndarray = None
    past_completed: np.ndarray = None

    _COLUMNS = {
        "id": (np.int64, _REQUIRED),
        "kind": (np.int8, _REQUIRED),
        "lat": (np.float64, _REQUIRED),
        "lon": (np.float64, _REQUIRED),
        "radius_km": (np.float64, _REQUIRED),
        "capacity": (np.int32, _REQUIRED),
        "capacity_total": (np.int32, None),
        "quality": (np.float64, np.nan),
        "unit_cost": (np.int64, 0),
        "pool": (np.int32, -1),
        "gender": (np.int8, ANY),
        "serves_gender": (np.int8, ANY),
        "languages": (np.int64, 0),
        "times": (np.int32, 0),
        "tiers": (np.int16, ALL_TIERS),
        "min_age": (np.int16, 0),
        "max_age": (np.int16, AGE_UNLIMITED),
        "disability_max_grade": (np.int8, 0),
        "past_referrals": (np.int32, 0),
        "past_completed": (np.int32, 0),
    }

    def __post_init__(self):
        m = np.shape(self.id)[0]
        if self.capacity_total is None:
            object.__setattr__(self, "capacity_total", self.capacity)
        for name, (dtype, default) in self._COLUMNS.items():
            object.__setattr__(self, name, _column(getattr(self, name), dtype, m, name, default))
        skill = np.ascontiguousarray(self.skill, dtype=np.float32)
        if skill.ndim != 2 or skill.shape[0] != m:
            raise ValueError(f"skill must have shape ({m}, n_categories), got {skill.shape}")
        object.__setattr__(self, "skill", skill)
        ptr, codes = _csr(self.area_ptr, self.area_code, m, "area", np.int64)
        digits = np.ascontiguousarray(
            self.area_digits if self.area_digits is not None else np.zeros(0), dtype=np.int8
        )
        if digits.shape != codes.shape:
            raise ValueError("area_digits must match area_code")
        if np.any((digits < 1) | (digits > REGION_DIGITS)):
            raise ValueError(f"area_digits must be 1 to {REGION_DIGITS}")
        object.__setattr__(self, "area_ptr", ptr)
        object.__setattr__(self, "area_code", codes)
        object.__setattr__(self, "area_digits", digits)
        _check_coordinates(self.lat, self.lon, "providers")
        if np.unique(self.id).shape[0] != m:
            raise ValueError("provider ids must be unique")
        if np.any((self.kind < 0) | (self.kind >= len(KINDS))):
            raise ValueError("unknown provider kind")
        if np.any(~np.isfinite(skill)) or np.any((skill < 0) | (skill > 1)):
            raise ValueError("skill must lie in [0, 1]")
        if np.any(self.capacity < 0) or np.any(self.capacity_total < 0):
            raise ValueError("capacities must be non-negative")
        if np.any(~(self.radius_km >= 0)):
            raise ValueError("radius_km must be non-negative")
        if np.any(self.unit_cost < 0):
            raise ValueError("unit_cost must be non-negative")
        _check_times(self.times, "providers")

    def __len__(self) -> int:
        return self.id.shape[0]

    @property
    def n_categories(self) -> int:
        return self.skill.shape[1]

    def take(self, rows) -> Providers:
        """The providers at positions ``rows`` (array of int), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = {name: getattr(self, name)[rows] for name in self._COLUMNS}
        ptr, codes = _take_csr(self.area_ptr, self.area_code, rows)
        _ptr, digits = _take_csr(self.area_ptr, self.area_digits, rows)
        return Providers(
            **columns,
            skill=self.skill[rows],
            area_ptr=ptr,
            area_code=codes,
            area_digits=digits,
        )

    def positions(self, keys) -> np.ndarray:
        """Positions of provider keys (array of int64); -1 where a key is not here."""
        keys = np.asarray(keys, dtype=np.int64)
        if len(self) == 0:
            return np.full(keys.shape, -1, dtype=np.int64)
        order = np.argsort(self.id, kind="stable")
        sorted_ids = self.id[order]
        at = np.minimum(np.searchsorted(sorted_ids, keys), len(sorted_ids) - 1)
        return np.where(sorted_ids[at] == keys, order[at], -1).astype(np.int64)
