import pytest

from bangfu.accounts.models import Membership, Organisation
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
)


@pytest.fixture(autouse=True)
def _celery_in_process(request, settings):
    """Tasks run in-process unless a test asks for the real worker."""
    from bangfu.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def county_a(db):
    """Yuanjiang-like county A with one township and one village."""
    *_above, county, town, village = region_chain("530428", "101", "201")
    return county, town, village


@pytest.fixture
def county_b(db):
    """A second county in another city: outside county A's staff's scope."""
    *_above, county, town, village = region_chain("350502", "001", "001")
    return county, town, village


@pytest.fixture
def bureau_staff(county_a):
    county, _town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    user = UserFactory(username="bureau_a")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


@pytest.fixture
def outsider_staff(county_b):
    county, _town, _village = county_b
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="鲤城区民政局", region=county)
    user = UserFactory(username="bureau_b")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


@pytest.fixture
def household_a(county_a):
    _county, _town, village = county_a
    household = HouseholdFactory(region=village, registry_number="530428-0001")
    MemberFactory(household=household, name="欧阳晓明")
    return household


@pytest.fixture
def celery_worker(request, transactional_db, settings):
    """A real Celery worker on the configured broker (Redis in CI), in a thread of this process.

    Tests that use it are marked ``worker``; they are skipped when no broker is configured (the
    embedded mode runs tasks in-process). The worker reads the test database through its own
    connection, so the test's rows must be committed: hence ``transactional_db``.
    """
    from celery.contrib.testing.worker import start_worker

    from bangfu.celery import app

    if not settings.CELERY_BROKER_URL:
        pytest.skip("needs CELERY_BROKER_URL (CI's PostgreSQL stage runs it with Redis)")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker
