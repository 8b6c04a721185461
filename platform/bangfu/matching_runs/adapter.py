"""Loads the engine's arrays from the database with a handful of queries (never one per row).

Needs come from the registry; providers are the stations, volunteers, procured projects under
way and approved charity offers of the same county. Remaining capacity, past declines and the
household's current provider come from the referrals app, so they are always derived from
referrals and never a stored counter; a project's quota and budget from its deliveries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils import timezone

from bangfu.offers.selectors import offer_providers
from bangfu.procurement.models import Project
from bangfu.providers.models import Certificate, Station, Volunteer
from bangfu.referrals import selectors as referral_selectors
from bangfu.regions.models import Region
from bangfu.registry.models import (
    Member,
    Need,
    ServiceCategory,
    Tier,
    age_on,
    is_severe_disability,
)
from matching.types import (
    AGE_UNLIMITED,
    ALL_TIERS,
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
PROVIDER_DEFAULTS = {
    "serves_gender": ANY,
    "unit_cost": 0,
    "pool": -1,
    "tiers": ALL_TIERS,
    "min_age": 0,
    "max_age": AGE_UNLIMITED,
    "disability_max_grade": 0,
}
PROVIDER_COLUMNS = (
    "id",
    "kind",
    "lat",
    "lon",
    "radius_km",
    "capacity",
    "capacity_total",
    "quality",
    "past_referrals",
    "past_completed",
    *PROVIDER_DEFAULTS,
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
    budgets: np.ndarray  # fen left in each budget pool (``Providers.pool`` indexes it)


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
        severe = is_severe_disability(disability, grade)
        entry["protected"] |= bool(orphan or unsupported or severe)
        if grade:
            entry["grade"] = grade if not entry["grade"] else min(entry["grade"], grade)
        if relation == Member.Relation.HEAD or "age" not in entry:
            entry.update(age=age_on(born, today), sex=GENDER_CODES.get(sex, ANY))
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


class _ProviderTable:
    """Rows of the engine's Providers, appended kind by kind."""

    def __init__(self, categories: Categories):
        self.categories = categories
        self.columns = {name: [] for name in PROVIDER_COLUMNS}
        self.skills, self.area_ptr, self.area_code, self.area_digits = [], [0], [], []
        self.names: dict[int, str] = {}
        self.budgets: list[int] = []

    def add(
        self,
        *,
        key,
        name,
        offered,
        areas=(),
        lat,
        lon,
        radius_km,
        capacity,
        used=0,
        rating=None,
        outcomes=(0, 0),
        **columns,
    ):
        referred, completed = outcomes
        row = {
            "id": key,
            "kind": key % len(KINDS),
            "lat": float(lat or 0),
            "lon": float(lon or 0),
            "radius_km": float(radius_km),
            "capacity": max(capacity - used, 0),
            "capacity_total": capacity,
            "quality": float(rating) / 5 if rating is not None else np.nan,
            "past_referrals": referred,
            "past_completed": completed,
            **PROVIDER_DEFAULTS,
            **columns,
        }
        for name_, value in row.items():
            self.columns[name_].append(value)
        self.skills.append(self.categories.skill_row(offered))
        for code in sorted(set(areas)):
            self.area_code.append(int(code))
            self.area_digits.append(len(code))
        self.area_ptr.append(len(self.area_code))
        self.names[key] = name

    def add_pool(self, budget_fen: int) -> int:
        self.budgets.append(budget_fen)
        return len(self.budgets) - 1

    def build(self) -> Providers:
        n_categories = len(self.categories.ids)
        return Providers(
            **{name: np.asarray(values) for name, values in self.columns.items()},
            skill=np.vstack(self.skills) if self.skills else np.zeros((0, n_categories)),
            area_ptr=np.asarray(self.area_ptr),
            area_code=np.asarray(self.area_code, dtype=np.int64),
            area_digits=np.asarray(self.area_digits, dtype=np.int8),
        )


def _m2m(through, owner: str, target: str, owners) -> dict[int, list]:
    found = defaultdict(list)
    for owner_id, value in through.objects.filter(**{f"{owner}__in": owners}).values_list(
        f"{owner}_id", target
    ):
        found[owner_id].append(value)
    return found


def _add_stations(table, county, *, reach_km, open_cases, outcomes):
    stations = list(
        Station.objects.filter(
            is_accepting=True,
            organisation__is_active=True,
            organisation__region__path__startswith=county.path,
        )
        .select_related("organisation__region")
        .order_by("pk")
    )
    categories = _m2m(Station.categories.through, "station", "servicecategory_id", stations)
    areas = _m2m(Station.service_area.through, "station", "region__code", stations)
    for station in stations:
        township = station.organisation.region
        table.add(
            key=provider_key(STATION, station.pk),
            name=station.organisation.name,
            offered=dict.fromkeys(categories[station.pk], 1.0),
            areas=areas.get(station.pk) or [township.code],
            lat=township.latitude,
            lon=township.longitude,
            radius_km=reach_km,
            capacity=station.capacity,
            used=open_cases.get(("station", station.pk), 0),
            rating=station.quality_rating,
            outcomes=outcomes.get(("station", station.pk), (0, 0)),
        )


