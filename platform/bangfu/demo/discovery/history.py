"""The history of past verifications: the warnings of the last two years and how their visits
ended, for the risk model to learn from."""

import datetime as dt
import math
import random
from decimal import Decimal

from bangfu.core.dates import add_months
from bangfu.demo.discovery_files import RISKS
from bangfu.discovery import services
from bangfu.discovery.features import Facts, features
from bangfu.discovery.models import Flag, Rule, Task
from bangfu.discovery.standards import standards_for
from bangfu.regions.models import Region
from bangfu.registry.models import Member, Tier, age_on, is_severe_disability

HISTORY_SIZE = 720
Disability = Member.Disability

# How likely a past verification ended in a recommendation, by rule (a logit shift): children
# dropped from support and the severely disabled mostly, monitoring flags seldom.
RULE_EFFECT = {
    Rule.TEKUN_MINOR_DROPPED: 1.4,
    Rule.SEVERE_DISABILITY: 0.9,
    Rule.CUSTODY_MINOR: 0.8,
    Rule.EXPENDITURE: 0.3,
    Rule.MEDICAL: -0.3,
    Rule.MONITORING: -0.4,
}


def _history(county: Region, rng: random.Random, people: list[Member], as_of: dt.date) -> dict:
    """Past warnings of the last two years and how their verifications ended.

    Written in bulk (a demo, not a use case): the features are those the warning would have had
    when it was raised, the outcome is drawn from a known, noisy relation to them (children
    and severely disabled people without a tier were mostly recommended for a status, incomes
    well above the standard mostly dismissed), so the model has something real to learn and its
    AUC means something. The history keeps how each visit ended, not the township's decisions
    of long ago.
    """
    assistants = services.Assistants()
    standards: dict[int, Decimal] = {}
    rules = list(RULE_EFFECT)
    tasks, flags = [], []
    heads = [m for m in people if m.relation == Member.Relation.HEAD]
    households = {m.household_id: [] for m in heads}
    for member in people:
        if member.household_id in households:
            households[member.household_id].append(member)
    recommended = 0
    for index in range(HISTORY_SIZE):
        rule = rng.choice(rules)
        if rule in {Rule.TEKUN_MINOR_DROPPED, Rule.CUSTODY_MINOR}:
            pool = [m for m in people if age_on(m.birth_date, as_of) < 20] or people
        else:
            pool = heads
        member = rng.choice(pool)
        household = member.household
        village = household.region
        if village.pk not in standards:
            standards[village.pk] = standards_for(village, as_of.year).dibao_standard
        fired = as_of - dt.timedelta(days=rng.randint(60, 730))
        facts = _past_facts(
            rng,
            rule,
            member,
            households.get(household.pk) or [member],
            standards[village.pk],
            fired,
        )
        values = features(facts)
        outcome = _past_outcome(rng, rule, facts)
        recommended += outcome == Task.Outcome.RECOMMENDED
        assistant = assistants.of(village)
        done = min(fired + dt.timedelta(days=rng.randint(2, 25)), as_of)
        tasks.append(
            Task(
                kind=Task.Kind.VERIFY,
                region=village,
                household=household,
                assignee=assistant,
                due_on=fired + dt.timedelta(days=15),
                status=Task.Status.DONE,
                outcome=outcome,
                dismiss_reason=rng.choice(["not_eligible", "already_covered", "refused"])
                if outcome == Task.Outcome.DISMISSED
                else "",
                completed_on=done,
                completed_by=assistant,
            )
        )
        flags.append(
            Flag(
                rule=rule,
                key=f"{rule}:history:{member.id_number_hash[:24]}:{fired.isoformat()}:{index}",
                region=village,
                household=household,
                member=member,
                evidence=_past_evidence(rng, rule, member, facts, fired),
                features=values,
                rule_weight=0,
                fired_on=fired,
            )
        )
    Task.objects.bulk_create(tasks, batch_size=500)
    for flag, task in zip(flags, tasks, strict=True):
        flag.task = task
    Flag.objects.bulk_create(flags, batch_size=500)
    return {"verifications": len(flags), "recommended": recommended}


