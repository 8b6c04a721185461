"""Open needs, one row each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.types.codes import (
    _REQUIRED,
    ANY,
    MAX_PRIORITY,
    REGION_DIGITS,
    TIERS,
    _check_coordinates,
    _check_sex,
    _check_times,
    _column,
    _csr,
    _take_csr,
    refuse,
)


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
