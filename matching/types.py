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
POW10 = 10 ** np.arange(REGION_DIGITS + 1, dtype=np.int64)
# The registry's priorities are points in the hundreds (``Need.priority`` holds at most
# 99,999.99). One beyond this is a data error (1e11 once ended in the solver's BAD_COST_RANGE);
# the allocation scales values relative to the largest, so next to it every other need would
# round to nothing.
MAX_PRIORITY = 1e9
AGE_UNLIMITED = 200
EARTH_RADIUS_KM = 6371.0088


def provider_key(kind: int, pk: int) -> int:
    """A provider key unique across kinds: stations and volunteers have their own primary keys."""
    return int(pk) * len(KINDS) + int(kind)


def refuse(what: str, name: str, bad, values, why: str, first: int = 0) -> None:
    """Raise a ValueError naming the column and its first offending row, when ``bad`` has one.

    Parameters
    ----------
    what : str
        The table ("needs", "providers").
    name : str
        The column.
    bad : ndarray of shape (n,), bool
    values : ndarray of shape (n,)
        The column, to show the offending value.
    why : str
        What the value must be.
    first : int
        Row number of ``values[0]`` (when checking a slice of the table).
    """
    if bad.any():
        rows = np.flatnonzero(bad)
        i = int(rows[0])
        more = f" ({rows.size - 1} more rows too)" if rows.size > 1 else ""
        value = np.asarray(values)[i]
        raise ValueError(f"{what}.{name}[{i + first}] = {value.item()!r}: {why}{more}")


def _column(value, dtype, n, name, default, what, first=0):
    if value is None:
        if default is _REQUIRED:
            raise ValueError(f"{name} is required")
        return np.full(n, default, dtype=dtype)
    raw = np.asarray(value)
    if (
        raw.dtype != dtype
        and np.issubdtype(dtype, np.integer)
        and raw.dtype.kind in "iuf"
        and raw.size
        and not np.can_cast(raw.dtype, dtype)
    ):
        # Checked before the conversion, which would wrap 2**32 into an int32 0 silently.
        info = np.iinfo(dtype)
        whole = raw if raw.dtype.kind != "f" else np.where(np.isfinite(raw), raw, 0.5)
        refuse(
            what,
            name,
            ~((raw >= info.min) & (raw <= info.max) & (np.floor(whole) == whole)),
            raw.ravel() if raw.ndim else raw.reshape(1),
            f"must be a whole number from {info.min} to {info.max}",
            first,
        )
    array = np.ascontiguousarray(raw, dtype=dtype)
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


def _check_coordinates(lat, lon, what, first=0):
    why = "must be a finite latitude in [-90, 90]"
    refuse(what, "lat", ~(np.abs(lat) <= 90), lat, why, first)
    why = "must be a finite longitude in [-180, 180]"
    refuse(what, "lon", ~(np.abs(lon) <= 180), lon, why, first)


def _check_times(times, what, first=0):
    refuse(
        what,
        "times",
        (times < 0) | (times > ALL_TIMES),
        times,
        f"has times outside the week's {WEEK_SLOTS} slots",
        first,
    )


