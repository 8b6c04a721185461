"""What the matching engine reads from the referrals: counts, refusals, continuity, outcomes."""

import dataclasses
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bangfu.referrals import dashboards, selectors, services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import ServiceCategory
from bangfu.registry.tallies import tallies_refresh
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory, ProviderFactory

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("referrals:dashboard")


@pytest.fixture
def three_cases(engine, desk, place, station, other_station, volunteer):
    """Station: one accepted, one sent. Other station: one declined. Volunteer: one completed."""
    made = []
    for _ in range(4):
        household = HouseholdFactory(region=place["village"])
        MemberFactory(household=household)
        need = NeedFactory(household=household)
        made.append(services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need))
    first = services.referral_send(intake=made[0], provider_id=station.provider_id, by=desk)
    services.referral_accept(referral=first, by=station.staff)
    sent = services.referral_send(intake=made[1], provider_id=station.provider_id, by=desk)
    declined = services.referral_send(
        intake=made[2], provider_id=other_station.provider_id, by=desk
    )
    services.referral_decline(referral=declined, by=other_station.staff, reason="full")
    task = services.referral_send(intake=made[3], provider_id=volunteer.provider_id, by=desk)
    services.referral_accept(referral=task, by=volunteer.user)
    services.service_session_log(
        referral=task,
        by=volunteer.user,
        held_on=timezone.localdate(),
        duration_minutes=60,
        category=ServiceCategory.objects.get(code="care"),
    )
    services.referral_complete(referral=task, by=volunteer.user, outcome="送餐完成")
    return {"accepted": first, "sent": sent, "declined": declined, "completed": task}


def test_open_case_counts_are_derived_from_referrals_in_one_query(
    three_cases, station, django_assert_num_queries
):
    with django_assert_num_queries(1):
        counts = selectors.open_case_counts()
    assert counts == {station.provider_id: 2}


def test_declined_pairs_name_the_need_and_the_provider(three_cases, other_station):
    declined = three_cases["declined"]
    assert selectors.declined_pairs([declined.need_id, three_cases["sent"].need_id]) == {
        (declined.need_id, other_station.provider_id)
    }


def test_current_providers_are_those_serving_the_household_now(three_cases, station):
    accepted, sent = three_cases["accepted"], three_cases["sent"]
    households = [accepted.need.household_id, sent.need.household_id]
    assert selectors.current_providers(households) == {
        accepted.need.household_id: {station.provider_id}
    }


def test_provider_outcomes_count_finished_and_completed(
    three_cases, other_station, volunteer, django_assert_num_queries
):
    with django_assert_num_queries(1):
        outcomes = selectors.provider_outcomes()
    assert outcomes == {other_station.provider_id: (1, 0), volunteer.provider_id: (1, 1)}


def test_the_station_dashboard_counts_against_capacity(three_cases, station):
    board = dashboards.provider_dashboard(station.provider)
    assert (board.open_cases, board.capacity, board.awaiting_answer, board.overdue) == (1, 2, 1, 0)
    assert board.headroom == 1
    assert board.average_days_to_accept is not None


def test_the_bureau_dashboard_counts_by_status_and_rates_acceptance(
    three_cases, county_staff, station, other_station
):
    board = dashboards.bureau_dashboard(county_staff)
    counts = {value: count for value, _label, count in board.by_status}
    assert counts[Referral.Status.ACCEPTED] == 1
    assert counts[Referral.Status.SENT] == 1
    assert counts[Referral.Status.DECLINED] == 1
    assert counts[Referral.Status.COMPLETED] == 1
    assert board.total == 4
    rates = {row.provider_id: (row.accepted, row.answered) for row in board.acceptance}
    assert rates[other_station.provider_id] == (0, 1)
    assert rates[station.provider_id] == (1, 1)
    assert board.median_days_to_first_service == 0
    # The declined case is back at the desk with the other station's alternatives.
    assert board.waiting_at_intake == 1


@pytest.mark.parametrize("who", ["county_staff", "assistant"])
def test_the_bureau_dashboard_from_the_tallies_counts_as_live(three_cases, request, who):
    user = request.getfixturevalue(who)
    live = dashboards.bureau_dashboard(user, now=timezone.now())

    tallies_refresh()
    board = dashboards.bureau_dashboard(user)

    assert board.as_of is not None
    assert dataclasses.replace(board, as_of=None) == live
    assert live.total == 4 and live.acceptance and live.waiting_at_intake == 1


def test_the_dashboard_page_states_the_time_of_its_counts(
    three_cases, county_staff, english_client
):
    client = english_client
    client.force_login(county_staff)
    assert "Counts as of" not in client.get(DASHBOARD_URL).content.decode()
    tallies_refresh()

    page = client.get(DASHBOARD_URL).content.decode()

    assert "Counts as of" in page
    assert 'data-status="sent">1<' in page
    # a "since" date is counted live, with no time of counts
    assert "Counts as of" not in client.get(DASHBOARD_URL, {"since": "2020-01-01"}).content.decode()


def test_the_acceptance_chart_ranks_every_provider_and_names_only_those_it_shows():
    # 30 providers, six at each of 0 to 4 accepted of 5 answered: the 20th place falls among the
    # six at 3/5, whose names (given against their order of creation) decide which two are shown
    providers = [ProviderFactory(name=f"服务方{29 - n:02d}") for n in range(30)]
    rates = [(provider.pk, n // 6, 5) for n, provider in enumerate(providers)]
    everyone = sorted(
        ((provider.pk, provider.name, n // 6) for n, provider in enumerate(providers)),
        key=lambda row: (row[2], row[1]),
    )

    with CaptureQueriesContext(connection) as queries:
        shown = dashboards.lowest_rates(rates, 20)

    assert [(row.provider_id, row.name, row.accepted) for row in shown] == everyone[:20]
    # one query names those shown and the others tied at 3/5, none of the six ranked above them
    (named,) = queries.captured_queries
    in_list = {int(pk) for pk in re.search(r" IN \(([^)]*)\)", named["sql"])[1].split(",")}
    assert in_list == {pk for pk, _name, accepted in everyone if accepted <= 3}


def test_the_dashboard_says_how_many_providers_its_chart_leaves_out(
    three_cases, county_staff, client, monkeypatch
):
    client.force_login(county_staff)
    assert "家服务方" not in client.get(DASHBOARD_URL).content.decode()
    # control: with a chart of one, two of the three providers that answered are left out
    monkeypatch.setattr(dashboards, "ACCEPTANCE_SHOWN", 1)
    page = client.get(DASHBOARD_URL).content.decode()
    assert "共 3 家服务方，这里列出接受率最低的 1 家。" in page
