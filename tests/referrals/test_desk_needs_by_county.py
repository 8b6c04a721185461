"""The intake desk's list of needs not yet at the desk, read by the need's county: a county's
desk lists its own open needs without a live case, and on PostgreSQL reads them in the desk's
order from the index that begins with the county, checking each for a live case by the case's
unique index instead of hashing every live case of the province."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.referrals import selectors, services
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.selectors.intake import desk_need_rows
from bangfu.registry.models import Assessment, Household, Need, ServiceCategory
from tests.factories import (
    HouseholdFactory,
    NeedFactory,
    RegionFactory,
    UserFactory,
    bureau_staff_of,
    region_chain,
)

pytestmark = pytest.mark.django_db
DESK_URL = reverse("referrals:intake-list")


def listed(client, user) -> set[str]:
    """The registry numbers of the households whose needs the desk lists as not yet at it."""
    client.force_login(user)
    response = client.get(DESK_URL)
    assert response.status_code == 200
    return {row["household__registry_number"] for row in response.context["needs"]}


@pytest.fixture
def two_counties(place):
    """In county 530428: a need with no case, one with a live case, one whose case closed; in
    county 530427 (the same township and village codes after its own): a need with no case."""
    *_, other_village = region_chain("530427", "101", "201")
    needs = {}
    for number, village in (
        ("530428-0001", place["village"]),
        ("530428-0002", place["village"]),
        ("530428-0003", place["other_village"]),
        ("530427-0001", other_village),
    ):
        household = HouseholdFactory(region=village, registry_number=number)
        needs[number] = NeedFactory(household=household, urgency=Need.Urgency.URGENT)
    return needs


def test_a_countys_desk_lists_its_own_needs_with_no_live_case(client, place, two_counties, desk):
    services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=two_counties["530428-0002"])
    IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=place["other_village"],
        household=two_counties["530428-0003"].household,
        need=two_counties["530428-0003"],
        status=IntakeCase.Status.CLOSED,
        opened_by=desk,
        closed_at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
    )
    county = bureau_staff_of(place["county"], "county-desk")
    province = bureau_staff_of(place["county"].parent.parent, "province-desk")

    assert listed(client, county) == {"530428-0001", "530428-0003"}
    # The positive control: the province's desk names no county, and lists the other county's.
    assert listed(client, province) == {"530428-0001", "530428-0003", "530427-0001"}


def test_a_county_bureaus_first_needs_are_the_plain_lists_first(client, place, desk):
    county = bureau_staff_of(place["county"], "county-desk")
    for n in range(60):
        household = HouseholdFactory(region=place["village"], registry_number=f"530428-{n:04d}")
        NeedFactory(household=household, urgency=list(Need.Urgency)[n % 4], priority=n % 7)
    services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=Need.objects.first())
    plain = selectors.needs_awaiting_intake(county).values_list("pk", flat=True)[:50]

    assert [row["pk"] for row in desk_need_rows(county, 50)] == list(plain)


def test_a_need_whose_county_lags_its_move_is_not_shown_outside_its_area(client, place):
    # moved to another county behind the ORM's back: its county says 530428 until the repair
    *_, other_village = region_chain("530427", "101", "201")
    household = HouseholdFactory(region=place["village"], registry_number="530428-0009")
    need = NeedFactory(household=household)
    Household.objects.filter(pk=household.pk).update(region=other_village)
    county = bureau_staff_of(place["county"], "county-desk")

    assert listed(client, county) == set()
    # the positive control: the county's own first needs, read without the paths, hold it
    assert Need.objects.filter(county=place["county"], pk=need.pk).exists()


def test_a_townships_desk_lists_only_its_townships_needs(client, place, two_counties, desk):
    assert listed(client, desk) == {"530428-0001", "530428-0002"}


# --- PostgreSQL reads a county's first needs from the county's index ---------------------------

COUNTIES = [f"5304{n:02d}" for n in range(1, 13)]
NEEDS_PER_COUNTY = 600
# The county whose desk is read: thirty villages, as a real county has dozens, and five times
# the others' needs (a county's desk would otherwise be read fastest by sorting its few).
LAST_COUNTY_VILLAGES, LAST_COUNTY_NEEDS = 30, 3000


@pytest.fixture
def province_of_needs(db):
    """Twelve counties of open needs, the first tenth of the last county's (in the desk's
    order) at the desk, with planner statistics."""
    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    category = ServiceCategory.objects.get_or_create(
        code="care", defaults={"name": "照料护理", "kind": ServiceCategory.Kind.SERVICE}
    )[0]
    assessor = UserFactory(username="assessor")
    chains = [region_chain(code, "101", "201") for code in COUNTIES]
    *_, town, village = chains[-1]
    villages = [village] + [
        RegionFactory(code=f"{town.code}{n:03d}", level=village.level, parent=town)
        for n in range(202, 201 + LAST_COUNTY_VILLAGES)
    ]
    places = [[chain[-1]] * NEEDS_PER_COUNTY for chain in chains[:-1]]
    places.append([villages[n % len(villages)] for n in range(LAST_COUNTY_NEEDS)])
    households = Household.objects.bulk_create(
        Household(region=region, registry_number=f"{region.code[:6]}-{n:05d}", address="1号")
        for regions in places
        for n, region in enumerate(regions)
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(household=household, assessed_on=dt.date(2026, 10, 1), assessor=assessor)
        for household in households
    )
    urgencies = list(Need.Urgency)
    needs = Need.objects.bulk_create(
        Need(
            household=assessment.household,
            assessment=assessment,
            category=category,
            severity=3,
            urgency=urgencies[n % len(urgencies)],
            priority=n % 89,
            opened_on=dt.date(2026, 10, 1),
        )
        for n, assessment in enumerate(assessments)
    )
    last_county = chains[-1][2]
    first = sorted(
        (need for need in needs if need.county_id == last_county.pk),
        key=lambda need: (-urgencies.index(need.urgency), -need.priority, need.pk),
    )[: LAST_COUNTY_NEEDS // 10]
    IntakeCase.objects.bulk_create(
        IntakeCase(
            source=IntakeCase.Source.VISIT,
            region=need.household.region,
            household_id=need.household_id,
            need=need,
            opened_by=assessor,
        )
        for need in first
    )
    with connection.cursor() as cursor:
        for table in (
            "regions_region",
            "registry_household",
            "registry_need",
            "referrals_intakecase",
        ):
            cursor.execute(f"ANALYZE {table}")
    return chains


def _needs_query_plan(client, user) -> str:
    """The plan PostgreSQL ran for the desk's list of needs, with the rows each step read."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DESK_URL).status_code == 200
    (sql,) = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "registry_need"."id"') and "LIMIT 50" in query["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def sorted_rows(plan: str) -> list[int]:
    """The number of rows each Sort of ``plan`` sorted."""
    return [int(rows) for rows in re.findall(r"Sort .*actual rows=(\d+)", plan)]


