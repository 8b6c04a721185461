"""The engine's providers: stations, volunteers, procured projects under way and approved
charity offers of a county, with capacity derived from referrals and never a stored counter; a
project's quota and budget from its deliveries.

Stations, volunteers and projects are ``Provider`` rows: the engine keys them by the provider's
pk, and leaves out those suspended by staff or paused by themselves (``open_to_referrals``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.utils import timezone

from bangfu.matching_runs.adapter.availability import Languages, volunteer_times
from bangfu.matching_runs.adapter.common import (
    CERTIFICATE_CATEGORIES,
    CERTIFIED_SKILL,
    GENDER_CODES,
    OFFER,
    PROJECT,
    STATION,
    VOLUNTEER,
    VOLUNTEER_SKILL,
    Categories,
    LeftOut,
    coordinates_problem,
    kind_and_pk,
    not_negative_problem,
    region_code_problem,
)
from bangfu.offers.selectors import offer_providers
from bangfu.procurement.models import Project
from bangfu.providers.kinds import quota_households
from bangfu.providers.models import Provider, Station, Volunteer
from bangfu.providers.times import case_limit
from bangfu.referrals import selectors as referral_selectors
from bangfu.regions.models import Region, within
from bangfu.registry.models import ServiceCategory
from matching.types import (
    AGE_UNLIMITED,
    ALL_LANGUAGES,
    ALL_TIERS,
    ANY,
    KINDS,
    Providers,
    provider_key,
)

PROVIDER_DEFAULTS = {
    "serves_gender": ANY,
    "unit_cost": 0,
    "pool": -1,
    "tiers": ALL_TIERS,
    "min_age": 0,
    "max_age": AGE_UNLIMITED,
    "disability_max_grade": 0,
    # Only volunteers are bound by language and times (``availability``).
    "languages": ALL_LANGUAGES,
    "times": 0,
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


class _ProviderTable:
    """Rows of the engine's Providers, appended kind by kind; a row the engine would refuse is
    left out (``left_out``) instead."""

    def __init__(self, categories: Categories):
        self.categories = categories
        self.columns = {name: [] for name in PROVIDER_COLUMNS}
        self.skills, self.area_ptr, self.area_code, self.area_digits = [], [0], [], []
        self.names: dict[int, str] = {}
        self.budgets: list[int] = []
        self.left_out: list[LeftOut] = []

    def _refused(self, key, name, lat, lon, radius_km, areas, columns, located, fix) -> bool:
        """Record the row as left out if the engine would refuse it. ``fix`` names the row
        whose page corrects the provider (a station's own row, not its ``Provider``; by default
        the keyed row itself); ``located`` the object the coordinates come from (a station's
        township), when not that row."""
        kind, pk = kind_and_pk(key)
        fix = fix or (kind, pk)
        checks = (
            (coordinates_problem(lat, lon), located or fix),
            (not_negative_problem("radius", radius_km), fix),
            (not_negative_problem("unit_cost", columns.get("unit_cost", 0)), fix),
            *((region_code_problem(code), fix) for code in areas),
        )
        for problem, (fix, fix_pk) in checks:
            if problem is not None:
                reason, values = problem
                self.left_out.append(LeftOut(kind, pk, name, reason, fix, fix_pk, values))
                return True
        return False

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
        located=None,
        fix=None,
        **columns,
    ):
        if self._refused(key, name, lat, lon, radius_km, areas, columns, located, fix):
            return
        referred, completed = outcomes
        row = {
            "id": key,
            "kind": key % len(KINDS),
            "lat": float(lat),
            "lon": float(lon),
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
            within(county, "organisation__region"),
            provider__in=Provider.objects.open_to_referrals(),
            organisation__is_active=True,
        )
        .select_related("organisation__region", "provider")
        .order_by("pk")
    )
    categories = _m2m(Station.categories.through, "station", "servicecategory_id", stations)
    areas = _m2m(Station.service_area.through, "station", "region__code", stations)
    for station in stations:
        township, provider = station.organisation.region, station.provider
        table.add(
            key=provider_key(STATION, provider.pk),
            name=provider.name,
            offered=dict.fromkeys(categories[station.pk], 1.0),
            areas=areas.get(station.pk) or [township.code],
            lat=township.latitude,
            lon=township.longitude,
            located=("region", township.pk),
            fix=("station", station.pk),
            radius_km=reach_km,
            capacity=station.capacity,
            used=open_cases.get(provider.pk, 0),
            rating=provider.quality_rating,
            outcomes=outcomes.get(provider.pk, (0, 0)),
        )


def _add_volunteers(table, county, *, open_cases, outcomes, languages):
    volunteers = list(
        Volunteer.objects.filter(
            within(county, "home_region"),
            provider__in=Provider.objects.open_to_referrals(),
            user__is_active=True,
        )
        .select_related("provider")
        .order_by("pk")
    )
    categories = _m2m(Volunteer.categories.through, "volunteer", "servicecategory_id", volunteers)
    by_code = table.categories.by_code
    for volunteer in volunteers:
        provider = volunteer.provider
        certified = {
            by_code[code]
            for certificate in volunteer.certificates
            for code in CERTIFICATE_CATEGORIES.get(certificate, ())
            if code in by_code
        }
        table.add(
            key=provider_key(VOLUNTEER, provider.pk),
            name=provider.name,
            offered={
                pk: CERTIFIED_SKILL if pk in certified else VOLUNTEER_SKILL
                for pk in categories[volunteer.pk]
            },
            lat=volunteer.latitude,
            lon=volunteer.longitude,
            fix=("volunteer", volunteer.pk),
            radius_km=volunteer.travel_radius_km,
            capacity=case_limit(capacity=volunteer.capacity, weekly_hours=volunteer.weekly_hours),
            used=open_cases.get(provider.pk, 0),
            rating=provider.quality_rating,
            outcomes=outcomes.get(provider.pk, (0, 0)),
            serves_gender=GENDER_CODES.get(volunteer.serves_gender, ANY),
            languages=languages.mask(volunteer.languages),
            times=volunteer_times(volunteer.available_times),
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
            within(county, "region"),
            provider__in=Provider.objects.open_to_referrals(),
            status=Project.Status.IN_PROGRESS,
            target_households__gt=0,
            starts_on__lte=today,
            ends_on__gte=today,
        )
        .select_related("region", "agency", "provider")
        .prefetch_related("lines__item", "deliveries", "service_area")
        .order_by("pk")
    )
    households = quota_households([project.provider_id for project in projects], pending=True)
    for project in projects:
        offered = {
            line.item.category_id: 1.0
            for line in project.lines.all()
            if line.item.kind == ServiceCategory.Kind.SERVICE
        }
        if not offered:
            continue
        provider = project.provider
        areas = [region.code for region in project.service_area.all()] or [project.region.code]
        centre = next((r for r in project.service_area.all() if r.latitude is not None), None)
        centre = centre or project.region
        budget = max(project.amount - project.delivered_value(), Decimal("0"))
        table.add(
            key=provider_key(PROJECT, provider.pk),
            name=f"{project.name} · {project.agency.name}",
            offered=offered,
            areas=areas,
            lat=centre.latitude,
            lon=centre.longitude,
            located=("region", centre.pk),
            fix=("project", project.pk),
            radius_km=reach_km,
            capacity=project.target_households,
            used=len(households[provider.pk]),
            rating=provider.quality_rating,
            outcomes=outcomes.get(provider.pk, (0, 0)),
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
    region: Region,
    categories: Categories,
    *,
    reach_km: float,
    today: dt.date | None = None,
    languages: Languages | None = None,
) -> _ProviderTable:
    """Everyone who may serve the region's county on ``today`` (by default, now), with capacity
    derived from referrals."""
    county = region.county()
    open_cases = referral_selectors.open_case_counts()
    outcomes = referral_selectors.provider_outcomes()
    table = _ProviderTable(categories)
    _add_stations(table, county, reach_km=reach_km, open_cases=open_cases, outcomes=outcomes)
    _add_volunteers(
        table, county, open_cases=open_cases, outcomes=outcomes, languages=languages or Languages()
    )
    _add_projects(
        table,
        county,
        reach_km=reach_km,
        outcomes=outcomes,
        today=today or timezone.localdate(),
    )
    _add_offers(table, county)
    return table
