"""PostgreSQL plans a statement it runs often once per connection, and each area's statements
are their own: a plan made for a village's few rows never serves a province's list."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from bangfu.regions.models import within
from bangfu.registry.models import Household
from tests.factories import HouseholdFactory, bureau_staff_of, region_chain

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="prepared statements are PostgreSQL's (CI's second stage)",
    ),
    pytest.mark.django_db,
]


def prepared_with(text: str) -> list[str]:
    """The statements prepared on this connection that contain ``text``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall() if text in statement]


def often() -> range:
    """Enough runs on one connection for psycopg to prepare a statement."""
    return range(settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] + 1)


def run_often(query) -> None:
    for _ in often():
        list(query.all())  # a new queryset each time: a queryset keeps the rows it read


@pytest.fixture
def two_counties():
    *_above, county, _town, village = region_chain("530428", "101", "201")
    *_above, other_county, _town, other_village = region_chain("530402", "001", "001")
    HouseholdFactory(region=village)
    HouseholdFactory(region=other_village)
    return county, other_county


def test_each_area_has_its_own_prepared_statement(two_counties):
    county, other_county = two_counties
    for area in (county, other_county):
        run_often(Household.objects.filter(within(area, "region")).values("pk"))
    mine, theirs = (prepared_with(f"LIKE '{area.path}%'") for area in two_counties)
    assert len(mine) == 1 and len(theirs) == 1
    assert mine != theirs


def test_control_a_parameter_area_shares_one_statement(two_counties):
    """What the literal area prevents: Django's prefix lookup prepares one statement, whose
    plan then serves every area."""
    for area in two_counties:
        run_often(Household.objects.filter(region__path__startswith=area.path).values("pk"))
    shared = prepared_with('"regions_region"."path"::text LIKE $1')
    assert len(shared) == 1


def test_a_page_read_often_is_planned_once(client, two_counties):
    """The household list of a county's bureau, opened again and again, is served from a
    statement prepared for its county, and its rows are the county's."""
    county = two_counties[0]
    client.force_login(bureau_staff_of(county, "bureau-530428"))
    for _ in often():
        page = client.get(reverse("registry:household-list"))
    assert page.status_code == 200
    assert page.context["page_obj"].count == 1
    assert prepared_with(f"LIKE '{county.path}%'")