@pytest.mark.postgres
def test_a_countys_desk_reads_its_first_needs_from_the_countys_index(client, province_of_needs):
    county = province_of_needs[-1][2]
    plan = _needs_query_plan(client, bureau_staff_of(county, "last-county"))

    assert "Index Scan using need_county_desk_order on registry_need" in plan, plan
    assert "Anti Join" in plan, plan
    assert not re.search(r"hashed SubPlan|Hash Anti Join", plan), plan
    # the page's 50, not the county's 2,700 needs not yet at the desk
    assert all(rows <= 50 for rows in sorted_rows(plan)), plan


@pytest.mark.postgres
def test_the_provinces_desk_names_no_county_and_reads_the_provinces_index(
    client, province_of_needs
):
    # The positive control of the one above: the same list for the province is not read from
    # the county's index.
    plan = _needs_query_plan(client, bureau_staff_of(province_of_needs[0][0], "province"))

    assert "need_county_desk_order" not in plan, plan
    assert "Index Scan using need_desk_order on registry_need" in plan, plan


def test_a_sort_of_the_whole_list_would_be_noticed():
    # The positive control of the bound on the rows sorted, on the plan 1m gave before.
    plan = "  ->  Sort  (cost=14444.57..14444.82 rows=103 width=80) (actual rows=10467 loops=1)"
    assert sorted_rows(plan) == [10467]