def _check_sex(codes, what, name, first=0):
    why = "must be 0 (any), 1 or 2"
    refuse(what, name, (codes < ANY) | (codes > FEMALE), codes, why, first)


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
            object.__setattr__(
                self, name, _column(getattr(self, name), dtype, n, name, default, "needs")
            )
        ptr, values = _csr(self.declined_ptr, self.declined, n, "declined", np.int64)
        object.__setattr__(self, "declined_ptr", ptr)
        object.__setattr__(self, "declined", values)
        _check_coordinates(self.lat, self.lon, "needs")
        refuse("needs", "category", self.category < 0, self.category, "must be a category index")
        refuse(
            "needs",
            "priority",
            ~((self.priority >= 0) & (self.priority <= MAX_PRIORITY)),
            self.priority,
            f"must be a number from 0 to {MAX_PRIORITY:g}",
        )
        refuse(
            "needs",
            "tier",
            (self.tier < 0) | (self.tier >= len(TIERS)),
            self.tier,
            "unknown tier code",
        )
        _check_times(self.times, "needs")
        _check_sex(self.sex, "needs", "sex")
        _check_sex(self.wants_gender, "needs", "wants_gender")
        refuse(
            "needs",
            "region",
            (self.region < 0) | (self.region >= 10**REGION_DIGITS),
            self.region,
            f"must be 0 (unknown) or a GB/T 2260 code of up to {REGION_DIGITS} digits",
        )

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
            object.__setattr__(
                self, name, _column(getattr(self, name), dtype, m, name, default, "providers")
            )
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
        refuse(
            "providers",
            "area_digits",
            (digits < 1) | (digits > REGION_DIGITS),
            digits,
            f"must be 1 to {REGION_DIGITS}",
        )
        # A prefix of d digits lies in [10^(d-1), 10^d): 530428 with 9 digits would be the
        # prefix "000530428", which no GB/T 2260 code has, and match no need at all.
        width = POW10[np.clip(digits, 1, REGION_DIGITS)]
        refuse(
            "providers",
            "area_code",
            (codes < width // 10) | (codes >= width),
            codes,
            "must have exactly the number of digits area_digits gives",
        )
        object.__setattr__(self, "area_ptr", ptr)
        object.__setattr__(self, "area_code", codes)
        object.__setattr__(self, "area_digits", digits)
        if np.unique(self.id).shape[0] != m:
            raise ValueError("provider ids must be unique")
        check_provider_rows({name: getattr(self, name) for name in (*self._COLUMNS, "skill")})

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


def check_provider_rows(rows: dict, first: int = 0) -> None:
    """Refuse provider values the engine cannot use, naming the column and the row.

    The one check of a provider's values: :class:`Providers` runs it on construction and
    :meth:`matching.index.CandidateIndex.update_provider` on an updated row before storing it.

    Parameters
    ----------
    rows : dict of str to ndarray
        Every column of ``Providers._COLUMNS`` and ``skill``, already of their dtypes, for
        consecutive rows.
    first : int
        Table position of the first row (for the messages).
    """
    what = "providers"
    _check_coordinates(rows["lat"], rows["lon"], what, first)
    kind = rows["kind"]
    refuse(what, "kind", (kind < 0) | (kind >= len(KINDS)), kind, "unknown provider kind", first)
    skill = rows["skill"]
    bad = ~np.all(np.isfinite(skill) & (skill >= 0) & (skill <= 1), axis=1)
    if bad.any():
        raise ValueError(
            f"providers.skill[{int(np.flatnonzero(bad)[0]) + first}]: must lie in [0, 1]"
        )
    capacity = rows["capacity"]
    refuse(what, "capacity", capacity < 0, capacity, "must be non-negative", first)
    refuse(
        what,
        "capacity",
        capacity > rows["capacity_total"],
        capacity,
        "the capacity left must not exceed capacity_total",
        first,
    )
    radius = rows["radius_km"]
    refuse(
        what,
        "radius_km",
        ~(np.isfinite(radius) & (radius >= 0)),
        radius,
        "must be a finite distance of zero or more",
        first,
    )
    quality = rows["quality"]
    refuse(
        what,
        "quality",
        (quality < 0) | (quality > 1),  # NaN: not rated yet
        quality,
        "must lie in [0, 1] (a 0–5 rating divided by 5), or NaN when not rated",
        first,
    )
    unit_cost, pool = rows["unit_cost"], rows["pool"]
    refuse(what, "unit_cost", unit_cost < 0, unit_cost, "must be non-negative", first)
    refuse(what, "pool", pool < -1, pool, "must be a pool index or -1", first)
    refuse(
        what,
        "pool",
        (unit_cost > 0) & (pool < 0),
        pool,
        "a provider with a unit cost must be paid from a pool",
        first,
    )
    _check_times(rows["times"], what, first)
    _check_sex(rows["gender"], what, "gender", first)
    _check_sex(rows["serves_gender"], what, "serves_gender", first)
