"""Codes, limits and checks shared by the needs and the providers (see :mod:`matching.types`)."""

from __future__ import annotations

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
