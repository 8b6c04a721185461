"""Periodic reviews and visits: the tasks that fall due, and the next review a decision sets."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bangfu.core.dates import add_months
from bangfu.discovery.models import Task
from bangfu.discovery.schedule import (
    LIVE_STATUSES,
    is_visited,
    review_due_on,
    review_interval,
    visit_period,
)
from bangfu.discovery.services.assistants import Assistants
from bangfu.regions.models import Region, within
from bangfu.regions.policy import Policy
from bangfu.registry import services as registry
from bangfu.registry.models import Household, StatusDecision, Tier

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ScheduleResult:
    reviews: int
    visits: int


@transaction.atomic
def tasks_schedule(*, region: Region | None = None, today: dt.date | None = None) -> ScheduleResult:
    """Create the reviews that fall due within the notice period and this period's visits."""
    today = today or timezone.localdate()
    households = Household.objects.filter(status__in=LIVE_STATUSES)
    if region is not None:
        households = households.filter(within(region, "region"))
    policies: dict[int, Policy] = {}
    assistants = Assistants()
    wanted: dict[tuple, Task] = {}
    for household in (
        households.select_related("region").prefetch_related("members").iterator(chunk_size=1000)
    ):
        village = household.region
        if village.pk not in policies:
            policies[village.pk] = Policy(village, today.year)
        policy = policies[village.pk]
        members = list(household.members.all())
        due = review_due_on(household, members, policy, today)
        notice = dt.timedelta(days=policy["discovery_review_notice_days"])
        if due is not None and due <= today + notice:
            wanted[(household.pk, Task.Kind.REVIEW, due)] = Task(
                kind=Task.Kind.REVIEW,
                region=village,
                household=household,
                assignee=assistants.of(village),
                period_start=due,
                due_on=due,
            )
        if is_visited(household, members, today):
            start, end = visit_period(today, policy["visit_interval_months"])
            wanted[(household.pk, Task.Kind.VISIT, start)] = Task(
                kind=Task.Kind.VISIT,
                region=village,
                household=household,
                assignee=assistants.of(village),
                period_start=start,
                due_on=end,
            )
    existing = set()
    household_ids = sorted({key[0] for key in wanted})
    for start in range(0, len(household_ids), 500):
        existing.update(
            Task.objects.filter(
                household_id__in=household_ids[start : start + 500], kind__in=Task.SCHEDULED
            ).values_list("household_id", "kind", "period_start")
        )
    new = [task for key, task in wanted.items() if key not in existing]
    # ignore_conflicts: a run at the same moment may have created some of them already.
    Task.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return ScheduleResult(
        reviews=sum(1 for task in new if task.kind == Task.Kind.REVIEW),
        visits=sum(1 for task in new if task.kind == Task.Kind.VISIT),
    )


def review_after_decision(decision: StatusDecision) -> None:
    """A confirmed decision changed the household's status: its next review is due at the end
    of a 渐退期 granted (003: 「给予一定时间的渐退期」; that review makes the exit), else after
    the interval of the status it has now, counted from the effective date; a household left
    with no status has none."""
    household = Household.objects.get(pk=decision.household_id)
    if household.gradual_exit_until is not None:
        due = household.gradual_exit_until
    elif household.tier == Tier.NONE:
        due = None
    else:
        due = _next_review(household, decision.effective_on)
    if due != household.next_review_due:
        registry.household_review_schedule(household=household, due=due, decision=decision)


def _next_review(household: Household, on: dt.date) -> dt.date:
    members = list(household.members.all())
    months = review_interval(household, members, Policy(household.region, on.year), on)
    return add_months(on, months)


def next_review_set(*, household: Household, by, on: dt.date) -> None:
    """A review closed (``task_complete``): the household's next one, after its status's
    interval."""
    household = Household.objects.get(pk=household.pk)
    if household.tier not in {Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL, Tier.EXPENDITURE}:
        return
    registry.household_update(
        household=household, by=by, next_review_due=_next_review(household, on)
    )
