"""Demo data for finding people: the departments' files of a county, imported through the real
import (so every warning is raised by the rules), a history of past verifications to train the
risk model on, this period's reviews and visits, and a few visits already recorded.

Called by the demo builder once the registry (households, members), the county's bureau staff
and the villages' assistants exist::

    from bangfu.demo.discovery import load_discovery_demo
    summary = load_discovery_demo(county, random.Random(f"{seed}:discovery"), as_of=as_of)

Deterministic for a given ``rng`` and ``as_of``: every file, person and outcome is drawn from
``rng`` and from the registry in a fixed order; nothing reads the clock when ``as_of`` is given.
The trained model is written under ``VAR_DIR`` (``summary["risk_model"]`` holds its AUC).
The departments' files themselves are drawn in ``bangfu.demo.discovery_files``.
"""

import datetime as dt
import math
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from bangfu.accounts.models import Membership
from bangfu.core.dates import add_months
from bangfu.demo.builder import township_short
from bangfu.demo.discovery_files import RISKS, Strangers, department_files
from bangfu.discovery import scoring, services
from bangfu.discovery.features import Facts, features
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import (
    CandidatePerson,
    CrossCheckImport,
    Flag,
    Rule,
    SourceRecord,
    Task,
)
from bangfu.discovery.risk import NotEnoughHistory
from bangfu.discovery.standards import standards_for
from bangfu.regions.models import Region, within
from bangfu.registry import coverage
from bangfu.registry import services as registry
from bangfu.registry.models import (
    PERSONAL_COVERAGES,
    Coverage,
    Household,
    Member,
    ServiceCategory,
    StatusDecision,
    Tier,
    age_on,
    is_severe_disability,
)

Kind = StatusDecision.Kind

HISTORY_SIZE = 720
VISITS_RECORDED = 12  # of this round's verifications, already done
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


def _county_people(county: Region) -> list[Member]:
    return list(
        Member.objects.filter(within(county, "household__region"))
        .select_related("household__region")
        .order_by("household__registry_number", "pk")
    )


