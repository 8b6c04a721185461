"""The only code that writes warnings, tasks and candidate persons (besides the imports,
``importing``; the risk scores, ``scoring``; the warnings of refused numbers, ``cross_area``).

- ``flags_scan`` runs the rules over a region and turns each new finding into a warning and a
  task for the village's assistant. Safe to run twice: a warning's key is unique.
- ``tasks_schedule`` creates the periodic reviews and visits that fall due. Safe to run twice:
  one task per household, kind and period (a unique constraint).
- ``task_complete`` records the assistant's visit: a recommendation sent to the township
  (``registry.coverage.decision_recommend``: the status changes only once the township confirms
  it), referred for assessment (needs recorded through the registry, taken to the intake desk
  and routed to a provider), or dismissed with a reason. Registry writes go through
  ``bangfu.registry.services`` and ``bangfu.registry.coverage``, referrals through
  ``bangfu.referrals.services``.
- ``review_after_decision`` (a handler of ``registry.hooks.on_decision_applied``) sets the next
  review of a household whose status a confirmed decision changed.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for
from bangfu.core.dates import add_months
from bangfu.discovery.features import features
from bangfu.discovery.figures import entitlement_figures
from bangfu.discovery.models import CandidatePerson, Flag, Rule, Source, SourceRecord, Task
from bangfu.discovery.rules import Finding, ScanContext, find_all
from bangfu.discovery.schedule import (
    LIVE_STATUSES,
    is_visited,
    review_due_on,
    review_interval,
    visit_period,
)
from bangfu.discovery.scoring import flags_rescore
from bangfu.referrals import services as referrals
from bangfu.referrals.errors import ReferralError
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import Region, within
from bangfu.regions.policy import Policy
from bangfu.registry import coverage, identity
from bangfu.registry import services as registry
from bangfu.registry.models import (
    PERSONAL_COVERAGES,
    Coverage,
    Household,
    Member,
    Need,
    StatusDecision,
    Tier,
)

BATCH_SIZE = 1000
Outcome = Task.Outcome
# What an assistant may conclude from each kind of task.
OUTCOMES = {
    Task.Kind.VERIFY: {Outcome.RECOMMENDED, Outcome.REFERRED, Outcome.DISMISSED},
    Task.Kind.REVIEW: {Outcome.NO_CHANGE, Outcome.RECOMMENDED, Outcome.REFERRED},
    Task.Kind.VISIT: {Outcome.NO_CHANGE, Outcome.REFERRED},
}


# --- who works where ---------------------------------------------------------------------------


class Assistants:
    """The assistant (协理员) of each village, looked up once per village."""

    def __init__(self):
        self._by_village: dict[int, object] = {}

    def of(self, village: Region):
        if village.pk not in self._by_village:
            membership = (
                Membership.objects.filter(
                    role=Membership.Role.ASSISTANT,
                    is_active=True,
                    organisation__is_active=True,
                    user__is_active=True,
                    villages=village,
                )
                .select_related("user")
                .order_by("pk")
                .first()
            )
            self._by_village[village.pk] = membership.user if membership else None
        return self._by_village[village.pk]


def require_task_access(*, by, task: Task) -> None:
    if not scope_for(by).can_write:
        raise PermissionDenied(_("Your role cannot record verifications."))
    if not Task.objects.for_user(by).filter(pk=task.pk).exists():
        raise PermissionDenied(_("This task is outside your area."))


# --- warnings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    found: int  # findings of the rules, old and new
    created: int  # new warnings (each with its task)


def counties(region: Region | None = None):
    """The counties a background job walks: all of them, or those in ``region``."""
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    return counties.filter(within(region)) if region else counties


@transaction.atomic
def flags_scan(*, region: Region, today: dt.date | None = None) -> ScanResult:
    """Run every rule over ``region``; each new finding becomes a warning and a task."""
    today = today or timezone.localdate()
    ctx = ScanContext(region, today)
    findings = find_all(ctx)
    existing = set(
        Flag.objects.filter(key__in=[f.key for f in findings]).values_list("key", flat=True)
    )
    assistants = Assistants()
    created = 0
    for finding in findings:
        if finding.key in existing:
            continue
        weight = ctx.weight(finding.village, finding.rule)
        if weight <= 0:  # the region switched the rule off
            continue
        try:
            with transaction.atomic():
                _flag_create(finding, weight, ctx, assistants)
        except IntegrityError:
            continue  # a scan running at the same time raised it first
        existing.add(finding.key)
        created += 1
    flags_rescore(flags=Flag.objects.filter(within(region, "region")))
    return ScanResult(found=len(findings), created=created)


def _flag_create(finding: Finding, weight: int, ctx: ScanContext, assistants) -> Flag:
    if finding.rule == Rule.DIBAO_REVIEW_DUE:
        task = _review_task(finding.household, finding.due, assistants)
    else:
        days = ctx.policy(finding.village)["discovery_verification_days"]
        task = Task.objects.create(
            kind=Task.Kind.VERIFY,
            region=finding.village,
            household=finding.household,
            candidate=finding.candidate,
            assignee=assistants.of(finding.village),
            due_on=ctx.today + dt.timedelta(days=days),
        )
    return Flag.objects.create(
        rule=finding.rule,
        key=finding.key,
        region=finding.village,
        household=finding.household,
        member=finding.member,
        candidate=finding.candidate,
        record=finding.record,
        evidence=finding.evidence,
        features=features(finding.facts),
        rule_weight=weight,
        fired_on=ctx.today,
        task=task,
    )


def _review_task(household: Household, due: dt.date, assistants) -> Task:
    task, _created = Task.objects.get_or_create(
        household=household,
        kind=Task.Kind.REVIEW,
        period_start=due,
        defaults={
            "region": household.region,
            "due_on": due,
            "assignee": assistants.of(household.region),
        },
    )
    return task


# --- periodic reviews and visits ---------------------------------------------------------------


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


# --- the assistant's visit ---------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    """What registering a candidate person as a new household needs beyond the files' data."""

    registry_number: str
    address: str
    phone: str = ""


