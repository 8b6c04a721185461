import datetime as dt
import random
from collections import Counter

import pytest

from bangfu.demo.procurement import load_procurement_demo
from bangfu.procurement.models import (
    DeliveryRecord,
    Evaluation,
    LedgerEntry,
    ProcurementCap,
    Project,
)
from bangfu.regions.models import Region
from bangfu.registry.models import ServiceCategory
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    RegionFactory,
    StationFactory,
)

pytestmark = pytest.mark.django_db


def test_the_demo_year_runs_through_the_services_and_keeps_the_cap(
    county_a, staff, manager, agency
):
    county, _town, village = county_a
    HouseholdFactory.create_batch(30, region=village)
    projects = load_procurement_demo(county, random.Random(7))

    assert len(projects) == 12
    statuses = Counter(Project.objects.values_list("status", flat=True))
    assert statuses == {"draft": 2, "submitted": 2, "approved": 2, "in_progress": 4, "closed": 2}
    cap = ProcurementCap.objects.get(region=county, year=2026)
    assert 0 < cap.committed_total <= cap.cap_amount
    assert cap.paid_total > 0
    for project in Project.objects.filter(status__in=Project.COMMITTED_STATUSES):
        if project.needs_filing:
            assert project.filing.reference
    assert Project.objects.filter(deliveries__household__isnull=False).exists()
    assert Evaluation.objects.count() >= 3


def test_projects_serve_the_townships_where_needs_wait_for_a_service_no_station_offers(
    county_a, staff, manager, agency
):
    # given two townships whose stations offer rehabilitation, one of them without households
    # waiting for it, and a third whose station does not offer it: two households wait there
    county, town, _village = county_a
    rehabilitation = ServiceCategory.objects.get(code="rehabilitation")
    towns = [town]
    for code in ("102", "103"):
        towns.append(
            RegionFactory(code=f"530428{code}", level=Region.Level.TOWNSHIP, parent=county)
        )
        RegionFactory(code=f"530428{code}201", level=Region.Level.VILLAGE, parent=towns[-1])
    for station_town in towns[:2]:
        StationFactory(organisation__region=station_town, categories=[rehabilitation])
    StationFactory(organisation__region=towns[2])
    for waiting_town in (towns[0], towns[2], towns[2]):
        household = HouseholdFactory(region=waiting_town.children.get())
        MemberFactory(household=household)
        NeedFactory(household=household, category=rehabilitation)
    as_of = dt.date(2026, 10, 31)

    load_procurement_demo(county, random.Random(7), as_of=as_of)

    # then the rehabilitation project serves the third township, and its deliveries go there
    project = Project.objects.get(name="重度残疾人康复训练")
    assert list(project.service_area.all()) == [towns[2]]
    served = project.deliveries.exclude(household=None)
    assert served.exists()
    assert set(served.values_list("household__region__parent", flat=True)) == {towns[2].pk}
    # and nothing is dated after the demo's as-of date
    assert not DeliveryRecord.objects.filter(delivered_on__gt=as_of).exists()
    assert not LedgerEntry.objects.filter(booked_on__gt=as_of).exists()
    assert not Evaluation.objects.filter(evaluated_on__gt=as_of).exists()


def test_the_demo_needs_the_county_bureau_first(county_a, agency):
    with pytest.raises(LookupError, match="bureau"):
        load_procurement_demo(county_a[0], random.Random(7))
