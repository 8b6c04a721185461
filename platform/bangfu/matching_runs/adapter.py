"""Loads the engine's arrays from the database with a handful of queries (never one per row).

Needs come from the registry, providers from the stations, volunteers and procured projects of
the same county; remaining capacity, past declines and the household's current provider come from
the referrals app, so they are always derived from referrals and never a stored counter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import Q
from django.utils import timezone

from bangfu.providers.models import Certificate, Station, Volunteer
from bangfu.referrals import selectors as referral_selectors
from bangfu.regions.models import Region
from bangfu.registry.models import Member, Need, ServiceCategory, Tier
from matching.types import (
    ANY,
    FEMALE,
    KINDS,
    MALE,
    TIERS,
    URGENCIES,
    Needs,
    Providers,
    provider_key,
)

STATION, VOLUNTEER = KINDS.index("station"), KINDS.index("volunteer")
KIND_NAMES = {STATION: "station", VOLUNTEER: "volunteer"}

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
NEED_COLUMNS = (
    "id",
    "household",
    "category",
    "lat",
    "lon",
    "priority",
    "severity",
    "urgency",
    "waiting_days",
    "tier",
    "protected",
    "age",
    "sex",
    "disability_grade",
    "region",
    "current_provider",
)
PROVIDER_COLUMNS = (
    "id",
    "kind",
    "lat",
    "lon",
    "radius_km",
    "capacity",
    "capacity_total",
    "quality",
    "serves_gender",
    "past_referrals",
    "past_completed",
)


def key_of(kind: str, pk: int) -> int:
    """The engine's provider key of a (kind, primary key) pair."""
    return provider_key(KINDS.index(kind), pk)


def kind_and_pk(key: int) -> tuple[str, int]:
    """Inverse of :func:`key_of`."""
    return KIND_NAMES[key % len(KINDS)], key // len(KINDS)


@dataclass(frozen=True)
class Instance:
    """The arrays of one region, and what is needed to turn results back into rows."""

    region: Region
    needs: Needs
    providers: Providers
    provider_names: dict[int, str]
    category_ids: list[int]


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


def county_of(region: Region) -> Region:
    """The county a region belongs to; regions above county level stand for themselves."""
    if region.level <= Region.Level.COUNTY:
        return region
    return region.ancestors().get(level=Region.Level.COUNTY)


def _household_facts(household_ids, today: dt.date) -> dict[int, dict]:
    """Per household: protected (top tier), and the facts of the person served (the head)."""
    facts: dict[int, dict] = {}
    members = Member.objects.filter(household_id__in=household_ids).values_list(
        "household_id",
        "relation",
        "birth_date",
        "sex",
        "disability",
        "disability_grade",
        "is_orphan",
        "is_unsupported_child",
    )
    for household, relation, born, sex, disability, grade, orphan, unsupported in members:
        entry = facts.setdefault(household, {"protected": False, "grade": 0})
        severe = (
            disability != Member.Disability.NONE
            and grade is not None
            and (
                grade <= 2
                or (
                    grade == 3
                    and disability in {Member.Disability.INTELLECTUAL, Member.Disability.MENTAL}
                )
            )
        )
        entry["protected"] |= bool(orphan or unsupported or severe)
        if grade:
            entry["grade"] = grade if not entry["grade"] else min(entry["grade"], grade)
        if relation == Member.Relation.HEAD or "age" not in entry:
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            entry.update(age=age, sex=GENDER_CODES.get(sex, ANY))
    return facts