@dataclass(frozen=True)
class Recommendation:
    """What the assistant recommends to the township: enrol, exit or adjust
    (``StatusDecision.Kind``), to which status, for a member (特困, 单人纳保) or the household."""

    kind: str
    to_status: str
    member: Member | None = None
    exit_reason: str = ""


@identity.refusals_recorded
@transaction.atomic
def task_complete(
    *,
    task: Task,
    by,
    outcome: str,
    on: dt.date | None = None,
    recommendation: Recommendation | None = None,
    dismiss_reason: str = "",
    note: str = "",
    registration: Registration | None = None,
    needs: Iterable[dict] = (),
) -> Task:
    """Record the visit of a task and act on it.

    - ``recommended``: the ``recommendation`` goes to the township as a proposed decision
      (``Task.decision``), with the warning as its evidence; the household (registered first,
      with no status, if the person was a candidate) keeps its status until the township
      confirms (003: 「审核确认权下放至乡镇（街道）」). A status of a person with no member named
      is about the person the warning is about. Any ``needs`` found are recorded and referred
      as for ``referred``;
    - ``referred``: the ``needs`` found (at least one) are recorded as an assessment through the
      registry, each taken to the intake desk and routed to the matching engine's first
      provider (a need no provider can take stays at the desk);
    - ``dismissed``: nothing changes in the registry; ``dismiss_reason`` says why;
    - ``no_change``: a review or visit found nothing to change.

    A review, whatever its outcome, sets the household's next review date.
    """
    task = Task.objects.select_for_update().get(pk=task.pk)
    require_task_access(by=by, task=task)
    on = on or timezone.localdate()
    needs = [dict(need) for need in needs]
    _check_outcome(task, outcome, recommendation, dismiss_reason, needs, registration, on)
    if task.household_id is None and outcome in {Outcome.RECOMMENDED, Outcome.REFERRED}:
        _register_candidate(task, by=by, registration=registration)
    household = task.household
    if outcome == Outcome.RECOMMENDED:
        task.decision = _recommend(task, recommendation, by=by, note=note, on=on)
    if needs:
        task.assessment = registry.assessment_create(
            household=household,
            by=by,
            assessed_on=on,
            summary=note or str(_("Needs found on a verification visit.")),
            needs=needs,
        )
        _refer(list(task.assessment.needs.all()), by=by)
    if task.kind == Task.Kind.REVIEW:
        _set_next_review(household, by=by, on=on)
    task.status = Task.Status.DONE
    task.outcome = outcome
    task.dismiss_reason = dismiss_reason if outcome == Outcome.DISMISSED else ""
    task.note = note
    task.completed_on = on
    task.completed_by = by
    task.full_clean()
    task.save()
    return task


def _recommend(
    task: Task, recommendation: Recommendation, *, by, note: str, on: dt.date
) -> StatusDecision:
    """The proposed decision of a visit, with the warning (if any) and the visit as evidence,
    and the calculator's figures of the household as the visit found it."""
    flag = Flag.objects.filter(task=task).select_related("member").first()
    member = recommendation.member
    if member is None and flag is not None and flag.member is not None:
        # 特困 and 单人纳保 are a person's status: by default the person the warning is about
        # (and the end of one, if that person holds it).
        to_status = recommendation.to_status
        if to_status == Coverage.NONE:
            personal = flag.member.personal_status != Coverage.NONE
        else:
            personal = to_status in PERSONAL_COVERAGES
        if personal:
            member = flag.member
    evidence = {"task": task.pk}
    if flag is not None:
        evidence.update(flag=flag.pk, rule=flag.rule)
    return coverage.decision_recommend(
        by=by,
        household=task.household,
        member=member,
        kind=recommendation.kind,
        to_status=recommendation.to_status,
        source=(
            StatusDecision.Source.REVIEW
            if task.kind == Task.Kind.REVIEW
            else StatusDecision.Source.VERIFICATION
        ),
        evidence=evidence,
        figures=_figures(task.household, on),
        note=note,
        exit_reason=recommendation.exit_reason,
    )


