"""A provider that closed a need as "the household could not be reached" is not proposed for it
again within the region's window (``referral_failed_retry_days``), at the desk and in runs, and
the desk says why; from the window's end it is proposed again."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from bangfu.matching_runs.models import RankedCandidate
from bangfu.matching_runs.services import run_ranking, run_request
from bangfu.referrals import selectors, services
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import PolicyValue

pytestmark = pytest.mark.django_db

CLOSED_AT = dt.datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LEFT_OUT = (
    "Left out: this provider ended this need as “the household could not be reached” within "
    "the last 30 days (on 2026-11-02)."
)


def day(days: int) -> dt.datetime:
    return CLOSED_AT + dt.timedelta(days=days)


@pytest.fixture
def failed(desk, need, station, other_station):
    """The need's referral to the township's station, closed as unreachable on CLOSED_AT: the
    case is back at the desk. The other township's station serves this township too."""
    other_station.service_area.add(need.household.region.parent)
    with time_machine.travel(CLOSED_AT - dt.timedelta(days=1)):
        intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
        assert station.provider_id in providers_of(intake)
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
        services.referral_accept(referral=referral, by=station.staff)
    with time_machine.travel(CLOSED_AT):
        services.referral_close(referral=referral, by=station.staff, reason="unreachable")
    return IntakeCase.objects.get(pk=intake.pk)


def providers_of(intake) -> set[int]:
    return {candidate.provider_id for candidate in selectors.intake_candidates(intake)}


def page_of(user, url: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client.get(url).content.decode()


def desk_page(user, intake) -> str:
    return page_of(user, f"/staff/referrals/intake/{intake.pk}/")


def ranking_run(user, county):
    run = run_request(kind="rank", region=county, by=user)
    run_ranking(run_id=run.pk)
    return run


def run_candidates(user, county, need) -> set[int]:
    """The providers a ranking run of the county proposes for the need."""
    return set(
        RankedCandidate.objects.filter(run=ranking_run(user, county), need=need).values_list(
            "provider_id", flat=True
        )
    )


def exclusions_table(user, run) -> str:
    """The run page's table of providers not proposed again ("" when the page has none)."""
    page = page_of(user, f"/staff/matching/{run.pk}/")
    start = page.find('id="exclusions"')
    return page[start : page.index("</table>", start)] if start >= 0 else ""


def test_the_desk_leaves_the_station_out_within_the_window_and_says_why(
    failed, desk, station, other_station
):
    assert failed.status == IntakeCase.Status.OPEN
    with time_machine.travel(day(10)):
        candidates = providers_of(failed)
        assert station.provider_id not in candidates
        assert other_station.provider_id in candidates
        page = desk_page(desk, failed)
        assert station.organisation.name in page and LEFT_OUT in page
        # Sending the case to the first candidate does not pick it either.
        routed = services.intake_route(intake=failed, by=desk)
        assert routed.provider_id == other_station.provider_id


def test_the_desk_proposes_the_station_again_once_the_window_is_over(failed, desk, station):
    with time_machine.travel(day(29)):
        assert station.provider_id not in providers_of(failed)
    with time_machine.travel(day(30)):
        assert station.provider_id in providers_of(failed)
        assert "Left out" not in desk_page(desk, failed)


def test_the_window_is_the_regions_policy(failed, place, station):
    PolicyValue.objects.create(
        key="referral_failed_retry_days",
        region=place["county"],
        year=2026,
        value=5,
        source="county decision",
    )
    with time_machine.travel(day(4)):
        assert station.provider_id not in providers_of(failed)
    with time_machine.travel(day(5)):
        assert station.provider_id in providers_of(failed)


def test_a_run_leaves_the_station_out_within_the_window_and_not_after(
    failed, county_staff, place, need, station, other_station
):
    with time_machine.travel(day(10)):
        proposed = run_candidates(county_staff, place["county"], need)
        assert station.provider_id not in proposed
        assert other_station.provider_id in proposed
    with time_machine.travel(day(31)):
        assert station.provider_id in run_candidates(county_staff, place["county"], need)


def test_a_station_that_closed_for_another_reason_is_proposed_again_at_once(
    desk, need, station, other_station
):
    with time_machine.travel(CLOSED_AT - dt.timedelta(days=1)):
        intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
        services.referral_accept(referral=referral, by=station.staff)
    with time_machine.travel(CLOSED_AT):
        services.referral_close(
            referral=referral, by=station.staff, reason="other", note="家属要求改期"
        )
    intake = IntakeCase.objects.get(pk=intake.pk)
    assert intake.status == IntakeCase.Status.OPEN
    with time_machine.travel(day(1)):
        assert station.provider_id in providers_of(intake)


def test_the_run_page_names_the_station_left_out_and_why_within_the_window_only(
    failed, county_staff, place, station, other_station
):
    with time_machine.travel(day(10)):
        table = exclusions_table(county_staff, ranking_run(county_staff, place["county"]))
        assert station.organisation.name in table and LEFT_OUT in table
        assert other_station.organisation.name not in table
    with time_machine.travel(day(31)):
        assert exclusions_table(county_staff, ranking_run(county_staff, place["county"])) == ""
