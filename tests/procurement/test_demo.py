import datetime as dt
import random
from collections import Counter

import pytest

from bangfu.accounts.models import Membership
from bangfu.demo.procurement import load_procurement_demo
from bangfu.procurement.models import (
    DeliveryRecord,
    Evaluation,
    Filing,
    LedgerEntry,
    ProcurementCap,
    Project,
)
from bangfu.regions.models import PolicyValue, Region
from bangfu.registry.models import ServiceCategory
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def yuanjiang_cap(county_a):
    """The county buys up to 5% of its aid-fund spending (003), as the demo's policy step sets."""
    PolicyValue.objects.create(
        key="procurement_cap_county_pct", region=county_a[0], year=2026, value="5"
    )


@pytest.fixture
def city_manager(county_a):
    """The manager of the city's bureau, which acknowledges the county's filings (备案)."""
    user = UserFactory(username="city_manager")
    bureau = OrganisationFactory(region=county_a[0].parent, name="玉溪市民政局")
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user


def test_the_demo_year_runs_through_the_services_and_keeps_the_cap(
    county_a, staff, manager, city_manager, agency
):
    county, town, village = county_a
    HouseholdFactory.create_batch(30, region=village)
    projects = load_procurement_demo(county, random.Random(7))

    assert len(projects) == 12
    statuses = Counter(Project.objects.values_list("status", flat=True))
    assert statuses == {"draft": 2, "submitted": 2, "approved": 2, "in_progress": 4, "closed": 2}
    # One cap for the county and its township: the township's purchase is counted in it.
    cap = ProcurementCap.objects.get()
    assert (cap.region, cap.year, cap.cap_pct) == (county, 2026, 5)
    assert 0 < cap.committed_total <= cap.cap_amount
    township = Project.objects.exclude(region=county).get()
    assert township.region == town and township.status in Project.COMMITTED_STATUSES
    assert LedgerEntry.objects.filter(project=township, cap=cap).exists()
    assert cap.paid_total > 0
    for project in Project.objects.filter(status__in=Project.COMMITTED_STATUSES):
        if project.needs_filing:
            assert project.filing.status == Filing.Status.ACKNOWLEDGED
            assert project.filing.answered_by == city_manager and project.filing.reference
            assert project.filing.documents.exists()
    assert Project.objects.filter(deliveries__household__isnull=False).exists()
    assert Evaluation.objects.count() >= 3


def test_projects_serve_the_townships_where_needs_wait_for_a_service_no_station_offers(
    county_a, staff, manager, city_manager, agency
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
