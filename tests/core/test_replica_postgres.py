"""A replica that holds other rows than the primary: the dashboard and the export show the
replica's, the household list the primary's.

Two PostgreSQL databases: the primary's test database and a copy of it taken in the middle of
the test (``snapshot``), after which the primary moves on, as a replica that lags does.
"""

import io

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.core.db_router import REPLICA
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.services import intake_open
from tests.core.replica import _django_db_marker  # noqa: F401 (autouse fixture)
from tests.factories import HouseholdFactory, NeedFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="two databases of a PostgreSQL server (CI's second stage)",
    ),
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPLICA]
    ),
]


@pytest.fixture(scope="module", autouse=True)
def _replica(django_db_setup, django_db_blocker):
    """The replica's alias, on a database of its own next to the primary's test database; it
    exists from the start, as pytest-django empties every database of a test at its end."""
    primary = connections.settings[DEFAULT_DB_ALIAS]
    name = f"{primary['NAME']}_replica"
    connections.settings[REPLICA] = {**primary, "NAME": name, "TEST": {**primary["TEST"]}}
    with django_db_blocker.unblock():
        snapshot()
    yield
    connections.close_all()
    with django_db_blocker.unblock(), connections[DEFAULT_DB_ALIAS]._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    del connections[REPLICA]
    del connections.settings[REPLICA]


def snapshot() -> None:
    """Make the replica a copy of the primary as it is now (its committed rows)."""
    primary = connections.settings[DEFAULT_DB_ALIAS]["NAME"]
    replica = connections.settings[REPLICA]["NAME"]
    connections.close_all()  # a database is copied only while no one is connected to it
    with connections[DEFAULT_DB_ALIAS]._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{replica}"')
        cursor.execute(f'CREATE DATABASE "{replica}" TEMPLATE "{primary}"')


def waiting_case(village, by, number: str) -> None:
    household = HouseholdFactory(region=village, registry_number=number)
    intake_open(by=by, source=IntakeCase.Source.VISIT, need=NeedFactory(household=household))


def test_the_dashboard_and_the_export_show_the_replica_and_the_household_list_the_primary(
    client, county_a, bureau_staff
):
    _county, _town, village = county_a
    waiting_case(village, bureau_staff, "530428-0001")
    waiting_case(village, bureau_staff, "530428-0002")
    snapshot()
    waiting_case(village, bureau_staff, "530428-0003")  # on the primary alone
    client.force_login(bureau_staff)

    dashboard = client.get(reverse("referrals:dashboard"))
    export = client.get(reverse("registry:household-export"))
    households = client.get(reverse("registry:household-list"))

    assert dashboard.status_code == 200 and dashboard.context["data"].waiting_at_intake == 2
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert len(list(book.active.iter_rows(min_row=3))) == 2  # below the stamp and the header
    # positive control: a page that is not marked reads the primary, which has the third
    assert households.status_code == 200 and "530428-0003" in households.content.decode()
    assert "530428-0003" not in dashboard.content.decode()
