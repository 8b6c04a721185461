"""The migrations that made every station and volunteer a ``Provider`` keep what they had.

Rows are made in today's shape, the database is taken back to before the providers existed
(providers 0004: the reverse migrations put the flags, ratings and referral columns back on the
kinds' own rows), then forward again: each station and volunteer gets its provider under its
name and home region, paused when it was not accepting, with its rating; each referral names
the provider of the station or volunteer it was sent to; a stored proposal names it too.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bangfu.matching_runs.models import Allocation, MatchingRun
from bangfu.providers.models import Provider, Station, Volunteer
from bangfu.referrals.models import IntakeCase, Referral
from tests.factories import (
    HouseholdFactory,
    NeedFactory,
    ProviderFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    region_chain,
)
from tests.migrating import ON_POSTGRESQL

pytestmark = ON_POSTGRESQL

BEFORE = [("providers", "0004_provider")]
# Where the other apps stand then (their later migrations depend on providers 0005).
BEFORE_STATE = [
    *BEFORE,
    ("referrals", "0004_intake_description_encrypted"),
    ("matching_runs", "0003_run_left_out"),
]


@pytest.fixture
def migrated_db(committed):
    """A committed database that the test may migrate; every migration applied again after."""
    yield
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    if executor.migration_plan(latest):
        executor.migrate(latest)


def refer(need, provider, clerk, status=Referral.Status.SENT) -> Referral:
    intake = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=need.household.region,
        need=need,
        status=IntakeCase.Status.REFERRED,
        opened_by=clerk,
    )
    return Referral.objects.create(
        intake=intake,
        need=need,
        provider=provider,
        status=status,
        sent_by=clerk,
        accept_due_at=timezone.now() + dt.timedelta(days=2),
    )


@pytest.mark.long
def test_stations_and_volunteers_become_providers_with_their_flags_ratings_and_referrals(
    migrated_db,
):
    *_above, county, town, village = region_chain("530428", "101", "201")
    # Provider ids run ahead of station ids, so a migration that kept the old ids shows.
    ProviderFactory(region=town).delete()
    station = StationFactory(
        organisation__region=town,
        organisation__name="镇101社工站",
        provider__is_paused=True,
        provider__quality_rating=Decimal("4.20"),
        provider__rated_outcomes=12,
    )
    volunteer = VolunteerFactory(
        home_region=village, user__display_name="李志愿", user__username="li"
    )
    assert station.pk != station.provider_id
    clerk = UserFactory(username="clerk")
    household = HouseholdFactory(region=village)
    to_station = refer(NeedFactory(household=household), station.provider, clerk)
    to_volunteer = refer(NeedFactory(household=household), volunteer.provider, clerk)
    left_out = {"kind": "station", "pk": station.provider_id, "label": "镇101社工站"}
    run = MatchingRun.objects.create(
        job_key="old",
        kind="allocate",
        region=county,
        left_out=[{**left_out, "reason": "no_coordinates", "fix": "station", "fix_pk": station.pk}],
    )
    Allocation.objects.create(
        run=run,
        need=to_station.need,
        provider_kind="station",
        provider_id=station.provider_id,
        score=0.9,
        priority=50,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE_STATE).apps
    # Before: the flag and the rating on the kind's own row, the referral's kind column.
    old_station = old.get_model("providers", "Station").objects.get(pk=station.pk)
    assert (old_station.is_accepting, old_station.quality_rating) == (False, Decimal("4.20"))
    assert old.get_model("providers", "Volunteer").objects.get(pk=volunteer.pk).is_available
    assert not old.get_model("providers", "Provider").objects.exists()
    old_referrals = old.get_model("referrals", "Referral").objects
    assert old_referrals.get(pk=to_station.pk).station_id == station.pk
    assert old_referrals.get(pk=to_volunteer.pk).volunteer_id == volunteer.pk
    # The run's own tables as they stood then: later migrations add columns to them.
    assert old.get_model("matching_runs", "Allocation").objects.get().provider_id == station.pk
    assert old.get_model("matching_runs", "MatchingRun").objects.get().left_out[0]["pk"] == (
        station.pk
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    station, volunteer = Station.objects.get(), Volunteer.objects.get()
    assert Provider.objects.count() == 2
    provider = station.provider
    assert (provider.kind, provider.name, provider.region) == ("station", "镇101社工站", town)
    assert (provider.is_active, provider.is_paused) == (True, True)
    assert (provider.quality_rating, provider.rated_outcomes) == (Decimal("4.20"), 12)
    provider = volunteer.provider
    assert (provider.kind, provider.name, provider.region) == ("volunteer", "李志愿", village)
    assert (provider.is_paused, provider.quality_rating, provider.rated_outcomes) == (
        False,
        None,
        0,
    )
    assert Referral.objects.get(pk=to_station.pk).provider == station.provider
    assert Referral.objects.get(pk=to_volunteer.pk).provider == volunteer.provider
    assert Allocation.objects.get().provider_id == station.provider_id
    # A left-out row is named by the provider; its page to correct is still the station's.
    entry = MatchingRun.objects.get().left_out[0]
    assert (entry["pk"], entry["fix"], entry["fix_pk"]) == (
        station.provider_id,
        "station",
        station.pk,
    )
