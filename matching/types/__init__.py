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

from matching.types.codes import (
    AGE_UNLIMITED,
    ALL_LANGUAGES,
    ALL_TIERS,
    ALL_TIMES,
    ANY,
    DAY_PARTS,
    EARTH_RADIUS_KM,
    FEMALE,
    KINDS,
    MALE,
    MAX_PRIORITY,
    POW10,
    REGION_DIGITS,
    TIERS,
    URGENCIES,
    WEEK_SLOTS,
    _column,
    chord_of_km,
    km_of_chord,
    provider_key,
    refuse,
    unit_vectors,
)
from matching.types.needs import Needs
from matching.types.providers import Providers, check_provider_rows

__all__ = [
    "AGE_UNLIMITED",
    "ALL_LANGUAGES",
    "ALL_TIERS",
    "ALL_TIMES",
    "ANY",
    "DAY_PARTS",
    "EARTH_RADIUS_KM",
    "FEMALE",
    "KINDS",
    "MALE",
    "MAX_PRIORITY",
    "POW10",
    "REGION_DIGITS",
    "TIERS",
    "URGENCIES",
    "WEEK_SLOTS",
    "Needs",
    "Providers",
    "_column",
    "check_provider_rows",
    "chord_of_km",
    "km_of_chord",
    "provider_key",
    "refuse",
    "unit_vectors",
]
