"""Procured projects under way, built through the procurement services, for referral tests.

A bureau (one staff member who drafts and runs, one manager who approves) funds its year, buys
catalogue lines from an agency and starts the project: the path a real project takes before the
intake desk may refer a case to it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bangfu.accounts.models import Membership, Organisation, User
from bangfu.procurement import services
from bangfu.procurement.models import CatalogueItem, FundingSource, Project
from bangfu.regions.models import Region
from tests.factories import NOTICE, OrganisationFactory, UserFactory, member_of


def agency_with_staff(region: Region, *, name: str, username: str) -> tuple[Organisation, User]:
    """A service agency (社会工作服务机构) of ``region`` with one member of staff."""
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, name=name, region=region)
    user = UserFactory(username=username, email=f"{username}@example.org")
    member_of(user, agency, Membership.Role.AGENCY_STAFF)
    return agency, user


@dataclass(frozen=True)
class Buyer:
    """The bureau of a county (or township) that buys services: ``staff`` drafts, ``manager``
    approves."""

    region: Region
    staff: User
    manager: User

    def project(
        self,
        *,
        agency: Organisation,
        items: tuple[str, ...] = ("home-care",),
        target_households: int = 2,
        starts_on: dt.date,
        ends_on: dt.date,
        region: Region | None = None,
        name: str = "居家照料服务",
        start: bool = True,
    ) -> Project:
        """A project of 20 units of each catalogue item at its reference price (home care:
        20 hours at 40 yuan), approved and, unless ``start`` is false, in progress."""
        project = services.project_create(
            by=self.staff,
            name=name,
            region=region or self.region,
            agency=agency,
            starts_on=starts_on,
            ends_on=ends_on,
            target_households=target_households,
            lines=[
                {
                    "item": CatalogueItem.objects.get(code=code),
                    "quantity": Decimal("20"),
                    "funding_source": FundingSource.WORK_FUNDS,
                }
                for code in items
            ],
            **NOTICE,
        )
        services.project_submit(project=project, by=self.staff)
        services.project_approve(project=project, by=self.manager)
        if start:
            services.project_start(project=project, by=self.staff)
        return Project.objects.get(pk=project.pk)


def buyer_of(region: Region, *, years=(2026,)) -> Buyer:
    """The region's buying bureau, with 1,000,000 yuan of aid funds spent a year (at county
    level, a 40,000 yuan cap)."""
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name=f"{region.name}民政局采购科", region=region
    )
    staff = UserFactory(username=f"buyer_{region.code}")
    member_of(staff, bureau, Membership.Role.BUREAU_STAFF)
    manager = UserFactory(username=f"buying_manager_{region.code}")
    member_of(manager, bureau, Membership.Role.BUREAU_MANAGER)
    for year in years:
        services.fund_set(
            by=staff,
            region=region,
            year=year,
            source=FundingSource.SUBSIDY,
            budget_amount=Decimal("1000000"),
            spent_amount=Decimal("1000000"),
        )
    return Buyer(region=region, staff=staff, manager=manager)
