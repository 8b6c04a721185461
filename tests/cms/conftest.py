import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from bangfu.accounts.models import Membership, Organisation
from bangfu.procurement import services as procurement
from bangfu.procurement.models import CatalogueItem, FundingSource
from tests.factories import NOTICE, OrganisationFactory, UserFactory, member_of
from tests.offers.conftest import (  # noqa: F401  (shared fixtures)
    charity,
    charity_and_user,
    charity_user,
    county,
    en_client,
    hardship,
    make_need,
    offer,
    today,
    village,
)

YEAR = 2026


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The rate limits live in the cache: every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def late_2026():
    """Procurement checks dates against today: projects are run in November 2026."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


@pytest.fixture
def manager(bureau_staff):
    bureau = bureau_staff.memberships.get().organisation
    user = UserFactory(username="manager_a")
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def run_project(late_2026, county_a, bureau_staff, manager):
    """A project taken through procurement's own services: approved, optionally started with
    one delivery to ``household``, optionally closed and evaluated."""
    buyer = county_a[0]
    agency = OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="元江县阳光社会工作服务中心", region=buyer
    )
    procurement.fund_set(
        by=bureau_staff,
        region=buyer,
        year=YEAR,
        source=FundingSource.SUBSIDY,
        budget_amount=Decimal("1000000"),
        spent_amount=Decimal("1000000"),
    )
    home_care = CatalogueItem.objects.get(code="home-care")

    def run(*, name="特困老人居家照料服务", household=None, close=False):
        project = procurement.project_create(
            by=bureau_staff,
            name=name,
            region=buyer,
            agency=agency,
            starts_on=dt.date(YEAR, 3, 1),
            ends_on=dt.date(YEAR, 12, 31),
            target_households=30,
            description="为分散供养特困老人提供上门照料。",
            lines=[
                {
                    "item": home_care,
                    "quantity": Decimal("100"),
                    "unit_price": Decimal("40"),
                    "funding_source": FundingSource.WORK_FUNDS,
                }
            ],
            **NOTICE,
        )
        procurement.project_submit(project=project, by=bureau_staff)
        procurement.project_approve(project=project, by=manager)
        if household is None:
            return project
        procurement.project_start(project=project, by=bureau_staff)
        procurement.delivery_record(
            project=project,
            by=bureau_staff,
            line=project.lines.get(),
            delivered_on=dt.date(YEAR, 10, 8),
            quantity=Decimal("12"),
            household=household,
            satisfaction=5,
        )
        if close:
            procurement.project_close(project=project, by=bureau_staff)
            scheme = procurement.scheme_for(project)
            procurement.evaluation_record(
                project=project,
                by=bureau_staff,
                evaluated_on=dt.date(YEAR, 11, 15),
                scores={criterion.code: Decimal("95") for criterion in scheme.criteria.all()},
            )
        return project

    return run


@pytest.fixture
def restored_sequences(django_db_blocker):
    """Request it right after ``browser``. The serialized restore puts the migrations' rows back
    under their old ids (the home page is id 3) while the flush before it restarted
    PostgreSQL's id sequences at 1: the next page would collide. Move every sequence past its
    table's highest id (SQLite needs nothing: it counts from the rows)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)
