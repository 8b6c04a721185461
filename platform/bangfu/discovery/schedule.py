"""When a household is reviewed (核查) and visited (巡访), as the documents say.

Reviews, 003: 「对特困人员和低保对象中的重残人员、重病患者、老年人等特殊困难人员家庭每年核查一次；
对收入来源不固定、家庭成员有劳动能力的低保家庭，每半年核查一次」.

- Every ``review_interval_irregular_months`` (six) a 低保 household (its own status) with an
  irregular income (a member's ``income_is_irregular``) and a working-age member (16 to 59)
  able to work, fully or partly.
- Every ``review_interval_stable_months`` (twelve) every other household with a status: the
  other 低保 households, those with a 特困 or 单人纳保 member, 低保边缘 and 支出型. The seeds
  set no interval for 边缘 and 支出型; they are reviewed yearly like the others.
- A 渐退期 ends with a review on its last day (``household.gradual_exit_until``):
  ``services.review_after_decision`` puts it on the worklist when the exit is confirmed.

Visits every ``visit_interval_months`` (monthly), 002: 「加大对低保对象、特困人员、孤儿、事实无人
抚养儿童等困难群体每月摸排和巡访探访力度」: households on 低保 (or with a 单人纳保 member) or with
a 特困 member, every household with an orphan or a de-facto unsupported child (003: 「加强事实
无人抚养儿童等困境儿童保障」), and — the issue's "those living alone", which the seeds do not name
— an elderly person (60 or over) living alone with any status.

Pure functions of a household, its members and the policy in force: no database.
"""

import datetime as dt

from bangfu.core.dates import add_months
from bangfu.discovery.standards import ADULT_AGE, ELDERLY_AGE, WORKING_AGE
from bangfu.regions.policy import Policy
from bangfu.registry.models import Household, HouseholdTier, Member, Tier

VISITED_TIERS = frozenset({Tier.TEKUN, Tier.DIBAO})
LIVE_STATUSES = frozenset({Household.Status.ACTIVE, Household.Status.UNDER_REVIEW})
ABLE_TO_WORK = frozenset({Member.WorkAbility.FULL, Member.WorkAbility.PARTIAL})


def has_irregular_income_and_workers(members: list[Member], on: dt.date) -> bool:
    """收入来源不固定、家庭成员有劳动能力: someone's income is irregular and a working-age
    member can work."""
    low, high = WORKING_AGE
    return any(m.income_is_irregular for m in members) and any(
        m.work_ability in ABLE_TO_WORK and low <= m.age_on(on) < high for m in members
    )


def reviewed_half_yearly(household: Household, members: list[Member], on: dt.date) -> bool:
    return household.household_tier == HouseholdTier.DIBAO and has_irregular_income_and_workers(
        members, on
    )


def review_interval(
    household: Household, members: list[Member], policy: Policy, on: dt.date
) -> int:
    """Months between two reviews of this household."""
    if reviewed_half_yearly(household, members, on):
        return policy["review_interval_irregular_months"]
    return policy["review_interval_stable_months"]


def is_reviewed(household: Household) -> bool:
    """Every live household with a status (its own or a member's)."""
    return household.tier != Tier.NONE and household.status in LIVE_STATUSES


def review_due_on(
    household: Household, members: list[Member], policy: Policy, on: dt.date
) -> dt.date | None:
    """The date the household's next review falls due; None if it is not reviewed."""
    if not is_reviewed(household):
        return None
    if household.next_review_due:
        return household.next_review_due
    return add_months(household.enrolled_on or on, review_interval(household, members, policy, on))


def is_visited(household: Household, members: list[Member], on: dt.date) -> bool:
    if household.status not in LIVE_STATUSES:
        return False
    if household.tier in VISITED_TIERS:
        return True
    if any((m.is_orphan or m.is_unsupported_child) and m.age_on(on) < ADULT_AGE for m in members):
        return True
    return (
        household.tier != Tier.NONE and len(members) == 1 and members[0].age_on(on) >= ELDERLY_AGE
    )


def visit_period(on: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The visit period holding ``on``: periods of ``months`` counted from January of year 0,
    so a monthly period is the calendar month and a two-monthly one starts in an odd month."""
    index = (on.year * 12 + on.month - 1) // months * months
    start = dt.date(index // 12, index % 12 + 1, 1)
    return start, add_months(start, months) - dt.timedelta(days=1)
