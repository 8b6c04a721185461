"""When a household is reviewed (核查) and visited (巡访), from DOMAIN.md's rules.

- Review yearly (``review_interval_stable_months``) when the household has severely disabled,
  seriously ill or elderly members and no irregular working income; every six months
  (``review_interval_irregular_months``) when a working-age member's income is irregular, and
  for every other household (income that can change is checked at the shorter interval).
- Visit every ``visit_interval_months`` (monthly) the 特困 and 低保 households and every
  household with an orphan or a de-facto unsupported child.

Pure functions of a household, its members and the policy in force: no database.
"""

import calendar
import datetime as dt

from bangfu.regions.policy import Policy
from bangfu.registry.models import Household, Member, Tier

REVIEWED_TIERS = frozenset({Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL, Tier.EXPENDITURE})
VISITED_TIERS = frozenset({Tier.TEKUN, Tier.DIBAO})
LIVE_STATUSES = frozenset({Household.Status.ACTIVE, Household.Status.UNDER_REVIEW})
WORKING_AGE = (16, 60)
ELDERLY_AGE = 60
ADULT_AGE = 18


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def has_irregular_working_income(members: list[Member], on: dt.date) -> bool:
    low, high = WORKING_AGE
    return any(m.income_is_irregular and low <= m.age_on(on) < high for m in members)


def is_stable(members: list[Member], on: dt.date) -> bool:
    return any(
        m.is_severely_disabled or m.illness == Member.Illness.SERIOUS or m.age_on(on) >= ELDERLY_AGE
        for m in members
    )


def review_interval(members: list[Member], policy: Policy, on: dt.date) -> int:
    """Months between two reviews of this household."""
    if not has_irregular_working_income(members, on) and is_stable(members, on):
        return policy["review_interval_stable_months"]
    return policy["review_interval_irregular_months"]


def is_reviewed(household: Household) -> bool:
    return household.tier in REVIEWED_TIERS and household.status in LIVE_STATUSES


def review_due_on(
    household: Household, members: list[Member], policy: Policy, on: dt.date
) -> dt.date | None:
    """The date the household's next review falls due; None if it is not reviewed."""
    if not is_reviewed(household):
        return None
    if household.next_review_due:
        return household.next_review_due
    return add_months(household.enrolled_on or on, review_interval(members, policy, on))


def is_visited(household: Household, members: list[Member], on: dt.date) -> bool:
    if household.status not in LIVE_STATUSES:
        return False
    if household.tier in VISITED_TIERS:
        return True
    return any(
        (m.is_orphan or m.is_unsupported_child) and m.age_on(on) < ADULT_AGE for m in members
    )


def visit_period(on: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The visit period holding ``on``: periods of ``months`` counted from January of year 0,
    so a monthly period is the calendar month and a two-monthly one starts in an odd month."""
    index = (on.year * 12 + on.month - 1) // months * months
    start = dt.date(index // 12, index % 12 + 1, 1)
    return start, add_months(start, months) - dt.timedelta(days=1)
