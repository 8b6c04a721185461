"""The assistant's visit: what a task may conclude, and acting on it in the registry and the
referrals."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.discovery.figures import entitlement_figures
from bangfu.discovery.models import CandidatePerson, Flag, Source, SourceRecord, Task
from bangfu.discovery.services.assistants import require_task_access
from bangfu.discovery.services.reviews import next_review_set
from bangfu.referrals import services as referrals
from bangfu.referrals.errors import ReferralError
from bangfu.referrals.models import IntakeCase
from bangfu.registry import coverage, identity
from bangfu.registry import services as registry
from bangfu.registry.models import (
    PERSONAL_COVERAGES,
    Coverage,
    Household,
    Member,
    Need,
    StatusDecision,
)

Outcome = Task.Outcome
# What an assistant may conclude from each kind of task.
OUTCOMES = {
    Task.Kind.VERIFY: {Outcome.RECOMMENDED, Outcome.REFERRED, Outcome.DISMISSED},
    Task.Kind.REVIEW: {Outcome.NO_CHANGE, Outcome.RECOMMENDED, Outcome.REFERRED},
    Task.Kind.VISIT: {Outcome.NO_CHANGE, Outcome.REFERRED},
}


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
        next_review_set(household=household, by=by, on=on)
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