def _bureau_staff(county: Region):
    membership = (
        Membership.objects.filter(
            organisation__region=county, role=Membership.Role.BUREAU_STAFF, is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ValueError(f"{county} has no bureau staff to import the departments' files.")
    return membership.user


def load_discovery_demo(
    county: Region, rng: random.Random, *, as_of: dt.date | None = None, staff=None
) -> dict:
    """Import the county's cross-check files, write the verification history, train the risk
    model, schedule reviews and visits and record a few visits. Returns what it made."""
    as_of = as_of or timezone.localdate()
    staff = staff or _bureau_staff(county)
    people = _county_people(county)
    villages = list(
        Region.objects.subtree(county).filter(level=Region.Level.VILLAGE).order_by("code")
    )
    strangers = Strangers(rng, county.code, {m.id_number for m in people})
    summary: dict = {"imports": {}}

    history = _history(county, rng, people, as_of)
    summary["history"] = history
    try:
        result = scoring.risk_model_train(random_state=0)
        summary["risk_model"] = {"version": result.version, "auc": round(result.auc, 3)}
    except NotEnoughHistory as exc:
        summary["risk_model"] = {"skipped": str(exc)}

    files = department_files(county, rng, people, villages, strangers, as_of)
    for source, label, upload, file_as_of in files:
        report = import_crosscheck(
            upload,
            source=source,
            filename=label,
            by=staff,
            region=county,
            as_of=file_as_of,
            today=as_of,
        )
        if not report.ok:
            raise ValueError(f"demo file {label} was refused: {report.errors[:3]}")
        summary["imports"][label] = {
            "rows": report.rows,
            "candidates": report.candidates_created,
            "warnings": report.flags_created,
        }
    # The nightly scan of the day (reviews due) and the schedule of reviews and visits.
    services.flags_scan(region=county, today=as_of)
    scheduled = services.tasks_schedule(region=county, today=as_of)
    summary["scheduled"] = {"reviews": scheduled.reviews, "visits": scheduled.visits}
    summary["visits_recorded"] = _record_some_visits(county, rng, as_of)
    summary["duplicate_attempt"] = _a_duplicate_registration(county, rng, people)
    current = Flag.objects.filter(within(county, "region"), fired_on=as_of)
    summary["warnings"] = current.count()
    summary["warnings_by_rule"] = {
        rule: current.filter(rule=rule).count() for rule in Rule.values if rule
    }
    return summary


# --- the history of past verifications ---------------------------------------------------------


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


# --- a few visits of this period already recorded ----------------------------------------------


def _record_some_visits(county: Region, rng: random.Random, as_of: dt.date) -> dict:
    """The assistants have verified some of this round's warnings already, through the service:
    a recommendation to the township (the status the warning's evidence points to), which the
    township's reviewer has confirmed for some; a referral to a station; a dismissal. So the
    overview shows the whole loop."""
    on = min(as_of, timezone.localdate())
    open_tasks = list(
        Task.objects.filter(
            within(county, "region"),
            kind=Task.Kind.VERIFY,
            status=Task.Status.OPEN,
            flag__fired_on=as_of,
        )
        .select_related("household", "candidate", "assignee", "region__parent")
        .order_by("pk")
    )
    rng.shuffle(open_tasks)
    care = ServiceCategory.objects.filter(code="care").first()
    reviewers = _township_reviewers(county)
    counts = {"recommended": 0, "confirmed": 0, "referred": 0, "dismissed": 0}
    number = Household.objects.filter(within(county, "region")).count()
    for task in open_tasks[:VISITS_RECORDED]:
        if task.assignee is None:
            continue
        flag = Flag.objects.select_related("member__household").get(task=task)
        recommendation = _recommendation(flag)
        choice = rng.random()
        if recommendation is not None and choice < 0.7:
            number += 1
            registration = None
            if task.household_id is None:
                registration = services.Registration(
                    registry_number=f"{county.code}-{number:05d}",
                    address=f"{task.region.parent.name}{task.region.name}{rng.randint(1, 12)}组"
                    f"{rng.randint(1, 80)}号",
                )
            needs = []
            if care is not None and rng.random() < 0.5:
                needs = [{"category": care, "severity": rng.randint(2, 4), "urgency": "soon"}]
            task = services.task_complete(
                task=task,
                by=task.assignee,
                outcome=Task.Outcome.RECOMMENDED,
                on=on,
                recommendation=recommendation,
                registration=registration,
                needs=needs,
                note="入户核实属实，建议按程序办理",
            )
            counts["recommended"] += 1
            reviewer = reviewers.get(task.region.parent_id)
            if reviewer is not None and rng.random() < 0.5:
                township = task.region.parent
                coverage.decision_confirm(
                    by=reviewer,
                    decision=task.decision,
                    reference=f"{township_short(township)}救〔{on.year}〕{rng.randint(200, 400)}号",
                    effective_on=on,
                )
                counts["confirmed"] += 1
        elif choice < 0.85 and task.household_id is not None and care is not None:
            services.task_complete(
                task=task,
                by=task.assignee,
                outcome=Task.Outcome.REFERRED,
                on=on,
                needs=[{"category": care, "severity": 3, "urgency": "routine"}],
            )
            counts["referred"] += 1
        else:
            services.task_complete(
                task=task,
                by=task.assignee,
                outcome=Task.Outcome.DISMISSED,
                on=on,
                dismiss_reason=rng.choice(["not_eligible", "already_covered", "data_error"]),
            )
            counts["dismissed"] += 1
    return counts


def _a_duplicate_registration(county: Region, rng: random.Random, people) -> bool:
    """A grandmother moved in with her son's family in one township; the assistant adds her to
    the household, but she is registered in another township still: the registry refuses the
    number (neutrally: the assistant learns nothing of the other area) and the county's bureau
    is warned of a possible double registration (重复享受). True when it was tried."""
    assistants = Membership.objects.filter(
        within(county, "organisation__region"), role=Membership.Role.ASSISTANT, is_active=True
    ).select_related("user")
    membership = assistants.filter(villages__isnull=False).order_by("pk").first()
    if membership is None:
        return False
    villages = set(membership.villages.values_list("pk", flat=True))
    township = Region.objects.get(pk=membership.villages.first().parent_id)
    homes = [
        m.household
        for m in people
        if m.household.region_id in villages and m.relation == Member.Relation.HEAD
    ]
    elderly = [
        m
        for m in people
        if m.sex == "F"
        and age_on(m.birth_date, timezone.localdate()) >= 65
        and m.household.region.parent_id != township.pk
    ]
    if not homes or not elderly:
        return False
    home, grandmother = rng.choice(homes), rng.choice(elderly)
    try:
        registry.member_create(
            household=home,
            by=membership.user,
            id_number=grandmother.id_number,
            name=grandmother.name,
            relation=Member.Relation.PARENT,
        )
    except ValidationError:
        return True  # refused, as it must be: the warning is raised
    raise ValueError("the registry took a number registered in another township")


def _recommendation(flag: Flag) -> services.Recommendation | None:
    """What the assistant recommends once the warning is found right: what its evidence points
    to (the rules of 单人纳保 and 错保 say it), or for the others the status that fits: 特困 for a
    minor dropped from the list, 支出型 for heavy medical bills, 低保 for someone else with no
    status. None when nothing fits (already covered, or a recommendation about the household
    waits for the township already): the visit refers or dismisses."""
    evidence = flag.evidence or {}
    member, household = flag.member, flag.household
    if (
        household is not None
        and household.status_decisions.filter(state=StatusDecision.State.PROPOSED).exists()
    ):
        return None
    kind, status = evidence.get("recommend"), evidence.get("status")
    if kind == "exit" and status:
        return services.Recommendation(
            kind=Kind.EXIT, to_status=Coverage.NONE, exit_reason=evidence.get("exit_reason", "")
        )
    if kind == "enrol" and status:
        return _towards(status, member, household)
    if flag.rule == Rule.TEKUN_MINOR_DROPPED:
        return _towards(Coverage.TEKUN, member, household)
    if flag.rule == Rule.MEDICAL and evidence.get("hint") == "expenditure":
        return _towards(Coverage.EXPENDITURE, member, household)
    if flag.rule in {Rule.MONITORING, Rule.CUSTODY_MINOR}:
        return _towards(Coverage.DIBAO, member, household)
    return None


def _towards(status: str, member, household) -> services.Recommendation | None:
    """An enrolment into ``status`` of the person (特困, 单人纳保) or the household, or an
    adjustment when they hold another status; None when they hold it already."""
    personal = status in PERSONAL_COVERAGES
    if personal:
        held = member.personal_status if member is not None else Coverage.NONE
    else:
        held = household.household_tier if household is not None else Coverage.NONE
    if held == status:
        return None
    kind = Kind.ENROL if held == Coverage.NONE else Kind.ADJUST
    return services.Recommendation(kind=kind, to_status=status)


def _township_reviewers(county: Region) -> dict[int, object]:
    """Each township's reviewer (the first), by the township's key."""
    reviewers = {}
    for membership in (
        Membership.objects.filter(
            within(county, "organisation__region"),
            role=Membership.Role.TOWNSHIP_REVIEWER,
            is_active=True,
        )
        .select_related("user")
        .order_by("pk")
    ):
        reviewers.setdefault(membership.organisation.region_id, membership.user)
    return reviewers


def reset_discovery_demo(county: Region) -> None:
    """Delete what ``load_discovery_demo`` made in the county (before its households and
    regions go: warnings, tasks and candidates hold their village)."""
    inside = within(county, "region")
    Flag.objects.filter(inside).delete()
    Task.objects.filter(inside).delete()
    SourceRecord.objects.filter(inside).delete()
    CandidatePerson.objects.filter(inside).delete()
    CrossCheckImport.objects.filter(inside).delete()
