"""Migration 0004 gives every existing project its provider and every delivery a referral's
session recorded its case; reversed, the providers go again. Migration 0009 puts a county and
its townships under one cap and the funding source on each line."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bangfu.accounts.models import Organisation
from bangfu.procurement.models import DeliveryRecord, LedgerEntry, ProcurementCap, Project
from bangfu.providers.models import Provider
from bangfu.regions.models import PolicyValue
from tests.factories import NeedFactory, OrganisationFactory, UserFactory
from tests.migrating import ON_POSTGRESQL, migrate

BEFORE = [
    ("procurement", "0003_agency_registration"),
    ("referrals", "0004_intake_description_encrypted"),
]


pytestmark = ON_POSTGRESQL


@pytest.mark.long
def test_existing_projects_become_providers_and_deliveries_learn_their_case(
    committed, county_a, household_a
):
    county, town, _village = county_a
    clerk = UserFactory(username="clerk")
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=county)
    need = NeedFactory(household=household_a)
    old = migrate(BEFORE).loader.project_state(BEFORE).apps

    def old_model(app, name):
        return old.get_model(app, name).objects

    year = timezone.localdate().year
    projects = [
        old_model("procurement", "Project").create(
            name=name,
            region_id=region.pk,
            year=year,
            agency_id=agency.pk,
            funding_source="work_funds",
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            status="in_progress",
            created_by_id=clerk.pk,
        )
        for name, region in (("居家照料服务", county), ("助餐服务", town))
    ]
    line = old_model("procurement", "ProjectLine").create(
        project_id=projects[0].pk,
        item=old_model("procurement", "CatalogueItem").get(code="home-care"),
        quantity=20,
        unit_price="40.00",
    )

    def delivery():
        return old_model("procurement", "DeliveryRecord").create(
            project_id=projects[0].pk,
            line_id=line.pk,
            delivered_on=dt.date(year, 2, 1),
            quantity="1.50",
            household_id=household_a.pk,
            recorded_by_id=clerk.pk,
        )

    by_session, by_hand = delivery(), delivery()
    intake = old_model("referrals", "IntakeCase").create(
        source="visit", region_id=town.pk, need_id=need.pk, opened_by_id=clerk.pk
    )
    referral = old_model("referrals", "Referral").create(
        intake_id=intake.pk,
        need_id=need.pk,
        project_id=projects[0].pk,
        status="in_service",
        sent_by_id=clerk.pk,
        accept_due_at=timezone.now(),
    )
    old_model("referrals", "ServiceSession").create(
        referral_id=referral.pk,
        held_on=dt.date(year, 2, 1),
        duration_minutes=90,
        category_id=need.category_id,
        provided_by_id=clerk.pk,
        delivery_id=by_session.pk,
    )

    executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    for before in projects:
        provider = Project.objects.get(pk=before.pk).provider
        assert (provider.kind, provider.name, provider.region_id) == (
            "project",
            before.name,
            before.region_id,
        )
    assert DeliveryRecord.objects.get(pk=by_session.pk).case == referral.pk
    assert DeliveryRecord.objects.get(pk=by_hand.pk).case is None

    migrate(BEFORE)
    assert not Provider.objects.filter(kind="project").exists()
    migrate(executor.loader.graph.leaf_nodes())
    assert Provider.objects.filter(kind="project").count() == len(projects)


def test_township_caps_merge_into_their_countys_and_the_source_moves_to_the_lines(
    committed, county_a
):
    county, town, _village = county_a
    clerk = UserFactory(username="clerk")
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=county)
    before = [("procurement", "0008_filing_handoff")]
    old = migrate(before).loader.project_state(before).apps

    def old_model(app, name):
        return old.get_model(app, name).objects

    year = timezone.localdate().year
    caps = {
        region: old_model("procurement", "ProcurementCap").create(
            region_id=region.pk,
            year=year,
            cap_pct="4",
            base="budget",
            base_amount=base,
            cap_amount=cap,
            committed_total=committed_total,
            paid_total="1000.00",
        )
        for region, base, cap, committed_total in (
            (county, "1000000.00", "40000.00", "30000.00"),
            (town, "500000.00", "20000.00", "15000.00"),
        )
    }
    projects = []
    for name, region, source in (("助餐服务", town, "other"), ("居家照料服务", county, "subsidy")):
        project = old_model("procurement", "Project").create(
            name=name,
            provider=old_model("providers", "Provider").create(
                kind="project", name=name, region_id=region.pk
            ),
            region_id=region.pk,
            year=year,
            agency_id=agency.pk,
            funding_source=source,
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            status="approved",
            amount="800.00",
            created_by_id=clerk.pk,
        )
        old_model("procurement", "ProjectLine").create(
            project_id=project.pk,
            item=old_model("procurement", "CatalogueItem").get(code="home-care"),
            quantity=20,
            unit_price="40.00",
        )
        old_model("procurement", "LedgerEntry").create(
            project_id=project.pk,
            cap_id=caps[region].pk,
            kind="commitment",
            amount="800.00",
            booked_on=dt.date(year, 2, 1),
            by_id=clerk.pk,
        )
        projects.append(project)

    executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    # One cap for the county and its township: the same money is no longer counted twice.
    county_cap = ProcurementCap.objects.get()
    assert county_cap.region == county
    assert county_cap.committed_total == Decimal("45000.00")
    assert county_cap.paid_total == Decimal("2000.00")
    # The county's cap of 40,000 now holds 45,000 of commitments: they stay, nothing new fits.
    assert county_cap.committed_limit == Decimal("45000.00")
    assert LedgerEntry.objects.filter(cap=county_cap).count() == 2
    town_project, county_project = (Project.objects.get(pk=p.pk) for p in projects)
    assert [line.funding_source for line in town_project.lines.all()] == ["work_funds"]
    assert [line.funding_source for line in county_project.lines.all()] == ["subsidy"]
    assert county_project.needs_filing and not town_project.needs_filing
    assert PolicyValue.objects.get(key="procurement_cap_base", region=None).value == "spending"

    migrate(before)
    back = MigrationExecutor(connection).loader.project_state(before).apps
    sources = back.get_model("procurement", "Project").objects.order_by("pk")
    assert [p.funding_source for p in sources] == ["work_funds", "subsidy"]
    assert PolicyValue.objects.get(key="procurement_cap_base", region=None).value == "budget"
    migrate(executor.loader.graph.leaf_nodes())