def _figures(household: Household, on: dt.date) -> dict[str, str]:
    try:
        return entitlement_figures(household, on)
    except LookupError:
        return {}  # the region's standards are not set: the reviewer decides without figures


def _check_outcome(task, outcome, recommendation, dismiss_reason, needs, registration, on) -> None:
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("This task is already closed."))
    if outcome not in OUTCOMES[task.kind]:
        raise ValidationError({"outcome": _("This outcome does not fit this kind of task.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("A visit cannot be in the future.")})
    if outcome == Outcome.RECOMMENDED and not (
        recommendation and recommendation.kind and recommendation.to_status
    ):
        raise ValidationError(
            {"to_status": _("Say what you recommend: enrol, exit or adjust, and the status.")}
        )
    if outcome == Outcome.REFERRED and not needs:
        raise ValidationError(_("Record at least one need to refer."))
    gradual_end = task.household.gradual_exit_until if task.household_id else None
    if (
        task.kind == Task.Kind.REVIEW
        and outcome != Outcome.RECOMMENDED
        and gradual_end is not None
        and gradual_end <= on
    ):
        # Closing it otherwise would move the review on and keep the status for ever.
        raise ValidationError(
            {
                "outcome": _(
                    "The gradual exit (渐退期) ended on %(date)s: this review must end in a "
                    "recommendation — the exit, or an adjustment that keeps a status."
                )
                % {"date": gradual_end.isoformat()}
            }
        )
    if outcome == Outcome.DISMISSED and not dismiss_reason:
        raise ValidationError({"dismiss_reason": _("Say why the warning is dismissed.")})
    if outcome in {Outcome.DISMISSED, Outcome.NO_CHANGE} and needs:
        raise ValidationError(_("Needs are recorded only when the household is referred."))
    registers = task.household_id is None and outcome in {Outcome.RECOMMENDED, Outcome.REFERRED}
    if registers and not (registration and registration.registry_number and registration.address):
        raise ValidationError(
            _("This person is not registered yet: give a registry number and an address.")
        )


def _register_candidate(task: Task, *, by, registration) -> None:
    """The candidate person becomes the head of a new one-person household, with no status:
    a status comes only with the township's confirmation of the recommendation."""
    candidate = CandidatePerson.objects.select_for_update().get(pk=task.candidate_id)
    if candidate.member_id:
        task.household = candidate.member.household
        return
    household = registry.household_create(
        by=by,
        source=identity.Source.VISIT,
        registry_number=registration.registry_number.strip(),
        region=candidate.region,
        address=registration.address.strip(),
        phone=registration.phone.strip(),
    )
    facts = _disability_of(candidate)
    member = registry.member_create(
        household=household,
        by=by,
        source=identity.Source.VISIT,
        id_number=candidate.id_number,
        name=candidate.name,
        relation=Member.Relation.HEAD,
        **facts,
    )
    # The registry holds the number now: the candidate keeps only the link and the hash.
    candidate.member = member
    candidate.id_number = ""
    candidate.save(update_fields=["member", "id_number"])
    Flag.objects.filter(candidate=candidate).update(household=household, member=member)
    Task.objects.filter(candidate=candidate, household=None).update(household=household)
    task.household = household


def _disability_of(candidate: CandidatePerson) -> dict:
    record = (
        SourceRecord.objects.filter(candidate=candidate, source=Source.DISABILITY)
        .order_by("-period_start", "-pk")
        .first()
    )
    if record is None:
        return {}
    return {
        "disability": record.data["disability"],
        "disability_grade": record.data["disability_grade"],
    }


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


def _set_next_review(household: Household, *, by, on: dt.date) -> None:
    household = Household.objects.get(pk=household.pk)
    if household.tier not in {Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL, Tier.EXPENDITURE}:
        return
    registry.household_update(
        household=household, by=by, next_review_due=_next_review(household, on)
    )


def _refer(needs: list[Need], *, by) -> None:
    """Each need goes to the intake desk and on to the engine's first candidate provider."""
    at = timezone.now()
    for need in needs:
        intake = referrals.intake_open(by=by, source=IntakeCase.Source.VISIT, need=need, at=at)
        try:
            with transaction.atomic():
                referrals.intake_route(intake=intake, by=by, at=at)
        except ReferralError:
            pass  # no provider could take it now: the case waits at the desk
