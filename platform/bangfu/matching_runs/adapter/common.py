"""What the needs and providers loaders share: provider keys, service categories as columns of
the skill matrix, and the check of each row against what the engine refuses.

A station, volunteer or procured project is keyed by its ``Provider`` row's pk (the pk the
referrals name it by); a charity offer, which is no provider of referrals, by its own pk.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangfu.core.validators import validate_coordinates
from bangfu.providers.models import Certificate, Provider
from bangfu.registry.models import ServiceCategory
from matching.types import ANY, FEMALE, KINDS, MALE, REGION_DIGITS, provider_key

STATION, VOLUNTEER, OFFER, PROJECT = (
    KINDS.index(kind) for kind in ("station", "volunteer", "offer", "project")
)
KIND_NAMES = dict(enumerate(KINDS))

# Offering a parent service (照料护理) covers its sub-services (助餐, 助洁 …), less exactly.
PARENT_COVERS = 0.7
# Volunteers without a matching certificate are a little less skilled than professionals.
VOLUNTEER_SKILL, CERTIFIED_SKILL = 0.8, 1.0
CERTIFICATE_CATEGORIES = {
    Certificate.REHAB_THERAPIST: {"rehabilitation"},
    Certificate.NURSE: {"care", "elder-help", "hospital-escort", "medical-help"},
    Certificate.CARE_WORKER: {"care", "elder-help", "meal-help", "cleaning-help"},
    Certificate.COUNSELLOR: {"counselling"},
    Certificate.TEACHER: {"schooling-help", "childcare", "capacity-building"},
    Certificate.LAWYER: {"legal-aid"},
    Certificate.SOCIAL_WORKER: {"social-integration", "resource-linking", "care-visits"},
}
GENDER_CODES = {"any": ANY, "": ANY, "M": MALE, "F": FEMALE}


def key_of(kind: str, pk: int) -> int:
    """The engine's provider key of a (kind, primary key) pair."""
    return provider_key(KINDS.index(kind), pk)


def kind_and_pk(key: int) -> tuple[str, int]:
    """Inverse of :func:`key_of`."""
    return KIND_NAMES[key % len(KINDS)], key // len(KINDS)


def provider_keys(provider_ids) -> dict[int, int]:
    """The engine's keys of ``Provider`` rows, by their pk, in one query."""
    return {
        pk: key_of(kind, pk)
        for pk, kind in Provider.objects.filter(pk__in=set(provider_ids)).values_list("pk", "kind")
    }


class Categories:
    """Service categories as columns of the skill matrix."""

    def __init__(self):
        rows = list(
            ServiceCategory.objects.filter(kind=ServiceCategory.Kind.SERVICE)
            .order_by("pk")
            .values_list("pk", "code", "parent_id")
        )
        self.ids = [pk for pk, _code, _parent in rows]
        self.column = {pk: i for i, pk in enumerate(self.ids)}
        self.by_code = {code: pk for pk, code, _parent in rows}
        self.children = defaultdict(list)
        for pk, _code, parent in rows:
            if parent in self.column:
                self.children[parent].append(pk)

    def skill_row(self, offered: dict[int, float]) -> np.ndarray:
        """One provider's row: the categories it offers, and their sub-services at less."""
        row = np.zeros(len(self.ids), dtype=np.float32)
        for pk, skill in offered.items():
            for child in self.children.get(pk, ()):
                row[self.column[child]] = max(row[self.column[child]], skill * PARENT_COVERS)
        for pk, skill in offered.items():
            if pk in self.column:
                row[self.column[pk]] = max(row[self.column[pk]], skill)
        return row


# --- rows the engine would refuse --------------------------------------------------------------

REASONS = {
    "no_coordinates": _("No coordinates."),
    "coordinates": _("Coordinates out of range: latitude %(lat)s, longitude %(lon)s."),
    "priority": _("Priority %(value)s is not a number of zero or more."),
    "tier": _("Unknown tier “%(value)s”."),
    "urgency": _("Unknown urgency “%(value)s”."),
    "region_code": _("Region code “%(value)s” is not a number of up to 12 digits."),
    "radius": _("Reach %(value)s km is not a distance of zero or more."),
    "unit_cost": _("Cost per household %(value)s fen is negative."),
}
# (reason, the values its message shows), or None when the row is fine.
Problem = tuple[str, dict] | None


@dataclass(frozen=True)
class LeftOut:
    """A row the engine would refuse, left out of a run: whose it is, why, and where to fix it.

    ``reason`` is a key of ``REASONS`` (the message is made when shown, in the reader's
    language); ``fix`` and ``fix_pk`` name the object whose page corrects the row: "household",
    "need", "region" or a provider kind (``bangfu.matching_runs.views.FIX_PAGES``).
    """

    kind: str  # "need" or a provider kind
    pk: int
    label: str
    reason: str
    fix: str
    fix_pk: int
    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def coordinates_problem(lat, lon) -> Problem:
    if lat is None and lon is None:
        return "no_coordinates", {}
    try:
        validate_coordinates(lat, lon, None)
    except ValidationError:
        return "coordinates", {"lat": _shown(lat), "lon": _shown(lon)}
    return None


def not_negative_problem(reason: str, value) -> Problem:
    number = float(value)
    return None if math.isfinite(number) and number >= 0 else (reason, {"value": _shown(value)})


def choice_problem(reason: str, value: str, choices) -> Problem:
    return None if value in choices else (reason, {"value": value})


def region_code_problem(code: str) -> Problem:
    fits = code.isascii() and code.isdigit() and len(code) <= REGION_DIGITS
    return None if fits else ("region_code", {"value": code})


def _shown(value) -> str:
    return "—" if value is None else str(value)