def load_needs(
    region: Region,
    categories: Categories,
    *,
    need_ids=None,
    exclude=frozenset(),
    today=None,
    open_only=True,
) -> Needs:
    """Needs of the region, open ones unless told otherwise; ``exclude`` adds providers
    (kind, pk) no need may go to."""
    today = today or timezone.localdate()
    queryset = (Need.objects.open() if open_only else Need.objects.all()).filter(
        household__region__path__startswith=region.path,
        category__kind=ServiceCategory.Kind.SERVICE,
    )
    if need_ids is not None:
        queryset = queryset.filter(pk__in=need_ids)
    rows = list(
        queryset.order_by("pk").values_list(
            "pk",
            "household_id",
            "category_id",
            "household__latitude",
            "household__longitude",
            "household__region__latitude",
            "household__region__longitude",
            "priority",
            "severity",
            "urgency",
            "opened_on",
            "household__tier",
            "household__region__code",
        )
    )
    household_ids = sorted({row[1] for row in rows})
    facts = _household_facts(household_ids, today)
    ids = [row[0] for row in rows]
    declined = referral_selectors.declined_pairs(ids)
    current = referral_selectors.current_providers(household_ids)
    declined_by_need = defaultdict(set)
    for need_id, (kind, pk) in declined:
        declined_by_need[need_id].add(key_of(kind, pk))
    excluded = {key_of(kind, pk) for kind, pk in exclude}

    columns = {name: [] for name in NEED_COLUMNS}
    declined_ptr, declined_keys = [0], []
    for (
        pk,
        household,
        category,
        lat,
        lon,
        v_lat,
        v_lon,
        priority,
        sev,
        urg,
        opened,
        tier,
        code,
    ) in rows:
        household_facts = facts.get(household, {})
        columns["id"].append(pk)
        columns["household"].append(household)
        columns["category"].append(categories.column[category])
        columns["lat"].append(float(lat if lat is not None else v_lat or 0))
        columns["lon"].append(float(lon if lon is not None else v_lon or 0))
        columns["priority"].append(float(priority))
        columns["severity"].append(sev)
        columns["urgency"].append(URGENCIES.index(urg))
        columns["waiting_days"].append(max((today - opened).days, 0))
        columns["tier"].append(TIERS.index(tier))
        columns["protected"].append(tier == Tier.TEKUN or household_facts.get("protected", False))
        columns["age"].append(household_facts.get("age", -1))
        columns["sex"].append(household_facts.get("sex", ANY))
        columns["disability_grade"].append(household_facts.get("grade", 0))
        columns["region"].append(int(code))
        keys = current.get(household, ())
        columns["current_provider"].append(next((key_of(*key) for key in sorted(keys)), -1))
        declined_keys.extend(sorted(declined_by_need.get(pk, set()) | excluded))
        declined_ptr.append(len(declined_keys))
    return Needs(
        **{name: np.asarray(values) for name, values in columns.items()},
        declined_ptr=np.asarray(declined_ptr),
        declined=np.asarray(declined_keys, dtype=np.int64),
    )


