"""A few visits of this period already recorded: recommendations (some confirmed by the
township), referrals and dismissals; and a double registration the registry refuses."""

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from bangfu.accounts.models import Membership
from bangfu.demo.builder import township_short
from bangfu.discovery import services
from bangfu.discovery.models import Flag, Rule, Task
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
    age_on,
)

Kind = StatusDecision.Kind

VISITS_RECORDED = 12  # of this round's verifications, already done


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
