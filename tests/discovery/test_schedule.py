"""Periodic reviews (yearly, or every six months for 低保 households with an irregular income and
members able to work), the review that ends a 渐退期, and monthly visits: created by the nightly
job once per household and period, safe to run twice. Dates are computed by hand."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bangfu.discovery.models import Task
from bangfu.discovery.services import Recommendation, task_complete, tasks_schedule
from bangfu.discovery.tasks import tasks_schedule_task
from bangfu.registry.coverage import decision_record
from bangfu.registry.models import (
    Coverage,
    ExitReason,
    Household,
    Member,
    PersonalStatus,
    StatusDecision,
    Tier,
)
from tests.discovery.conftest import TODAY, household
from tests.factories import township_reviewer

ELDERLY = {"birth": dt.date(1950, 1, 1)}
WORKING_IRREGULAR = {
    "birth": dt.date(1985, 1, 1),
    "income_is_irregular": True,
    "work_ability": Member.WorkAbility.FULL,
}
WORKING_STEADY = {"birth": dt.date(1985, 1, 1), "work_ability": Member.WorkAbility.PARTIAL}
IRREGULAR_PENSION = {"birth": dt.date(1950, 1, 1), "income_is_irregular": True}
UNABLE_IRREGULAR = {
    "birth": dt.date(1985, 1, 1),
    "income_is_irregular": True,
    "work_ability": Member.WorkAbility.NONE,
}


def reviews() -> dict[str, dt.date]:
    return {
        task.household.registry_number: task.due_on
        for task in Task.objects.filter(kind=Task.Kind.REVIEW).select_related("household")
    }


def test_reviews_fall_due_yearly_or_every_six_months(place, assistant):
    """003: half-yearly for 低保 households with an irregular income and members able to work;
    yearly for the other 低保 households, 特困, 边缘 and 支出型. Enrolled on the dates below,
    the notice period is 30 days (up to 2026-12-20)."""

    def home(number, tier, members, enrolled, **fields):
        household(
            place["village"],
            tier=tier,
            members=members,
            registry_number=number,
            enrolled_on=enrolled,
            next_review_due=None,
            **fields,
        )

    # 2026-06-05 + 6 months = 2026-12-05
    home("irregular", Tier.DIBAO, [ELDERLY, WORKING_IRREGULAR], dt.date(2026, 6, 5))
    # the earner's income is irregular, an elderly member's is not: still half-yearly
    home("irregular-other", Tier.DIBAO, [WORKING_STEADY, IRREGULAR_PENSION], dt.date(2026, 5, 31))
    home("later", Tier.DIBAO, [WORKING_IRREGULAR], dt.date(2026, 6, 21))  # 2026-12-21: too early
    # irregular income but nobody able to work: yearly, 2025-12-10 + 12 = 2026-12-10
    home("unable", Tier.DIBAO, [UNABLE_IRREGULAR], dt.date(2025, 12, 10))
    # yearly even with an irregular earner: not a 低保 household
    home("marginal", Tier.MARGINAL, [WORKING_IRREGULAR], dt.date(2025, 12, 1))  # 2026-12-01
    home("marginal-6", Tier.MARGINAL, [WORKING_IRREGULAR], dt.date(2026, 6, 1))  # 2027-06-01
    home("expenditure", Tier.EXPENDITURE, [WORKING_STEADY], dt.date(2025, 11, 30))  # 2026-11-30
    home("tekun", Tier.TEKUN, [ELDERLY], dt.date(2025, 12, 20))  # 2026-12-20: the last day
    home("tekun-later", Tier.TEKUN, [ELDERLY], dt.date(2026, 6, 5))  # 2027-06-05
    home("none", Tier.NONE, [ELDERLY], dt.date(2020, 1, 1))
    home("exited", Tier.DIBAO, [ELDERLY], dt.date(2020, 1, 1), status=Household.Status.EXITED)

    tasks_schedule(region=place["county"])

    assert reviews() == {
        "irregular": dt.date(2026, 12, 5),
        "irregular-other": dt.date(2026, 11, 30),
        "unable": dt.date(2026, 12, 10),
        "marginal": dt.date(2026, 12, 1),
        "expenditure": dt.date(2026, 11, 30),
        "tekun": dt.date(2026, 12, 20),
    }
    assert {t.assignee for t in Task.objects.filter(kind=Task.Kind.REVIEW)} == {assistant}


def test_a_single_dibao_member_is_reviewed_yearly(place):
    household(
        place["village"],
        tier=Tier.MARGINAL,
        registry_number="single",
        enrolled_on=dt.date(2025, 12, 15),
        next_review_due=None,
        members=[{**WORKING_IRREGULAR, "personal_status": PersonalStatus.SINGLE_DIBAO}],
    )
    tasks_schedule(region=place["county"])
    assert reviews() == {"single": dt.date(2026, 12, 15)}


def test_a_set_review_date_wins_and_an_overdue_one_is_scheduled(place):
    household(place["village"], tier=Tier.DIBAO, registry_number="late", members=[ELDERLY],
              next_review_due=dt.date(2026, 9, 1))  # fmt: skip
    tasks_schedule(region=place["county"])
    assert reviews() == {"late": dt.date(2026, 9, 1)}
    assert Task.objects.get(kind=Task.Kind.REVIEW).is_overdue(TODAY)


def test_protected_households_are_visited_every_month(place):
    """002: 低保, 特困, orphans and de-facto unsupported children every month; and an elderly
    person living alone with any status."""
    child = {"birth": dt.date(2015, 3, 1), "is_orphan": True}
    unsupported = {"birth": dt.date(2012, 3, 1), "is_unsupported_child": True}
    grown_orphan = {"birth": dt.date(2008, 11, 20), "is_orphan": True}  # 18 today
    single = {**ELDERLY, "personal_status": PersonalStatus.SINGLE_DIBAO}

    def home(number, tier, members):
        household(place["village"], tier=tier, registry_number=number, members=members)

    home("dibao", Tier.DIBAO, [ELDERLY, WORKING_STEADY])
    home("tekun", Tier.TEKUN, [ELDERLY])
    home("single", Tier.MARGINAL, [single, WORKING_STEADY])
    home("orphan", Tier.NONE, [child])
    home("unsupported", Tier.MARGINAL, [unsupported, WORKING_STEADY])
    home("alone", Tier.MARGINAL, [ELDERLY])
    # Not visited monthly:
    home("marginal", Tier.MARGINAL, [ELDERLY, WORKING_STEADY])
    home("alone-none", Tier.NONE, [ELDERLY])
    home("grown", Tier.NONE, [grown_orphan])
    home("young-alone", Tier.EXPENDITURE, [WORKING_STEADY])

    tasks_schedule(region=place["county"])

    visits = Task.objects.filter(kind=Task.Kind.VISIT).select_related("household")
    assert {v.household.registry_number for v in visits} == {
        "dibao",
        "tekun",
        "single",
        "orphan",
        "unsupported",
        "alone",
    }
    assert {(v.period_start, v.due_on) for v in visits} == {
        (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    }


def test_a_gradual_exit_ends_with_a_review_on_its_last_day(place, assistant):
    """An income exit confirmed on 2026-11-01 with a 渐退期 of 6 months keeps 低保 until
    2027-05-01; that day the review falls due, and it is on the worklist 30 days before."""
    reviewer = township_reviewer(place["town"])
    home, _members = household(
        place["village"], tier=Tier.DIBAO, members=[ELDERLY], next_review_due=dt.date(2027, 9, 1)
    )
    decision_record(
        by=reviewer,
        household=home,
        to_status=Coverage.NONE,
        kind=StatusDecision.Kind.EXIT,
        exit_reason=ExitReason.INCOME_ABOVE,
        gradual_exit_months=6,
        reference="元民低〔2026〕12号",
        effective_on=dt.date(2026, 11, 1),
        source=StatusDecision.Source.STAFF,
    )
    home.refresh_from_db()
    assert home.gradual_exit_until == dt.date(2027, 5, 1)
    assert home.next_review_due == dt.date(2027, 5, 1)
    assert tasks_schedule(region=place["county"], today=dt.date(2027, 3, 31)).reviews == 0
    assert tasks_schedule(region=place["county"], today=dt.date(2027, 4, 1)).reviews == 1
    review = Task.objects.get(kind=Task.Kind.REVIEW)
    assert (review.due_on, review.period_start) == (dt.date(2027, 5, 1), dt.date(2027, 5, 1))
    assert review.assignee == assistant


@pytest.mark.parametrize(
    ("member", "due"),
    [
        (WORKING_IRREGULAR, dt.date(2027, 5, 1)),  # half-yearly
        (ELDERLY, dt.date(2027, 11, 1)),  # yearly
    ],
)
def test_an_enrolment_starts_the_review_cycle(place, member, due):
    reviewer = township_reviewer(place["town"])
    home, _members = household(place["village"], members=[member], next_review_due=None)
    decision_record(
        by=reviewer,
        household=home,
        to_status=Coverage.DIBAO,
        kind=StatusDecision.Kind.ENROL,
        reference="元民低〔2026〕13号",
        effective_on=dt.date(2026, 11, 1),
        source=StatusDecision.Source.STAFF,
    )
    home.refresh_from_db()
    assert home.next_review_due == due


def test_running_the_schedule_twice_creates_nothing_more(place):
    household(place["village"], tier=Tier.DIBAO, members=[ELDERLY],
              next_review_due=dt.date(2026, 12, 1))  # fmt: skip
    first = tasks_schedule(region=place["county"])
    assert (first.reviews, first.visits) == (1, 1)
    second = tasks_schedule(region=place["county"])
    assert (second.reviews, second.visits) == (0, 0)
    assert tasks_schedule_task.delay().get() == 0  # the nightly job, over every county
    assert Task.objects.count() == 2


def test_a_completed_review_sets_the_next_one(place, assistant):
    home, _members = household(
        place["village"], tier=Tier.DIBAO, members=[ELDERLY], next_review_due=dt.date(2026, 12, 1)
    )
    tasks_schedule(region=place["county"])
    review = Task.objects.get(kind=Task.Kind.REVIEW)
    task_complete(task=review, by=assistant, outcome="no_change", on=dt.date(2026, 11, 18))
    home.refresh_from_db()
    assert home.next_review_due == dt.date(2027, 11, 18)  # elderly: yearly
    assert tasks_schedule(region=place["county"]).reviews == 0


def test_overdue_tasks_per_assistant_and_township(
    place, bureau, assistant, other_assistant, client
):
    late = dt.date(2026, 10, 1)
    for village in (place["village"], place["village"], place["other_village"]):
        household(village, tier=Tier.DIBAO, members=[ELDERLY], next_review_due=late)
    household(place["village"], tier=Tier.DIBAO, members=[ELDERLY],
              next_review_due=dt.date(2026, 12, 1))  # fmt: skip
    tasks_schedule(region=place["county"])
    client.force_login(bureau)
    response = client.get(reverse("discovery:overdue"))
    by_assignee = {g.label: g.count for g in response.context["by_assignee"]}
    by_township = {g.label: g.count for g in response.context["by_place"]}
    assert by_assignee == {str(assistant): 2, str(other_assistant): 1}
    assert by_township == {place["town"].name: 2, place["other_town"].name: 1}

    client.force_login(other_assistant)
    response = client.get(reverse("discovery:overdue"))
    assert [g.count for g in response.context["by_place"]] == [1]
    assert len(response.context["tasks"]) == 1


def test_a_review_after_the_gradual_exit_must_end_in_a_recommendation(place, assistant):
    """Closing it with "no change" would move the review on and keep 低保 for ever: refused;
    recommending the exit is accepted (the positive control)."""
    ended = TODAY - dt.timedelta(days=1)
    home, _members = household(
        place["village"],
        tier=Tier.DIBAO,
        members=[ELDERLY],
        next_review_due=ended,
        gradual_exit_until=ended,
    )
    tasks_schedule(region=place["county"])
    review = Task.objects.get(kind=Task.Kind.REVIEW)
    with pytest.raises(ValidationError) as refusal:
        task_complete(task=review, by=assistant, outcome="no_change", on=TODAY)
    assert "渐退期" in refusal.value.message_dict["outcome"][0]
    home.refresh_from_db()
    assert home.next_review_due == ended
    task_complete(
        task=review,
        by=assistant,
        outcome="recommended",
        on=TODAY,
        recommendation=Recommendation(
            kind="exit", to_status=Coverage.NONE, exit_reason=ExitReason.INCOME_ABOVE
        ),
    )
    review.refresh_from_db()
    assert review.status == Task.Status.DONE