def _add_volunteers(table, county, *, open_cases, outcomes):
    volunteers = list(
        Volunteer.objects.filter(
            is_available=True, user__is_active=True, home_region__path__startswith=county.path
        )
        .select_related("user")
        .order_by("pk")
    )
    categories = _m2m(Volunteer.categories.through, "volunteer", "servicecategory_id", volunteers)
    by_code = table.categories.by_code
    for volunteer in volunteers:
        certified = {
            by_code[code]
            for certificate in volunteer.certificates
            for code in CERTIFICATE_CATEGORIES.get(certificate, ())
            if code in by_code
        }
        table.add(
            key=provider_key(VOLUNTEER, volunteer.pk),
            name=str(volunteer.user),
            offered={
                pk: CERTIFIED_SKILL if pk in certified else VOLUNTEER_SKILL
                for pk in categories[volunteer.pk]
            },
            lat=volunteer.latitude,
            lon=volunteer.longitude,
            radius_km=volunteer.travel_radius_km,
            capacity=volunteer.capacity,
            used=open_cases.get(("volunteer", volunteer.pk), 0),
            rating=volunteer.quality_rating,
            outcomes=outcomes.get(("volunteer", volunteer.pk), (0, 0)),
            serves_gender=GENDER_CODES.get(volunteer.serves_gender, ANY),
        )


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _add_projects(table, county, *, reach_km, outcomes, today):
    """Procured service-to-people projects under way: their quota left and its unit cost.

    The quota left is the target less the households served or referred to the project (the
    same count the agency's acceptance is checked against). Each project is paid from its own
    pool: the contract amount not yet delivered.
    """
    projects = list(
        Project.objects.filter(
            status=Project.Status.IN_PROGRESS,
            region__path__startswith=county.path,
            target_households__gt=0,
            starts_on__lte=today,
            ends_on__gte=today,
        )
        .select_related("region", "agency")
        .prefetch_related("lines__item", "deliveries", "service_area")
        .order_by("pk")
    )
    households = referral_selectors.project_households(
        [project.pk for project in projects], pending=True
    )
    for project in projects:
        offered = {
            line.item.category_id: 1.0
            for line in project.lines.all()
            if line.item.kind == ServiceCategory.Kind.SERVICE
        }
        if not offered:
            continue
        areas = [region.code for region in project.service_area.all()] or [project.region.code]
        centre = next((r for r in project.service_area.all() if r.latitude is not None), None)
        centre = centre or project.region
        budget = max(project.amount - project.delivered_value(), Decimal("0"))
        table.add(
            key=provider_key(PROJECT, project.pk),
            name=f"{project.name} · {project.agency.name}",
            offered=offered,
            areas=areas,
            lat=centre.latitude,
            lon=centre.longitude,
            radius_km=reach_km,
            capacity=project.target_households,
            used=len(households[project.pk]),
            outcomes=outcomes.get(("project", project.pk), (0, 0)),
            unit_cost=_fen(project.amount / project.target_households),
            pool=table.add_pool(_fen(budget)),
        )


def _add_offers(table, county):
    """Approved charity offers with households left, and their eligibility."""
    for offer in offer_providers(county):
        table.add(
            key=provider_key(OFFER, offer.pk),
            name=offer.name,
            offered=dict.fromkeys(offer.category_ids, 1.0),
            areas=offer.region_prefixes,
            lat=offer.lat,
            lon=offer.lon,
            radius_km=offer.radius_km,
            capacity=offer.remaining_households,
            tiers=offer.tier_mask,
            min_age=offer.min_age,
            max_age=offer.max_age,
            disability_max_grade=offer.disability_max_grade,
        )


def load_providers(
    region: Region, categories: Categories, *, reach_km: float, today: dt.date | None = None
) -> _ProviderTable:
    """Everyone who may serve the region's county on ``today`` (by default, now), with capacity
    derived from referrals."""
    county = county_of(region)
    open_cases = referral_selectors.open_case_counts()
    outcomes = referral_selectors.provider_outcomes()
    table = _ProviderTable(categories)
    _add_stations(table, county, reach_km=reach_km, open_cases=open_cases, outcomes=outcomes)
    _add_volunteers(table, county, open_cases=open_cases, outcomes=outcomes)
    _add_projects(
        table,
        county,
        reach_km=reach_km,
        outcomes=outcomes,
        today=today or timezone.localdate(),
    )
    _add_offers(table, county)
    return table


def load_instance(
    region: Region,
    *,
    reach_km: float = 60.0,
    need_ids=None,
    exclude=frozenset(),
    open_only: bool = True,
    today: dt.date | None = None,
) -> Instance:
    """The needs and providers of a region on ``today`` (by default, now); stations and projects
    reach ``reach_km`` at most."""
    categories = Categories()
    needs = load_needs(
        region,
        categories,
        need_ids=need_ids,
        exclude=exclude,
        open_only=open_only,
        today=today,
    )
    table = load_providers(region, categories, reach_km=reach_km, today=today)
    return Instance(
        region=region,
        needs=needs,
        providers=table.build(),
        provider_names=table.names,
        category_ids=categories.ids,
        budgets=np.asarray(table.budgets, dtype=np.int64),
    )
