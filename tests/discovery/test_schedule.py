"""Periodic reviews (yearly or every six months, by who lives in the household) and monthly
visits: created by the nightly job once per household and period, safe to run twice."""

import datetime as dt

from django.urls import reverse

from bangfu.discovery.models import Task
from bangfu.discovery.services import task_complete, tasks_schedule
from bangfu.discovery.tasks import tasks_schedule_task
from bangfu.registry.models import Household, Tier
from tests.discovery.conftest import TODAY, household

ELDERLY = {"birth": dt.date(1950, 1, 1)}
WORKING_IRREGULAR = {"birth": dt.date(1985, 1, 1), "income_is_irregular": True}
WORKING_STEADY = {"birth": dt.date(1985, 1, 1)}


def reviews() -> dict[str, dt.date]:
    return {
        task.household.registry_number: task.due_on
        for task in Task.objects.filter(kind=Task.Kind.REVIEW).select_related("household")
    }


def test_reviews_fall_due_yearly_or_every_six_months(place, assistant):
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

    home("stable", Tier.DIBAO, [ELDERLY], dt.date(2025, 12, 10))  # yearly: 2026-12-10
    home("irregular", Tier.DIBAO, [ELDERLY, WORKING_IRREGULAR], dt.date(2026, 6, 5))  # 2026-12-05
    home("later", Tier.DIBAO, [WORKING_IRREGULAR], dt.date(2026, 6, 21))  # 2026-12-21: too early
    home("other", Tier.MARGINAL, [WORKING_STEADY], dt.date(2026, 5, 31))  # six months: 2026-11-30
    home("stable-later", Tier.TEKUN, [ELDERLY], dt.date(2026, 6, 5))  # 2027-06-05
    home("temporary", Tier.TEMPORARY, [ELDERLY], dt.date(2020, 1, 1))
    home("exited", Tier.DIBAO, [ELDERLY], dt.date(2020, 1, 1), status=Household.Status.EXITED)

    tasks_schedule(region=place["county"])

    assert reviews() == {
        "stable": dt.date(2026, 12, 10),
        "irregular": dt.date(2026, 12, 5),
        "other": dt.date(2026, 11, 30),
    }
    assert {t.assignee for t in Task.objects.filter(kind=Task.Kind.REVIEW)} == {assistant}


def test_a_set_review_date_wins_and_an_overdue_one_is_scheduled(place):
    household(place["village"], tier=Tier.DIBAO, registry_number="late", members=[ELDERLY],
              next_review_due=dt.date(2026, 9, 1))  # fmt: skip
    tasks_schedule(region=place["county"])
    assert reviews() == {"late": dt.date(2026, 9, 1)}
    assert Task.objects.get(kind=Task.Kind.REVIEW).is_overdue(TODAY)


def test_protected_households_are_visited_every_month(place):
    child = {"birth": dt.date(2015, 3, 1), "is_orphan": True}
    household(place["village"], tier=Tier.DIBAO, registry_number="dibao", members=[ELDERLY])
    household(place["village"], tier=Tier.TEKUN, registry_number="tekun", members=[ELDERLY])
    household(place["village"], tier=Tier.MARGINAL, registry_number="orphan", members=[child])
    household(place["village"], tier=Tier.MARGINAL, registry_number="marginal", members=[ELDERLY])

    tasks_schedule(region=place["county"])

    visits = Task.objects.filter(kind=Task.Kind.VISIT).select_related("household")
    assert {v.household.registry_number for v in visits} == {"dibao", "tekun", "orphan"}
    assert {(v.period_start, v.due_on) for v in visits} == {
        (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    }


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
    by_township = {g.label: g.count for g in response.context["by_township"]}
    assert by_assignee == {str(assistant): 2, str(other_assistant): 1}
    assert by_township == {place["town"].name: 2, place["other_town"].name: 1}

    client.force_login(other_assistant)
    response = client.get(reverse("discovery:overdue"))
    assert [g.count for g in response.context["by_township"]] == [1]
    assert len(response.context["tasks"]) == 1
