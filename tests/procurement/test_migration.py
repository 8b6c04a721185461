"""Migration 0004 gives every existing project its provider and every delivery a referral's
session recorded its case; reversed, the providers go again."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bangfu.accounts.models import Organisation
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.providers.models import Provider
from tests.factories import NeedFactory, OrganisationFactory, UserFactory

BEFORE = [
    ("procurement", "0003_agency_registration"),
    ("referrals", "0004_intake_description_encrypted"),
]


# Going back and forth through the migrations costs minutes of state rendering: it is done once
# per CI run, on the database the migrations will run on (the PostgreSQL stage).
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="data migrations are exercised on PostgreSQL (CI's second stage)",
    ),
]


def migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)


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
