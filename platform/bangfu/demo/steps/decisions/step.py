"""The step: draws the households and members for each decision, exits first (they need
households of a given shape), then has them made."""

import datetime as dt

from bangfu.core.dates import add_months
from bangfu.demo.builder import COUNTY_CODE, DemoContext, Step, forget_audit
from bangfu.demo.families import HouseholdPlan, PersonPlan
from bangfu.demo.steps.decisions.making import _make, _township
from bangfu.demo.steps.decisions.planned import (
    HISTORY_DAYS,
    HOUSEHOLD_WORDS,
    REJECTIONS,
    SHARES,
    WAITING_IN_LOGIN_TOWNSHIP,
    Kind,
    Planned,
    Source,
)
from bangfu.demo.steps.organisations import LOGIN_TOWNSHIP
from bangfu.regions.models import Region, within
from bangfu.registry.models import (
    Coverage,
    ExitReason,
    Household,
    Member,
    PersonalStatus,
    StatusDecision,
    Tier,
)


class DecisionsStep(Step):
    name = "decisions"

    def build(self, ctx: DemoContext) -> None:
        rng = ctx.rng(self.name)
        as_of = ctx.options.as_of
        count = len(ctx.households)
        quota = {
            key: (max(low, round(count * share)) if count else 0)
            for key, (share, low) in SHARES.items()
        }
        plans = list(ctx.households)
        members = _member_pks([household for household, _plan in plans])
        taken: set[int] = set()  # households with a decision drawn already
        planned: list[Planned] = []

        def draw(pool, number):
            pool = [item for item in pool if item[0].pk not in taken]
            chosen = rng.sample(pool, min(number, len(pool)))
            taken.update(household.pk for household, *_rest in chosen)
            return chosen

        def pk_of(household, plan: HouseholdPlan, person: PersonPlan) -> int:
            return members[household.pk][plan.people.index(person)]

        # Exits first: they need households of a given shape.
        alone = [
            (h, p)
            for h, p in plans
            if p.tier == Tier.TEKUN and p.shape == "elderly_alone" and p.people[0].age >= 80
        ]
        for household, plan in draw(alone, quota["deceased"]):
            on = _after(rng, household.enrolled_on, as_of, 10, 300)
            planned.append(
                Planned(
                    "record",
                    on,
                    household,
                    plan,
                    Coverage.NONE,
                    member_pk=pk_of(household, plan, plan.people[0]),
                    kind=Kind.EXIT,
                    exit_reason=ExitReason.DECEASED,
                    note="村委会报告，本人因病去世",
                )
            )
        minors = [
            (h, p, person)
            for h, p in plans
            if p.shape == "orphans"
            for person in p.people
            if person.age in (16, 17)
        ]
        for household, plan, person in draw(minors, 1):
            sixteen = add_months(person.birth_date, 16 * 12)
            on = _after(rng, max(sixteen, household.enrolled_on), as_of, 7, 300)
            planned.append(
                Planned(
                    "record",
                    on,
                    household,
                    plan,
                    Coverage.NONE,
                    member_pk=pk_of(household, plan, person),
                    kind=Kind.EXIT,
                    exit_reason=ExitReason.OTHER,
                    note="年满16周岁，停止特困供养",
                )
            )
        own_status = [
            (h, p)
            for h, p in plans
            if p.household_tier != Tier.NONE
            and all(person.personal_status == PersonalStatus.NONE for person in p.people)
        ]
        for household, plan in draw(own_status, quota["moved"]):
            on = _after(rng, household.enrolled_on, as_of, 10, 400)
            planned.append(
                Planned(
                    "record",
                    on,
                    household,
                    plan,
                    Coverage.NONE,
                    kind=Kind.EXIT,
                    exit_reason=ExitReason.MOVED_AWAY,
                    note="全家迁往昆明市务工定居",
                )
            )
        rising = [(h, p) for h, p in plans if p.gradual_exit]
        for household, plan in draw(rising, quota["gradual"]):
            on = _after(rng, household.enrolled_on, as_of, 15, 150)
            planned.append(
                Planned(
                    "confirm",
                    on,
                    household,
                    plan,
                    Coverage.NONE,
                    kind=Kind.EXIT,
                    source=Source.REVIEW,
                    exit_reason=ExitReason.INCOME_ABOVE,
                    note="复核：家庭成员务工收入增加，人均收入已超过低保标准",
                )
            )

        # 特困 and 单人纳保 of a member, found on a visit and confirmed by the township.
        personal = [
            (h, p, person)
            for h, p in plans
            for person in p.people
            if person.personal_status != PersonalStatus.NONE and p.household_tier != Tier.NONE
        ]
        for household, plan, person in draw(personal, quota["confirmed"]):
            on = _after(rng, household.enrolled_on, as_of, 20, 540)
            reason = "重度残疾" if person.severely_disabled else "患重病或失能"
            planned.append(
                Planned(
                    "confirm",
                    on,
                    household,
                    plan,
                    str(person.personal_status),
                    member_pk=pk_of(household, plan, person),
                    source=Source.VERIFICATION,
                    revert=True,
                    note=f"入户核实：{reason}，符合条件",
                    evidence={"note": f"{reason}，家庭为{HOUSEHOLD_WORDS[plan.household_tier]}"},
                )
            )

        # Enrolments of the last two years, copied from the benefits system.
        recent = [
            (h, p)
            for h, p in plans
            if p.household_tier != Tier.NONE
            and h.enrolled_on
            and (as_of - h.enrolled_on).days <= HISTORY_DAYS
        ]
        for household, plan in draw(recent, quota["recorded"]):
            planned.append(
                Planned(
                    "record",
                    household.enrolled_on,
                    household,
                    plan,
                    str(plan.household_tier),
                    revert=True,
                )
            )
        recent_tekun = [
            (h, p)
            for h, p in plans
            if p.tier == Tier.TEKUN
            and p.shape != "tekun_in_family"
            and h.enrolled_on
            and (as_of - h.enrolled_on).days <= HISTORY_DAYS
        ]
        for household, plan in draw(recent_tekun, max(1, quota["recorded"] // 4)):
            for person in plan.people:
                planned.append(
                    Planned(
                        "record",
                        household.enrolled_on,
                        household,
                        plan,
                        Coverage.TEKUN,
                        member_pk=pk_of(household, plan, person),
                        revert=True,
                    )
                )

        # Recommendations the township turned down: the registry keeps what it had.
        marginal = [
            (h, p)
            for h, p in plans
            if p.tier == Tier.MARGINAL
            and all(person.personal_status == PersonalStatus.NONE for person in p.people)
        ]
        for number, (household, plan) in enumerate(draw(marginal, quota["rejected"])):
            kind, to_status, note, reason = REJECTIONS[number % len(REJECTIONS)]
            member_pk = None
            if to_status == Coverage.SINGLE_DIBAO:  # the member longest ill
                ill = [p for p in plan.people if p.illness != Member.Illness.NONE]
                oldest = max(ill or plan.people, key=lambda person: person.age)
                member_pk = pk_of(household, plan, oldest)
            on = as_of - dt.timedelta(days=rng.randint(20, 200))
            planned.append(
                Planned(
                    "reject",
                    on,
                    household,
                    plan,
                    to_status,
                    member_pk=member_pk,
                    kind=kind,
                    source=Source.VERIFICATION,
                    note=note,
                    rejection=reason,
                )
            )

        # Waiting for the township: 单人纳保 candidates, a household to enrol after a crisis, one
        # whose savings are above the limit. Yinyuan's first, for the reviewer's log-in.
        waiting = []
        for household, plan in plans:
            if plan.tier == Tier.MARGINAL:
                for person in plan.people:
                    if person.personal_status == PersonalStatus.NONE and (
                        person.severely_disabled or person.illness == Member.Illness.SERIOUS
                    ):
                        waiting.append((household, plan, person))
                        break
            elif (plan.crisis and plan.per_capita_income < ctx.standard(household.residence)) or (
                plan.tier == Tier.DIBAO and _assets_above(plan, ctx.standard(household.residence))
            ):
                waiting.append((household, plan, None))
        in_login = [item for item in waiting if _township(ctx, item[0]) == LOGIN_TOWNSHIP]
        chosen = draw(in_login, WAITING_IN_LOGIN_TOWNSHIP)
        chosen += draw(waiting, max(0, quota["waiting"] - len(chosen)))
        for household, plan, person in chosen:
            on = as_of - dt.timedelta(days=rng.randint(1, 20))
            if person is not None:
                reason = "重度残疾" if person.severely_disabled else "患重病"
                planned.append(
                    Planned(
                        "wait",
                        on,
                        household,
                        plan,
                        Coverage.SINGLE_DIBAO,
                        member_pk=pk_of(household, plan, person),
                        source=Source.VERIFICATION,
                        note=f"入户核实：{reason}，家庭为低保边缘家庭，建议单人纳保",
                        evidence={"note": f"{reason}（低保边缘家庭）"},
                    )
                )
            elif plan.crisis:
                planned.append(
                    Planned(
                        "wait",
                        on,
                        household,
                        plan,
                        Coverage.DIBAO,
                        source=Source.REVIEW,
                        note="临时救助后回访：家庭人均收入低于低保标准，建议纳入低保",
                    )
                )
            else:
                planned.append(
                    Planned(
                        "wait",
                        on,
                        household,
                        plan,
                        Coverage.NONE,
                        kind=Kind.EXIT,
                        source=Source.REVIEW,
                        exit_reason=ExitReason.ASSETS_ABOVE,
                        note="核对存款：家庭金融资产超过规定标准，建议退出低保",
                    )
                )

        made = _make(ctx, rng, planned)
        ctx.count("decisions", made)

    def reset(self) -> None:
        county = Region.objects.filter(code=COUNTY_CODE).first()
        if county is not None:
            decisions = StatusDecision.objects.filter(within(county, "household__region"))
            forget_audit(decisions)
            decisions.delete()


def _member_pks(households: list[Household]) -> dict[int, list[int]]:
    """Each household's members' keys, in the order of its plan's people (their creation)."""
    out: dict[int, list[int]] = {household.pk: [] for household in households}
    rows = Member.objects.filter(household__in=households).order_by("pk")
    for pk, household_id in rows.values_list("pk", "household_id"):
        out[household_id].append(pk)
    return out


def _after(rng, start: dt.date | None, as_of: dt.date, low: int, high: int) -> dt.date:
    """A day ``low`` to ``high`` days before ``as_of``, and after ``start``."""
    day = as_of - dt.timedelta(days=rng.randint(low, high))
    if start is not None and day <= start:
        day = min(start + dt.timedelta(days=max(1, (as_of - start).days // 2)), as_of)
    return day


def _assets_above(plan: HouseholdPlan, standard) -> bool:
    """Savings beyond two years of the standard per person: the asset test's cases."""
    assets = plan.financial_assets
    return assets is not None and assets > standard * 24 * len(plan.people)
