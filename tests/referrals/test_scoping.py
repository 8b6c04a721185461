"""Who sees which referral, and what a provider may read of the household behind it."""

import pytest

from bangfu.accounts.scoping import PROVIDER_READABLE_STATUSES, scope_for
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import Assessment, Household, Member, Need

pytestmark = pytest.mark.django_db


def visible(model, user) -> set[int]:
    return set(model.objects.for_user(user).values_list("pk", flat=True))


def test_the_readable_statuses_are_referral_statuses():
    assert set(PROVIDER_READABLE_STATUSES) <= set(Referral.Status.values)


def test_bureau_staff_see_their_region_and_assistants_their_villages(
    referral, desk, county_staff, assistant, outsider_staff
):
    for user in (desk, county_staff, assistant):
        assert visible(Referral, user) == {referral.pk}
        assert visible(IntakeCase, user) == {referral.intake_id}
    assert visible(Referral, outsider_staff) == set()
    assert visible(IntakeCase, outsider_staff) == set()


def test_station_staff_see_only_what_is_referred_to_their_station(
    referral, station, other_station, household
):
    assert visible(Referral, station.staff) == {referral.pk}
    assert visible(Household, station.staff) == {household.pk}
    assert visible(Need, station.staff) == {referral.need_id}
    assert visible(Referral, other_station.staff) == set()
    assert visible(Household, other_station.staff) == set()
    assert visible(IntakeCase, station.staff) == set()


def test_providers_never_read_members_or_assessments(accepted, station, volunteer):
    # Members carry ID numbers and incomes; assessments what the assistant saw at home.
    assert visible(Member, station.staff) == set()
    assert visible(Assessment, station.staff) == set()
    assert scope_for(station.staff).reads_registry is False


def test_a_household_comes_back_once_however_many_referrals_reach_it(
    referral, station, desk, engine, household
):
    services.referral_accept(referral=referral, by=station.staff)
    second = Need.objects.create(
        household=household,
        assessment=referral.need.assessment,
        category=referral.need.category,
        severity=2,
        opened_on=referral.need.opened_on,
    )
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=second)
    services.referral_send(intake=intake, provider=("station", station.pk), by=desk)
    assert list(Household.objects.for_user(station.staff).values_list("pk", flat=True)) == [
        household.pk
    ]


def test_a_declined_referral_closes_the_household_to_the_station_again(
    referral, station, household
):
    services.referral_decline(referral=referral, by=station.staff, reason="full")
    assert visible(Referral, station.staff) == set()
    assert visible(Household, station.staff) == set()
    assert visible(Need, station.staff) == set()


def test_a_volunteer_sees_their_own_tasks_only(intake, desk, volunteer, station):
    task = services.referral_send(intake=intake, provider=("volunteer", volunteer.pk), by=desk)
    assert visible(Referral, volunteer.user) == {task.pk}
    assert visible(Referral, station.staff) == set()
    assert visible(Household, volunteer.user) == {task.need.household_id}