def load_providers(
    region: Region, categories: Categories, *, station_reach_km: float
) -> tuple[Providers, dict[int, str]]:
    """Stations and available volunteers of the region's county, with remaining capacity."""
    county = county_of(region)
    open_cases = referral_selectors.open_case_counts()
    outcomes = referral_selectors.provider_outcomes()
    columns = {name: [] for name in PROVIDER_COLUMNS}
    names: dict[int, str] = {}
    skills, area_ptr, area_code, area_digits = [], [0], [], []

    stations = list(
        Station.objects.filter(
            is_accepting=True,
            organisation__is_active=True,
            organisation__region__path__startswith=county.path,
        )
        .select_related("organisation__region")
        .order_by("pk")
    )
    station_categories = defaultdict(dict)
    for station_id, category_id in Station.categories.through.objects.filter(
        station__in=stations
    ).values_list("station_id", "servicecategory_id"):
        station_categories[station_id][category_id] = 1.0
    station_areas = defaultdict(list)
    for station_id, code in Station.service_area.through.objects.filter(
        station__in=stations
    ).values_list("station_id", "region__code"):
        station_areas[station_id].append(code)
    for station in stations:
        township = station.organisation.region
        areas = station_areas.get(station.pk) or [township.code]
        key = provider_key(STATION, station.pk)
        _append_provider(
            columns,
            key=key,
            kind=STATION,
            lat=township.latitude,
            lon=township.longitude,
            radius_km=station_reach_km,
            capacity=station.capacity,
            open_cases=open_cases.get(("station", station.pk), 0),
            rating=station.quality_rating,
            outcomes=outcomes.get(("station", station.pk), (0, 0)),
            serves_gender=ANY,
        )
        skills.append(categories.skill_row(station_categories[station.pk]))
        for code in sorted(set(areas)):
            area_code.append(int(code))
            area_digits.append(len(code))
        area_ptr.append(len(area_code))
        names[key] = station.organisation.name

    volunteers = list(
        Volunteer.objects.filter(
            Q(is_available=True),
            Q(user__is_active=True),
            home_region__path__startswith=county.path,
        )
        .select_related("user")
        .order_by("pk")
    )
    volunteer_categories = defaultdict(list)
    for volunteer_id, category_id in Volunteer.categories.through.objects.filter(
        volunteer__in=volunteers
    ).values_list("volunteer_id", "servicecategory_id"):
        volunteer_categories[volunteer_id].append(category_id)
    for volunteer in volunteers:
        certified = {
            categories.by_code[code]
            for certificate in volunteer.certificates
            for code in CERTIFICATE_CATEGORIES.get(certificate, ())
            if code in categories.by_code
        }
        offered = {
            pk: CERTIFIED_SKILL if pk in certified else VOLUNTEER_SKILL
            for pk in volunteer_categories[volunteer.pk]
        }
        key = provider_key(VOLUNTEER, volunteer.pk)
        _append_provider(
            columns,
            key=key,
            kind=VOLUNTEER,
            lat=volunteer.latitude,
            lon=volunteer.longitude,
            radius_km=float(volunteer.travel_radius_km),
            capacity=volunteer.capacity,
            open_cases=open_cases.get(("volunteer", volunteer.pk), 0),
            rating=volunteer.quality_rating,
            outcomes=outcomes.get(("volunteer", volunteer.pk), (0, 0)),
            serves_gender=GENDER_CODES.get(volunteer.serves_gender, ANY),
        )
        skills.append(categories.skill_row(offered))
        area_ptr.append(len(area_code))
        names[key] = str(volunteer.user)

    skill = np.vstack(skills) if skills else np.zeros((0, len(categories.ids)), dtype=np.float32)
    providers = Providers(
        **{name: np.asarray(values) for name, values in columns.items()},
        skill=skill,
        area_ptr=np.asarray(area_ptr),
        area_code=np.asarray(area_code, dtype=np.int64),
        area_digits=np.asarray(area_digits, dtype=np.int8),
    )
    return providers, names


def _append_provider(
    columns,
    *,
    key,
    kind,
    lat,
    lon,
    radius_km,
    capacity,
    open_cases,
    rating,
    outcomes,
    serves_gender,
):
    referred, completed = outcomes
    columns["id"].append(key)
    columns["kind"].append(kind)
    columns["lat"].append(float(lat or 0))
    columns["lon"].append(float(lon or 0))
    columns["radius_km"].append(radius_km)
    columns["capacity"].append(max(capacity - open_cases, 0))
    columns["capacity_total"].append(capacity)
    columns["quality"].append(float(rating) / 5 if rating is not None else np.nan)
    columns["past_referrals"].append(referred)
    columns["past_completed"].append(completed)
    columns["serves_gender"].append(serves_gender)


def load_instance(
    region: Region,
    *,
    station_reach_km: float = 60.0,
    need_ids=None,
    exclude=frozenset(),
    open_only: bool = True,
) -> Instance:
    categories = Categories()
    needs = load_needs(region, categories, need_ids=need_ids, exclude=exclude, open_only=open_only)
    providers, names = load_providers(region, categories, station_reach_km=station_reach_km)
    return Instance(
        region=region,
        needs=needs,
        providers=providers,
        provider_names=names,
        category_ids=categories.ids,
    )
