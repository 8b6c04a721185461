import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangfu.accounts.models import Membership, Organisation
from bangfu.procurement import services
from bangfu.procurement.models import CatalogueItem, FundingSource
from tests.factories import NOTICE, OrganisationFactory, UserFactory, member_of

YEAR = 2026


@pytest.fixture(autouse=True)
def _late_2026():
    """Procurement dates are checked against today: the tests live in November 2026."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


@pytest.fixture
def county(county_a):
    return county_a[0]


@pytest.fixture
def bureau(bureau_staff):
    return bureau_staff.memberships.get().organisation


@pytest.fixture
def staff(bureau_staff):
    return bureau_staff


@pytest.fixture
def manager(bureau):
    user = UserFactory(username="manager_a")
    member_of(user, bureau, Membership.Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def auditor(bureau):
    user = UserFactory(username="auditor_a")
    member_of(user, bureau, Membership.Role.AUDITOR)
    return user


@pytest.fixture
def agency(county):
    return OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="元江县阳光社会工作服务中心", region=county
    )


@pytest.fixture
def agency_staff(agency):
    """The agency's staff member, who answers referrals to its projects in the portal."""
    user = UserFactory(username="agency_a")
    member_of(user, agency, Membership.Role.AGENCY_STAFF)
    return user


@pytest.fixture
def home_care():
    """Seeded by the catalogue migration: 居家照料护理 at 40 yuan an hour."""
    return CatalogueItem.objects.get(code="home-care")


@pytest.fixture
def funded(county, staff):
    """County A with 1,000,000 yuan of aid funds spent in 2026: a 4% cap of 40,000.00 yuan."""
    services.fund_set(
        by=staff,
        region=county,
        year=YEAR,
        source=FundingSource.SUBSIDY,
        budget_amount=Decimal("1000000"),
        spent_amount=Decimal("1000000"),
    )
    return county


@pytest.fixture
def make_project(county, staff, agency, home_care):
    """A draft project of one home-care line; ``quantity × unit_price`` gives its amount."""

    def make(
        *,
        quantity="100",
        unit_price="40.00",
        source=FundingSource.WORK_FUNDS,
        region=None,
        by=None,
        **fields,
    ):
        return services.project_create(
            by=by or staff,
            name=fields.pop("name", "居家照料服务"),
            region=region or county,
            agency=agency,
            starts_on=fields.pop("starts_on", dt.date(YEAR, 3, 1)),
            ends_on=fields.pop("ends_on", dt.date(YEAR, 12, 31)),
            lines=[
                {
                    "item": home_care,
                    "quantity": Decimal(quantity),
                    "unit_price": Decimal(unit_price),
                    "funding_source": source,
                }
            ],
            **{**NOTICE, **fields},
        )

    return make


@pytest.fixture
def submitted(make_project, staff):
    def make(**kwargs):
        project = make_project(**kwargs)
        return services.project_submit(project=project, by=staff)

    return make
