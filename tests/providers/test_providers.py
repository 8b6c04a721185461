"""Stations and volunteers: their provider, their service area, and a quality rating that comes
from outcomes."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.providers.models import Provider, Station
from bangfu.providers.services import quality_rating, station_create
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase
from bangfu.referrals.services import providers_refresh_quality
from bangfu.referrals.tasks import refresh_provider_quality_task
from bangfu.registry.models import ServiceCategory
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    member_of,
    region_chain,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    *_above, county, town, village = region_chain("530428", "101", "201")
    return county, town, village


def test_a_station_serves_its_own_township_unless_told_more(chain):
    _county, town, village = chain
    organisation = OrganisationFactory(kind=Organisation.Kind.STATION, region=town)
    station = station_create(
        organisation=organisation,
        capacity=20,
        categories=[ServiceCategory.objects.get(code="care")],
        service_area=[village],
    )
    assert set(station.service_area.all()) == {town, village}


def test_a_new_station_is_a_provider_under_its_organisations_name_and_township(chain):
    _county, town, _village = chain
    organisation = OrganisationFactory(kind=Organisation.Kind.STATION, region=town, name="镇101站")

    station = station_create(organisation=organisation, capacity=20)

    provider = Provider.objects.get()
    assert station.provider == provider
    assert (provider.kind, provider.name, provider.region) == ("station", "镇101站", town)
    assert provider.takes_referrals


def test_a_station_saved_in_the_admin_without_an_area_serves_its_township(chain):
    _county, town, _village = chain
    organisation = OrganisationFactory(kind=Organisation.Kind.STATION, region=town)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/providers/station/add/",
        {
            "organisation": organisation.pk,
            "capacity": 12,
            "opening_hours": "周一至周五 8:30-17:30",
            "categories": [ServiceCategory.objects.get(code="care").pk],
            "is_accepting": "on",
        },
    )
    assert response.status_code == 302
    station = Station.objects.get()
    assert list(station.service_area.all()) == [town]
    assert (station.provider.name, station.provider.region) == (organisation.name, town)


def test_a_volunteer_renamed_in_the_admin_keeps_its_provider_in_step(chain):
    _county, _town, village = chain
    volunteer = VolunteerFactory(home_region=village, user__display_name="李志愿")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    other_user = UserFactory(username="wang", display_name="王志愿")
    form = {
        "user": other_user.pk,
        "home_region": village.pk,
        "latitude": "23.600000",
        "longitude": "102.000000",
        "travel_radius_km": "5.0",
        "weekly_hours": 4,
        "capacity": 2,
        "serves_gender": "any",
        "categories": [ServiceCategory.objects.get(code="care").pk],
        "certificates": "[]",
        "languages": "[]",
        "available_times": "[]",
    }
    assert volunteer.provider.name == "李志愿"

    response = client.post(f"/admin/providers/volunteer/{volunteer.pk}/change/", form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    provider = Provider.objects.get(pk=volunteer.provider_id)
    assert (provider.name, provider.region) == ("王志愿", village)
    assert Provider.objects.count() == 1


def test_the_rating_is_the_mean_satisfaction_shrunk_towards_the_middle():
    assert quality_rating(0, 0) == Decimal("3.00")
    assert quality_rating(5, 1) == Decimal("3.50")
    assert quality_rating(5 * 30, 30) == Decimal("4.82")
    assert quality_rating(1 * 30, 30) == Decimal("1.18")


@pytest.fixture
def rated(chain, monkeypatch):
    """A station with three completed, rated referrals (5, 4, 2) and a volunteer with one (5)."""
    monkeypatch.setattr("bangfu.referrals.ranking.rank_need", lambda **kwargs: [])
    county, town, village = chain
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county)
    desk = UserFactory(username="desk")
    member_of(desk, bureau, Membership.Role.BUREAU_STAFF)
    station = StationFactory(organisation__region=town, capacity=10)
    staff = UserFactory(username="staff")
    member_of(staff, station.organisation, Membership.Role.STATION_STAFF)
    volunteer = VolunteerFactory(home_region=village)
    for provider, user, score in [
        (station.provider, staff, 5),
        (station.provider, staff, 4),
        (station.provider, staff, 2),
        (volunteer.provider, volunteer.user, 5),
    ]:
        household = HouseholdFactory(region=village)
        MemberFactory(household=household)
        intake = services.intake_open(
            by=desk, source=IntakeCase.Source.VISIT, need=NeedFactory(household=household)
        )
        referral = services.referral_send(intake=intake, provider_id=provider.pk, by=desk)
        services.referral_accept(referral=referral, by=user)
        services.service_session_log(
            referral=referral,
            by=user,
            held_on=timezone.localdate(),
            duration_minutes=60,
            category=referral.need.category,
        )
        services.referral_complete(referral=referral, by=user, outcome="完成")
        services.feedback_record(referral=referral, by=desk, satisfaction=score)
    return station, volunteer


def test_the_refresh_rates_every_provider_from_its_feedback_and_is_safe_twice(rated):
    station, volunteer = rated
    assert refresh_provider_quality_task.delay().get() == 2
    station, volunteer = (Provider.objects.get(pk=p.provider_id) for p in (station, volunteer))
    # (3 × 3 + 5 + 4 + 2) / (3 + 3) and (3 × 3 + 5) / (3 + 1)
    assert (station.quality_rating, station.rated_outcomes) == (Decimal("3.33"), 3)
    assert (volunteer.quality_rating, volunteer.rated_outcomes) == (Decimal("3.50"), 1)
    assert providers_refresh_quality() == 0


def test_one_provider_is_refreshed_alone(rated):
    station, volunteer = rated
    assert refresh_provider_quality_task.delay(volunteer.provider_id).get() == 1
    assert Provider.objects.get(pk=volunteer.provider_id).rated_outcomes == 1
    assert Provider.objects.get(pk=station.provider_id).quality_rating is None


def test_a_provider_without_rated_outcomes_keeps_its_registered_rating(chain):
    _county, town, _village = chain
    station = StationFactory(organisation__region=town, provider__quality_rating=Decimal("4.00"))
    providers_refresh_quality()
    provider = Provider.objects.get(pk=station.provider_id)
    assert provider.quality_rating == Decimal("4.00") and provider.rated_outcomes == 0
