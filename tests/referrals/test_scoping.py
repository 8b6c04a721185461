"""Who sees which referral, and what a provider may read of the household behind it."""

import pytest
from django.test import Client
from django.urls import reverse

from bangfu.accounts.scoping import scope_for
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.reach import READABLE_STATUSES
from bangfu.registry.models import Assessment, Household, Member, Need

pytestmark = pytest.mark.django_db


def visible(model, user) -> set[int]:
    return set(model.objects.for_user(user).values_list("pk", flat=True))


def test_the_readable_statuses_are_referral_statuses():
    assert set(READABLE_STATUSES) <= set(Referral.Status.values)


def test_bureau_staff_see_their_region_and_assistants_their_villages(
    referral, desk, county_staff, assistant, outsider_staff
):
    for user in (desk, county_staff, assistant):
        assert visible(Referral, user) == {referral.pk}
        assert visible(IntakeCase, user) == {referral.intake_id}
    assert visible(Referral, outsider_staff) == set()
    assert visible(IntakeCase, outsider_staff) == set()


def test_station_staff_see_only_what_is_referred_to_their_station(referral, station, other_station):
    assert visible(Referral, station.staff) == {referral.pk}
    assert visible(Need, station.staff) == {referral.need_id}
    assert visible(Referral, other_station.staff) == set()
    assert visible(Need, other_station.staff) == set()
    assert visible(IntakeCase, station.staff) == set()


def test_providers_never_open_household_records(accepted, station):
    # Records carry members' ID numbers and incomes: a provider reads the service sheet instead.
    assert visible(Household, station.staff) == set()
    assert visible(Member, station.staff) == set()
    assert visible(Assessment, station.staff) == set()
    assert scope_for(station.staff).reads_registry is False


def test_the_registry_pages_stay_closed_to_the_station(accepted, station, household):
    client = Client()
    client.force_login(station.staff)
    detail = reverse("registry:household-detail", args=[household.pk])
    assert client.get(detail).status_code == 404
    listing = client.get(reverse("registry:household-list")).content.decode()
    assert household.registry_number not in listing and "321.45" not in listing


def test_a_need_comes_back_once_however_many_referrals_reach_it(accepted, station, desk, engine):
    services.referral_close(referral=accepted, by=station.staff, reason="unreachable")
    intake = IntakeCase.objects.get(pk=accepted.intake_id)
    services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert Referral.objects.filter(need=accepted.need).count() == 2
    assert list(Need.objects.for_user(station.staff).values_list("pk", flat=True)) == [
        accepted.need_id
    ]


def test_a_declined_referral_closes_the_need_to_the_station_again(referral, station):
    services.referral_decline(referral=referral, by=station.staff, reason="full")
    assert visible(Referral, station.staff) == set()
    assert visible(Need, station.staff) == set()


def test_a_volunteer_sees_their_own_tasks_only(intake, desk, volunteer, station):
    task = services.referral_send(intake=intake, provider_id=volunteer.provider_id, by=desk)
    assert visible(Referral, volunteer.user) == {task.pk}
    assert visible(Referral, station.staff) == set()
    assert visible(Need, volunteer.user) == {task.need_id}
    assert visible(Household, volunteer.user) == set()
