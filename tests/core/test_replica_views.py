"""Dashboards and exports read the replica; what they write (audit entries, a job's progress)
goes to the primary, and so do the reads of every other page.

The replica is the primary's test database under a second alias, as ``DATABASE_REPLICA_URL``
sets it up (``TEST["MIRROR"]``): Django opens a connection of its own to it, so the queries of
each alias can be told apart. The tests commit their rows (``committed``, a transactional test
with the migrations' seed data restored): in a plain (``TestCase``) test every query runs inside
the test's transaction, where the router keeps reads on the primary, and the mirror's own
connection would not see the test's rows, which are never committed.
"""

import contextlib
import io

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.db_router import REPLICA, replica_view, use_replica
from bangfu.core.models import BackgroundJob
from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Household
from tests.core.replica import _django_db_marker  # noqa: F401 (autouse fixture)
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPLICA]
)

HOUSEHOLDS = '"registry_household"'
AUDIT = '"auditlog_logentry"'
MEMBERSHIPS = '"accounts_membership"'
JOBS = '"core_backgroundjob"'
PURPOSE = "年度复核入户核对，红光村"


@pytest.fixture(scope="module", autouse=True)
def _replica(django_db_setup):
    """The replica's alias, a mirror of the primary's test database (added once the test
    databases exist: a mirror is not a database of its own to create or to flush)."""
    primary = connections.settings[DEFAULT_DB_ALIAS]
    connections.settings[REPLICA] = {
        **primary,
        "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    }
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@contextlib.contextmanager
def queries():
    """The statements sent to the primary and to the replica inside the block."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield primary, replica


def reads(captured, table: str) -> int:
    """Reads of ``table``: a SELECT, or the server-side cursor of a QuerySet.iterator()."""
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].split(" ", 1)[0] in {"SELECT", "DECLARE"} and table in query["sql"]
    )


def writes(captured, table: str = "") -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].split(" ", 1)[0] in {"INSERT", "UPDATE", "DELETE"} and table in query["sql"]
    )


def read_on_the_replica(primary, replica, table: str) -> None:
    assert reads(replica, table) and not reads(primary, table)
    assert not writes(replica)  # nothing is ever written there
    # Who may see what comes from the primary: a role taken away shows at once.
    assert reads(primary, MEMBERSHIPS) and not reads(replica, MEMBERSHIPS)


@pytest.fixture
def manager(county_a):
    county, _town, village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    user = UserFactory(username="replica_manager")
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    for number in ("0001", "0002", "0003"):
        MemberFactory(
            household=HouseholdFactory(region=village, registry_number=f"530428-{number}")
        )
    year = timezone.localdate().year
    PolicyValue.objects.create(key="unmasked_exports_per_day", region=county, year=year, value=5)
    return user


def get(client, user, name: str, **params):
    client.force_login(user)
    with queries() as (primary, replica):
        response = client.get(reverse(name), params)
        assert response.status_code == 200, response.content[:300]
    return response, primary, replica


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("referrals:dashboard", '"referrals_referral"'),
        ("referrals:dashboard-export", '"referrals_referral"'),
        ("discovery:dashboard", '"discovery_flag"'),
        ("procurement:dashboard", '"procurement_project"'),
    ],
)
def test_the_dashboards_and_their_export_read_the_replica(client, bureau_staff, name, table):
    _response, primary, replica = get(client, bureau_staff, name)

    read_on_the_replica(primary, replica, table)


def test_an_unmarked_page_reads_the_primary(client, manager):
    # positive control: the household list, a page a user returns to right after a change
    _response, primary, replica = get(client, manager, "registry:household-list")

    assert reads(primary, HOUSEHOLDS) and not replica.captured_queries


def test_the_masked_household_export_reads_the_replica(client, manager):
    response, primary, replica = get(client, manager, "registry:household-export")

    book = load_workbook(io.BytesIO(response.content))
    assert len(list(book.active.iter_rows(min_row=3))) == 3
    read_on_the_replica(primary, replica, HOUSEHOLDS)


def test_an_unmasked_export_reads_the_replica_and_audits_on_the_primary(client, manager):
    client.force_login(manager)
    with queries() as (primary, replica):
        response = client.post(
            reverse("registry:household-export-page"), {"unmasked": "1", "purpose": PURPOSE}
        )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd")

    read_on_the_replica(primary, replica, HOUSEHOLDS)
    # The export's entry and one per household, with the day's count checked under the lock of
    # the user's row, in the primary's transaction.
    assert writes(primary, AUDIT) >= 2 and not writes(replica)
    if connections[DEFAULT_DB_ALIAS].features.has_select_for_update:
        assert any("FOR UPDATE" in query["sql"] for query in primary.captured_queries)


def test_a_background_export_reads_the_replica_and_reports_its_progress_on_the_primary(
    client, manager, county_a
):
    county, _town, _village = county_a
    year = timezone.localdate().year
    PolicyValue.objects.create(key="background_rows", region=county, year=year, value=2)
    client.force_login(manager)

    with queries() as (primary, replica):
        started = client.post(reverse("registry:household-export-page"), {"purpose": ""})

    job = BackgroundJob.objects.get()  # run in-process at once, as the tests' tasks are
    assert started["Location"] == reverse("registry:household-export-job", args=[job.pk])
    assert job.status == BackgroundJob.Status.DONE and job.result["households"] == 3
    # the list counted for the page and the ledger written by the task
    assert reads(replica, HOUSEHOLDS) >= 2
    assert writes(primary, JOBS) and not reads(replica, JOBS) and not writes(replica)
    with queries() as (primary, replica):
        page = client.get(started["Location"])
    assert page.status_code == 200 and reads(primary, JOBS) and not replica.captured_queries


def test_the_audit_log_export_reads_the_replica_and_is_audited_on_the_primary(client, county_a):
    county, _town, _village = county_a
    auditor = UserFactory(username="auditadmin")
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    member_of(auditor, bureau, Membership.Role.AUDIT_ADMIN)

    _response, primary, replica = get(client, auditor, "audit:export")

    assert reads(replica, AUDIT) and not writes(replica)
    assert writes(primary, AUDIT) == 1


def test_a_streamed_response_reads_the_replica_while_it_streams(county_a):
    _county, _town, village = county_a
    HouseholdFactory(region=village)

    @replica_view
    def streamed(request):
        def rows():
            for household in Household.objects.all():
                # A write between two rows still goes to the primary.
                assert router.db_for_write(Household) == DEFAULT_DB_ALIAS
                yield f"{household.registry_number}\n"

        return StreamingHttpResponse(rows())

    response = streamed(RequestFactory().get("/"))
    with queries() as (primary, replica):
        content = b"".join(response.streaming_content)
        after = Household.objects.count()  # the mark ends with the stream's items

    assert content and after == 1
    assert reads(replica, HOUSEHOLDS) == 1 and reads(primary, HOUSEHOLDS) == 1


def test_inside_the_mark_users_roles_and_jobs_are_read_from_the_primary():
    with use_replica():
        assert router.db_for_read(Household) == REPLICA
        assert router.db_for_read(Membership) == DEFAULT_DB_ALIAS
        assert router.db_for_read(BackgroundJob) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Household) == DEFAULT_DB_ALIAS
