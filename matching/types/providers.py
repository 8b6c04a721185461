"""Providers, one row each, and the one check of their values."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.types.codes import (
    _REQUIRED,
    AGE_UNLIMITED,
    ALL_TIERS,
    ANY,
    KINDS,
    POW10,
    REGION_DIGITS,
    _check_coordinates,
    _check_sex,
    _check_times,
    _column,
    _csr,
    _take_csr,
    refuse,
)


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
