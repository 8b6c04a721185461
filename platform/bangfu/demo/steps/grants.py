"""临时救助 grants (``registry.grants``), through the services the townships and the county use:

- every household of no status came to the registry through one: the township's 先行救助 the
  week of the crisis, under the first-aid limit, and for some a larger grant the county decided
  after;
- 支出型 grants to a share of the 支出型 households (a serious illness's bills, a student's fees);
- a few 急难型 grants to 低保 households after an accident or a disaster;
- the county has acknowledged (``grant_report``) the 先行救助 of more than a month ago; the
  recent ones wait on its list; the latest proposals wait for a decision, one of them in Yinyuan
  within the township's limit, for the reviewer's log-in; one was turned down.

The services date what they record by the clock; the step dates each grant back to its day.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from bangfu.demo.builder import (
    COUNTY_CODE,
    DemoContext,
    Step,
    at_hour,
    forget_audit,
    township_short,
)
from bangfu.demo.families import EVENTS
from bangfu.demo.steps.organisations import LOGIN_TOWNSHIP
from bangfu.regions.models import Region, within
from bangfu.registry.grants import (
    TemporaryGrant,
    first_aid_limit,
    grant_decide,
    grant_propose,
    grant_reject,
    grant_report,
)
from bangfu.registry.models import Household, Member, Tier

Kind = TemporaryGrant.Kind
EXPENDITURE_SHARE = 0.2  # of the 支出型 households, a 支出型 grant this past year
DIBAO_EMERGENCY_SHARE = 0.01  # of the 低保 households, an emergency grant
FOLLOW_UP_SHARE = 0.2  # of the crises, a larger grant from the county after the first aid
REPORTED_AFTER_DAYS = 20  # the county takes the townships' reports every few weeks
# Proposals still waiting: first aid is decided the day it is asked for, the county's grants
# within a week.
WAITING_DAYS = {True: 1, False: 7}
MIN_WAITING = 2


@dataclass
class Planned:
    on: dt.date  # proposed on; granted on, once decided
    household: Household
    kind: str
    amount: Decimal
    reason: str
    decide: bool = True


class GrantsStep(Step):
    name = "grants"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        as_of = ctx.options.as_of
        limit = first_aid_limit(ctx.county, as_of)
        planned: list[Planned] = []

        def amount(low: int, high: int) -> Decimal:
            return Decimal(rng.randrange(low, high + 1, 50)).quantize(Decimal("0.01"))

        small = (300, int(limit))  # the township's, at once
        for household, plan in ctx.households:
            if plan.crisis:
                on = household.enrolled_on or as_of
                reason = f"{plan.event}，基本生活暂时困难，先行救助"
                planned.append(Planned(on, household, Kind.EMERGENCY, amount(*small), reason))
                if rng.random() < FOLLOW_UP_SHARE:
                    later = on + dt.timedelta(days=rng.randint(7, 30))
                    kind = Kind.EXPENDITURE if "病" in plan.event else Kind.EMERGENCY
                    planned.append(
                        Planned(
                            min(later, as_of),
                            household,
                            kind,
                            amount(1500, 5000),
                            f"{plan.event}，先行救助后仍有困难，县级审批救助",
                        )
                    )
            elif plan.tier == Tier.EXPENDITURE and rng.random() < EXPENDITURE_SHARE:
                on = as_of - dt.timedelta(days=rng.randint(3, 330))
                patients = [p for p in plan.people if p.illness == Member.Illness.SERIOUS]
                if plan.shape == "student_family" and not patients:
                    reason = "子女就读大学，学费和生活费负担重（因学）"
                elif patients:
                    reason = f"{patients[0].illness_note}治疗，医保报销后个人自付费用高（因病）"
                else:
                    reason = "家庭成员重度残疾，康复和护理支出大（因残）"
                planned.append(Planned(on, household, Kind.EXPENDITURE, amount(1500, 5000), reason))
            elif plan.tier == Tier.DIBAO and rng.random() < DIBAO_EMERGENCY_SHARE:
                on = as_of - dt.timedelta(days=rng.randint(3, 330))
                event = rng.choice(EVENTS)
                planned.append(Planned(on, household, Kind.EMERGENCY, amount(*small), event))
        # The latest proposals wait; at least one in Yinyuan, within the township's limit.
        planned.sort(key=lambda p: (p.on, p.household.registry_number, p.kind))
        for item in planned:
            item.decide = (as_of - item.on).days > WAITING_DAYS[item.amount <= limit]
        if sum(not item.decide for item in planned) < MIN_WAITING:
            for item in planned[-MIN_WAITING:]:
                item.decide = False
        if not any(
            not item.decide
            and item.amount <= limit
            and self._township(ctx, item.household) == LOGIN_TOWNSHIP
            for item in planned
        ):
            households = [
                (h, p)
                for h, p in ctx.households
                if self._township(ctx, h) == LOGIN_TOWNSHIP and not p.exited
            ]
            if households:
                household, _plan = rng.choice(households)
                on = as_of - dt.timedelta(days=rng.randint(0, WAITING_DAYS[True]))
                planned.append(
                    Planned(
                        on,
                        household,
                        Kind.EMERGENCY,
                        amount(*small),
                        f"{rng.choice(EVENTS)}，申请临时救助",
                        decide=False,
                    )
                )
        made = self._make(ctx, rng, planned, limit)
        ctx.count("temporary grants", made)

    def _make(self, ctx: DemoContext, rng, planned: list[Planned], limit: Decimal) -> int:
        as_of = ctx.options.as_of
        manager = ctx.users["manager"]
        numbers: dict[tuple[str, int], int] = {}
        dated = []
        rejected = False
        # The latest first aid is on the county's list still, however long ago it was.
        first_aid = [item for item in planned if item.decide and item.amount <= limit]
        latest_first_aid = first_aid[-1] if first_aid else None
        for item in planned:
            household = item.household
            township = ctx.township_of[household.region_id]
            proposer = ctx.village_assistant[household.region_id]
            grant = grant_propose(
                by=proposer,
                household=household,
                kind=item.kind,
                amount=item.amount,
                reason=item.reason,
            )
            proposed_at = at_hour(item.on, 9)
            decided_at = reported_at = None
            if item.decide:
                first_aid = item.amount <= limit
                decider = ctx.township_reviewer[township.code] if first_aid else manager
                issuer = township_short(township) if first_aid else "元民"
                key = (issuer, item.on.year)
                numbers[key] = numbers.get(key, rng.randint(3, 20)) + rng.randint(1, 4)
                if not first_aid and not rejected and item.kind == Kind.EMERGENCY:
                    # Once: the county turned a follow-up down, the first aid had sufficed.
                    rejected = True
                    grant = grant_reject(
                        by=manager,
                        grant=grant,
                        reason="先行救助后家庭基本生活已恢复，且已纳入其他救助，不再重复救助",
                    )
                    decided_at = at_hour(item.on, 16)
                else:
                    grant = grant_decide(
                        by=decider,
                        grant=grant,
                        reference=f"{issuer}临救〔{item.on.year}〕{numbers[key]}号",
                        granted_on=item.on,
                    )
                    decided_at = at_hour(item.on, 16)
                    old = (as_of - item.on).days > REPORTED_AFTER_DAYS
                    if grant.first_aid and old and item is not latest_first_aid:
                        grant = grant_report(by=manager, grant=grant)
                        reported = item.on + dt.timedelta(days=rng.randint(5, REPORTED_AFTER_DAYS))
                        reported_at = at_hour(reported, 11)
            grant.created_at, grant.decided_at = proposed_at, decided_at or grant.decided_at
            grant.reported_at = reported_at or grant.reported_at
            dated.append(grant)
        TemporaryGrant.objects.bulk_update(
            dated, ["created_at", "decided_at", "reported_at"], batch_size=500
        )
        return len(dated)

    @staticmethod
    def _township(ctx: DemoContext, household: Household) -> str:
        return ctx.township_of[household.region_id].code

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is not None:
            grants = TemporaryGrant.objects.filter(within(county, "household__region"))
            forget_audit(grants)
            grants.delete()
