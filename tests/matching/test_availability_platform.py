"""What the engine proposes in the platform, read from its output (``rank_need``): a volunteer's
languages, weekly hours and times, and a provider suspended by staff or paused by itself."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bangfu.matching_runs.adapter.availability import need_times, slot_bit
from bangfu.matching_runs.ranking import rank_need
from bangfu.providers import directory
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import Member, ServiceCategory
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
)
from tests.registry.test_validation import household_data

pytestmark = pytest.mark.django_db
MONDAY_MORNING = [{"day": 1, "start": "08:00", "end": "12:00"}]
SATURDAY_MORNING = [{"day": 6, "start": "08:00", "end": "12:00"}]


@pytest.fixture
def village(county_a):
    return county_a[2]


def volunteer(village, name: str, **fields):
    defaults = dict(
        user__display_name=name,
        home_region=village,
        latitude=Decimal("23.601"),
        longitude=Decimal("102.001"),
        categories=[ServiceCategory.objects.get(code="care")],
        languages=["普通话"],
    )
    return VolunteerFactory(**(defaults | fields))


def need_of(village, *, languages=(), preferred_times=""):
    household = HouseholdFactory(
        region=village,
        latitude=Decimal("23.600"),
        longitude=Decimal("102.000"),
        languages=list(languages),
    )
    MemberFactory(household=household, relation=Member.Relation.HEAD)
    return NeedFactory(
        household=household,
        category=ServiceCategory.objects.get(code="care"),
        opened_on=dt.date(2026, 11, 1),
        preferred_times=preferred_times,
    )


def proposed(need) -> list[str]:
    return sorted(candidate.name for candidate in rank_need(need=need))


# --- languages -------------------------------------------------------------------------------


def test_a_household_that_names_its_languages_gets_volunteers_who_speak_one(village):
    volunteer(village, "只说普通话")
    volunteer(village, "会哈尼语", languages=["普通话", "哈尼语"])
    StationFactory(organisation__region=village.parent, organisation__name="镇社工站")
    # The station is a team: it is not bound by language.
    assert proposed(need_of(village, languages=["哈尼语"])) == ["会哈尼语", "镇社工站"]
    assert proposed(need_of(village)) == ["会哈尼语", "只说普通话", "镇社工站"]


def test_staff_record_a_households_languages_on_its_form_and_the_engine_reads_them(
    client, bureau_staff, village
):
    volunteer(village, "只说普通话")
    volunteer(village, "会彝语", languages=["彝语"])
    need = need_of(village)
    household = need.household
    client.force_login(bureau_staff)
    data = household_data(
        village, registry_number=household.registry_number, languages="彝语、普通话"
    )
    response = client.post(reverse("registry:household-update", args=[household.pk]), data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.languages == ["彝语", "普通话"]
    assert proposed(need) == ["会彝语", "只说普通话"]
    data["languages"] = "彝语"
    client.post(reverse("registry:household-update", args=[household.pk]), data)
    assert proposed(need) == ["会彝语"]
    assert (
        "彝语"
        in client.get(reverse("registry:household-detail", args=[household.pk])).content.decode()
    )


# --- weekly hours ----------------------------------------------------------------------------


def _open_case(provider, need):
    intake = IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=need.household.region,
        need=need,
        status=IntakeCase.Status.REFERRED,
        opened_by=UserFactory(),
    )
    Referral.objects.create(
        intake=intake,
        need=need,
        provider=provider,
        sent_by=intake.opened_by,
        accept_due_at=timezone.now() + dt.timedelta(days=2),
    )


def test_a_volunteers_weekly_hours_limit_how_many_cases_they_are_proposed(village):
    # Both would take three tasks; two hours a week are enough for one.
    few_hours = volunteer(village, "每周两小时", capacity=3, weekly_hours=2)
    volunteer(village, "每周六小时", capacity=3, weekly_hours=6)
    assert proposed(need_of(village)) == ["每周两小时", "每周六小时"]
    _open_case(few_hours.provider, need_of(village))
    assert proposed(need_of(village)) == ["每周六小时"]


def test_a_volunteer_with_less_than_a_cases_hours_is_never_proposed(village):
    volunteer(village, "每周一小时", weekly_hours=1)
    assert proposed(need_of(village)) == []


# --- times -----------------------------------------------------------------------------------


def test_a_need_that_asks_for_times_gets_volunteers_free_at_one_of_them(village):
    volunteer(village, "周一上午有空", available_times=MONDAY_MORNING)
    volunteer(village, "周六上午有空", available_times=SATURDAY_MORNING)
    volunteer(village, "随时")
    assert proposed(need_of(village, preferred_times="周末上午")) == ["周六上午有空", "随时"]
    assert proposed(need_of(village, preferred_times="工作日")) == ["周一上午有空", "随时"]
    # Words the engine does not read give no constraint.
    assert len(proposed(need_of(village, preferred_times="街天以外"))) == 3


def test_without_asked_times_the_volunteer_free_more_of_the_week_ranks_first(village):
    volunteer(village, "只有周一上午", available_times=MONDAY_MORNING)
    week = [{"day": day, "start": "08:00", "end": "21:00"} for day in range(1, 8)]
    volunteer(village, "整周都行", available_times=week)
    ranked = rank_need(need=need_of(village))
    assert [candidate.name for candidate in ranked] == ["整周都行", "只有周一上午"]
    assert [candidate.components["availability"] for candidate in ranked] == [
        1.0,
        pytest.approx(1 / 6, abs=1e-3),
    ]


@pytest.mark.parametrize(
    ("text", "days", "parts"),
    [
        ("工作日上午", range(1, 6), ["morning"]),
        ("周末", [6, 7], ["morning", "afternoon", "evening"]),
        ("周三下午", [3], ["afternoon"]),
        ("周一至周三晚上", [1, 2, 3], ["evening"]),
        ("Saturday mornings", [6], ["morning"]),
    ],
)
def test_the_words_of_preferred_times_the_engine_reads(text, days, parts):
    expected = sum(slot_bit(day, part) for day in days for part in parts)
    assert need_times(text) == expected


@pytest.mark.parametrize("text", ["", "随时", "街天以外", "不要周三", "except Sundays"])
def test_preferred_times_it_cannot_read_ask_for_nothing(text):
    assert need_times(text) == 0


# --- paused and suspended --------------------------------------------------------------------


def test_a_paused_volunteer_is_not_proposed_until_they_resume(village):
    helper = volunteer(village, "李芳")
    directory.volunteer_pause(by=helper.user, note="外出")
    assert proposed(need_of(village)) == []
    directory.volunteer_resume(by=helper.user)
    assert proposed(need_of(village)) == ["李芳"]


def test_a_suspended_station_is_not_proposed_until_reactivated(village, bureau_staff):
    station = StationFactory(organisation__region=village.parent, organisation__name="镇社工站")
    directory.provider_suspend(by=bureau_staff, provider=station.provider, reason="搬迁")
    assert proposed(need_of(village)) == []
    directory.provider_reactivate(by=bureau_staff, provider=station.provider)
    assert proposed(need_of(village)) == ["镇社工站"]
