"""On PostgreSQL the household list's first page is read from an index in the list's order: the
province's sorted by highest priority or by members, and a county's by registry number, whose
index begins with the county; no Sort of the whole table before the LIMIT."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.registry.models import Household
from tests.factories import (
    RegionFactory,
    bureau_staff_of,
    region_chain,
)

pytestmark = pytest.mark.postgres

LIST_URL = reverse("registry:household-list")
# Counties of one city (a province has over a hundred), numbered in code order; the last one,
# with twenty villages as a real county has dozens, is the one whose list is read.
COUNTIES = [f"5304{n:02d}" for n in range(1, 25)]
PER_COUNTY = 400


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")


@pytest.fixture
def province(db):
    """Twenty-four counties of 400 households each, with planner statistics: the last county's
    list, walking the registry numbers, would pass the others' 9,200 households first."""
    chains = [region_chain(code, "101", "201") for code in COUNTIES]
    province, _city, last_county, town, village = chains[-1]
    villages = [village] + [
        RegionFactory(code=f"{town.code}{n:03d}", level=village.level, parent=town)
        for n in range(202, 221)
    ]
    places = [(code, [chain[-1]]) for code, chain in zip(COUNTIES[:-1], chains, strict=False)]
    households = [
        Household(
            region=villages[n % len(villages)],
            registry_number=f"{code}-{n:05d}",
            address=f"{n}号",
            member_count=1 + n % 6,
            open_need_count=int(n % 4 == 0),
            top_open_priority=Decimal(n % 97) if n % 4 == 0 else None,
        )
        for code, villages in [*places, (COUNTIES[-1], villages)]
        for n in range(PER_COUNTY)
    ]
    Household.objects.bulk_create(households, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_household")
        cursor.execute("ANALYZE regions_region")
    return province, last_county


def _first_page_plan(client, user, params: dict) -> tuple[str, list]:
    """The plan of the query that reads the rows of the user's first page, and the page."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, params)
    assert response.status_code == 200
    (sql,) = [q["sql"] for q in queries.captured_queries if q["sql"].endswith("LIMIT 26")]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan, list(response.context["households"])


@pytest.mark.parametrize(
    ("sort", "index"),
    [("-priority", "household_priority_desc_pk"), ("-members", "household_members_desc_pk")],
)
def test_the_provinces_first_page_by_priority_or_members_reads_an_index(
    client, province, sort, index
):
    region, _county_a = province
    plan, rows = _first_page_plan(client, bureau_staff_of(region, "province"), {"sort": sort})

    assert f"Index Scan using {index} on registry_household" in plan, plan
    assert not re.search(r"\bSort\b", plan), plan
    assert len(rows) == 25
    if sort == "-priority":
        assert rows[0].top_open_priority == Decimal(96)
    else:
        assert rows[0].member_count == 6


def test_a_countys_first_page_seeks_its_county_in_the_number_index(client, province):
    _region, county_a = province
    plan, rows = _first_page_plan(client, bureau_staff_of(county_a, "county"), {})

    assert "Index Scan using household_county_number on registry_household" in plan, plan
    assert re.search(r"Index Cond: \(county_id = \d+\)", plan), plan
    assert not re.search(r"\bSort\b", plan), plan
    assert [row.registry_number for row in rows] == [f"{COUNTIES[-1]}-{n:05d}" for n in range(25)]
