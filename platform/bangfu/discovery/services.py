"""The only code that writes warnings, tasks and candidate persons (besides the imports,
``importing``; the risk scores, ``scoring``; the warnings of refused numbers, ``cross_area``).

- ``flags_scan`` runs the rules over a region and turns each new finding into a warning and a
  task for the village's assistant. Safe to run twice: a warning's key is unique.
- ``tasks_schedule`` creates the periodic reviews and visits that fall due. Safe to run twice:
  one task per household, kind and period (a unique constraint).
- ``task_complete`` records the assistant's visit: enrolled in a tier, referred for assessment
  (needs recorded through the registry, taken to the intake desk and routed to a provider), or
  dismissed with a reason. Registry writes go through ``bangfu.registry.services``, referrals
  through ``bangfu.referrals.services``.
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
from bangfu.discovery.features import features
from bangfu.discovery.models import CandidatePerson, Flag, Rule, Source, SourceRecord, Task
from bangfu.discovery.rules import Finding, ScanContext, find_all
from bangfu.discovery.schedule import (
    LIVE_STATUSES,
    add_months,
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
from bangfu.registry import identity
from bangfu.registry import services as registry
from bangfu.registry.models import Household, Member, Need, Tier

BATCH_SIZE = 1000
Outcome = Task.Outcome
# What an assistant may conclude from each kind of task.
OUTCOMES = {
    Task.Kind.VERIFY: {Outcome.ENROLLED, Outcome.REFERRED, Outcome.DISMISSED},
    Task.Kind.REVIEW: {Outcome.NO_CHANGE, Outcome.ENROLLED, Outcome.REFERRED},
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


@identity.refusals_recorded
@transaction.atomic
def task_complete(
    *,
    task: Task,
    by,
    outcome: str,
    on: dt.date | None = None,
    tier: str = "",
    dismiss_reason: str = "",
    note: str = "",
    registration: Registration | None = None,
    needs: Iterable[dict] = (),
) -> Task:
    """Record the visit of a task and act on it.

    - ``enrolled``: the household (registered first, if the person was a candidate) is put in
      ``tier``; any ``needs`` found are recorded and referred as for ``referred``;
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
    _check_outcome(task, outcome, tier, dismiss_reason, needs, registration, on)
    if task.household_id is None and outcome in {Outcome.ENROLLED, Outcome.REFERRED}:
        _register_candidate(task, by=by, tier=tier, registration=registration, on=on)
    household = task.household
    if outcome == Outcome.ENROLLED:
        fields = {"tier": tier, "status": Household.Status.ACTIVE}
        if household.tier != tier or household.enrolled_on is None:
            fields["enrolled_on"] = on
        registry.household_update(household=household, by=by, **fields)
    if needs:
        task.assessment = registry.assessment_create(
            household=household,
            by=by,
            assessed_on=on,
            summary=note or str(_("Needs found on a verification visit.")),
            needs=needs,
        )
        _refer(list(task.assessment.needs.all()), by=by)
    if task.kind == Task.Kind.REVIEW or (
        outcome == Outcome.ENROLLED and household.tier != Tier.NONE
    ):
        _set_next_review(household, by=by, on=on)
    task.status = Task.Status.DONE
    task.outcome = outcome
    task.tier = tier if outcome == Outcome.ENROLLED else ""
    task.dismiss_reason = dismiss_reason if outcome == Outcome.DISMISSED else ""
    task.note = note
    task.completed_on = on
    task.completed_by = by
    task.full_clean()
    task.save()
    return task


def _check_outcome(task, outcome, tier, dismiss_reason, needs, registration, on) -> None:
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("This task is already closed."))
    if outcome not in OUTCOMES[task.kind]:
        raise ValidationError({"outcome": _("This outcome does not fit this kind of task.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("A visit cannot be in the future.")})
    if outcome == Outcome.ENROLLED and tier in {"", Tier.NONE}:
        raise ValidationError({"tier": _("Choose the tier the household is enrolled in.")})
    if outcome == Outcome.REFERRED and not needs:
        raise ValidationError(_("Record at least one need to refer."))
    if outcome == Outcome.DISMISSED and not dismiss_reason:
        raise ValidationError({"dismiss_reason": _("Say why the warning is dismissed.")})
    if outcome in {Outcome.DISMISSED, Outcome.NO_CHANGE} and needs:
        raise ValidationError(_("Needs are recorded only when the household is referred."))
    registers = task.household_id is None and outcome in {Outcome.ENROLLED, Outcome.REFERRED}
    if registers and not (registration and registration.registry_number and registration.address):
        raise ValidationError(
            _("This person is not registered yet: give a registry number and an address.")
        )


def _register_candidate(task: Task, *, by, tier: str, registration, on: dt.date) -> None:
    """The candidate person becomes the head of a new one-person household."""
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
        tier=tier or Tier.NONE,
        status=Household.Status.ACTIVE,
        enrolled_on=on if tier else None,
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


def _set_next_review(household: Household, *, by, on: dt.date) -> None:
    household = Household.objects.get(pk=household.pk)
    if household.tier not in {Tier.TEKUN, Tier.DIBAO, Tier.MARGINAL, Tier.EXPENDITURE}:
        return
    members = list(household.members.all())
    months = review_interval(members, Policy(household.region, on.year), on)
    registry.household_update(household=household, by=by, next_review_due=add_months(on, months))


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