def _past_facts(rng, rule, member, members, standard, fired) -> Facts:
    """The situation as it looked when the warning was raised: often outside the registry or
    without a tier then (the verification is what led to their status)."""
    situation = rng.random()
    if situation < 0.25:
        return Facts(
            rule=rule,
            age=age_on(member.birth_date, fired),
            registered=False,
            severe_disability=rule == Rule.SEVERE_DISABILITY or member.is_severely_disabled,
            amount_ratio=rng.uniform(1.0, 2.5) if rule == Rule.MEDICAL else 0.0,
        )
    tier = rng.choices([Tier.NONE, Tier.MARGINAL, Tier.EXPENDITURE], weights=[60, 25, 15])[0]
    income = member.household.monthly_income_per_person()
    # Incomes then: around today's, some households much better off before an illness.
    income = (income * Decimal(str(round(rng.uniform(0.7, 1.8), 2)))).quantize(Decimal("0.01"))
    return Facts(
        rule=rule,
        age=age_on(member.birth_date, fired),
        registered=True,
        tier=tier,
        household_size=len(members),
        income_per_person=income,
        standard=standard,
        severe_disability=rule == Rule.SEVERE_DISABILITY
        or any(is_severe_disability(m.disability, m.disability_grade) for m in members),
        serious_illness=any(m.illness == Member.Illness.SERIOUS for m in members),
        elderly=sum(1 for m in members if age_on(m.birth_date, fired) >= 60),
        children=sum(1 for m in members if age_on(m.birth_date, fired) < 18),
        amount_ratio=rng.uniform(1.0, 2.5) if rule == Rule.MEDICAL else 0.0,
    )


def _past_evidence(rng, rule, member: Member, facts: Facts, fired: dt.date) -> dict:
    """The data the rule fired on then, as the rules write it."""
    if rule == Rule.MEDICAL:
        threshold = Decimal("40000")
        spent = (threshold * Decimal(str(round(facts.amount_ratio, 4)))).quantize(Decimal("0.01"))
        return {"year": fired.year - 1, "out_of_pocket": str(spent), "threshold": str(threshold)}
    if rule == Rule.SEVERE_DISABILITY:
        kind = member.disability if member.disability != Disability.NONE else Disability.PHYSICAL
        return {
            "disability": kind,
            "grade": member.disability_grade or rng.choice([1, 2]),
            "registered_on": (fired - dt.timedelta(days=rng.randint(5, 120))).isoformat(),
            "new_within_days": 180,
            "tier": facts.tier,
        }
    if rule == Rule.TEKUN_MINOR_DROPPED:
        return {
            "previous_list": add_months(fired, -3).isoformat(),
            "current_list": fired.isoformat(),
            "age": min(max(facts.age or 16, 16), 17),
        }
    if rule == Rule.CUSTODY_MINOR:
        since = fired - dt.timedelta(days=rng.randint(30, 900))
        return {
            "parent": rng.choice(["prison", "rehab"]),
            "since": since.isoformat(),
            "age": facts.age or 0,
        }
    if rule == Rule.MONITORING:
        identified = fired - dt.timedelta(days=rng.randint(10, 200))
        return {"identified_on": identified.isoformat(), "risk": rng.choice(RISKS)}
    income = facts.income_per_person or facts.standard
    ceiling = (facts.standard * Decimal("1.5")).quantize(Decimal("0.01"))
    rigid = (income * Decimal("0.45")).quantize(Decimal("0.01"))
    return {
        "year": fired.year - 1,
        "income_per_person": str(income),
        "standard": str(facts.standard),
        "ceiling": str(ceiling),
        "rigid_per_person": str(rigid),
        "heavy_from": str((income * Decimal("0.4")).quantize(Decimal("0.01"))),
        "after_spending": str(income - rigid),
    }


def _past_outcome(rng, rule, facts: Facts) -> str:
    logit = -0.9 + RULE_EFFECT[rule]
    if facts.income_per_person is not None and facts.standard:
        ratio = min(float(facts.income_per_person / facts.standard), 2.5)
        logit += 1.8 * (1.0 - ratio)
    else:
        logit += 0.3
    logit += 0.9 * facts.severe_disability + 0.6 * facts.serious_illness
    logit += 0.3 * min(facts.elderly, 2) + 0.2 * min(facts.children, 3)
    logit += 0.5 * (facts.household_size == 1)
    logit += 0.5 * max(facts.amount_ratio - 1.0, 0.0)
    logit -= 0.8 * (facts.tier == Tier.MARGINAL)
    if rng.random() < 1 / (1 + math.exp(-logit)):
        return Task.Outcome.RECOMMENDED
    return Task.Outcome.REFERRED if rng.random() < 0.2 else Task.Outcome.DISMISSED
