"""The only code that writes the registry. Every write is one transaction with its audit row."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.regions.policy import Policy
from bangfu.registry import hooks
from bangfu.registry.coverage import refresh_tier
from bangfu.registry.identity import (
    Source,
    id_number_check,
    refusals_recorded,
    registry_number_check,
)
from bangfu.registry.models import (
    Assessment,
    Household,
    Member,
    Need,
    PersonalStatus,
    StatusDecision,
)
from bangfu.registry.priority import need_priority
from bangfu.registry.summaries import refresh_household_summaries

MEMBER_FIELDS = (
    "name",
    "relation",
    "disability",
    "disability_grade",
    "illness",
    "illness_note",
    "care_level",
    "work_ability",
    "monthly_income",
    "income_is_irregular",
    "is_orphan",
    "is_unsupported_child",
    "is_five_elders",
)

# Statuses, and what a decision sets with them: written only by ``registry.coverage`` when it
# applies a confirmed decision, never by these services (so by no form or URL).
# ``status`` too: "exited" is what an exit decision sets, and no role sets the others by hand.
COVERAGE_FIELDS = frozenset(
    {
        "tier",
        "household_tier",
        "status",
        "exit_reason",
        "exited_on",
        "gradual_exit_until",
        "personal_status",
    }
)


def refuse_coverage_fields(fields) -> None:
    given = sorted(COVERAGE_FIELDS & set(fields))
    if given:
        raise ValidationError(
            {
                name: _("A status changes only through a confirmed decision (建议 → 确认).")
                for name in given
            }
        )


def require_write(*, by, household: Household | None = None) -> None:
    scope = scope_for(by)
    if not scope.can_write:
        raise PermissionDenied(_("Your role cannot change the registry."))
    if (
        household is not None
        and not Household.objects.for_user(by).filter(pk=household.pk).exists()
    ):
        raise PermissionDenied(_("This household is outside your area."))


def identify(
    id_number: str,
    *,
    by,
    source: str = Source.MEMBER_FORM,
    household: Household | None = None,
    exclude_member: Member | None = None,
):
    """Validate an ID number and check no one else is registered with it.

    Returns the parsed facts and the lookup hash; raises ValidationError on the ``id_number``
    field with a message a clerk can act on, naming the other household only when it lies in
    ``by``'s area (``identity``: outside it, a neutral ``IdentityRefused``, recorded by the
    ``refusals_recorded`` service that called this).
    """
    try:
        facts = parse_id_number(id_number)
    except InvalidIdNumber as exc:
        raise ValidationError(
            {"id_number": _("Invalid ID number: %(reason)s") % {"reason": exc}}
        ) from None
    digest = crypto.lookup_hash(facts.number)
    id_number_check(digest, by=by, source=source, household=household, exclude=exclude_member)
    return facts, digest


@refusals_recorded
@transaction.atomic
def household_create(*, by, source: str = Source.HOUSEHOLD_FORM, **fields) -> Household:
    """A new household, with no status: its status comes from a confirmed decision."""
    require_write(by=by)
    refuse_coverage_fields(fields)
    household = Household(**fields)
    registry_number_check(household.registry_number, by=by, source=source, household=household)
    household.full_clean()
    if not scope_for(by).covers(household.region):
        raise PermissionDenied(_("This village is outside your area."))
    household.save()
    return household


@refusals_recorded
@transaction.atomic
def household_update(*, household: Household, by, **fields) -> Household:
    require_write(by=by, household=household)
    refuse_coverage_fields(fields)
    for name, value in fields.items():
        setattr(household, name, value)
    if "registry_number" in fields:
        registry_number_check(
            household.registry_number, by=by, source=Source.HOUSEHOLD_FORM, household=household
        )
    household.full_clean()
    household.save()
    return household


def household_review_schedule(*, household: Household, due: dt.date | None, decision) -> Household:
    """The next review a confirmed decision calls for (a handler of
    ``hooks.on_decision_applied``): set on behalf of whoever confirmed it, a township reviewer
    who changes no household otherwise."""
    if decision.state != decision.State.CONFIRMED or decision.household_id != household.pk:
        raise PermissionDenied(_("Only a confirmed decision about this household sets its review."))
    household.next_review_due = due
    household.full_clean()
    household.save(update_fields=["next_review_due", "updated_at"])
    return household


@refusals_recorded
@transaction.atomic
def member_create(
    *, household: Household, by, id_number: str, source: str = Source.MEMBER_FORM, **fields
) -> Member:
    require_write(by=by, household=household)
    refuse_coverage_fields(fields)
    facts, digest = identify(id_number, by=by, source=source, household=household)
    member = Member(
        household=household,
        id_number=facts.number,
        id_number_hash=digest,
        birth_date=facts.birth_date,
        sex=facts.sex,
        **fields,
    )
    member.full_clean(exclude=["id_number_hash"])
    member.save()
    return member


@refusals_recorded
@transaction.atomic
def member_update(*, member: Member, by, id_number: str | None = None, **fields) -> Member:
    require_write(by=by, household=member.household)
    refuse_coverage_fields(fields)
    if id_number is not None and id_number.strip().upper() != member.id_number:
        facts, digest = identify(
            id_number, by=by, household=member.household, exclude_member=member
        )
        member.id_number, member.id_number_hash = facts.number, digest
        member.birth_date, member.sex = facts.birth_date, facts.sex
    for name, value in fields.items():
        setattr(member, name, value)
    member.full_clean(exclude=["id_number_hash"])
    member.save()
    return member


@transaction.atomic
def member_delete(*, member: Member, by) -> None:
    """Remove a member who holds no status of their own and has no recommendation waiting.

    A status ends only by a decision (``registry.coverage``): deleting a 特困 or 单人纳保 member
    would end it with no record, and a waiting recommendation would lose its person. The
    household is locked before the member, in the order ``coverage._apply`` takes them."""
    require_write(by=by, household=member.household)
    household = Household.objects.select_for_update().get(pk=member.household_id)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.personal_status != PersonalStatus.NONE:
        raise ValidationError(
            _(
                "%(name)s holds a status of their own (%(status)s), which ends only by a "
                "decision: recommend the exit first."
            )
            % {"name": member.masked_name, "status": member.get_personal_status_display()}
        )
    if member.status_decisions.filter(state=StatusDecision.State.PROPOSED).exists():
        raise ValidationError(
            _("A recommendation about %(name)s waits for the township: have it decided first.")
            % {"name": member.masked_name}
        )
    member.delete()
    refresh_tier(household)


@transaction.atomic
def assessment_create(
    *, household: Household, by, assessed_on: dt.date, summary: str, needs: Iterable[dict]
) -> Assessment:
    """Record a visit and the needs it found; the needs get their priority at once."""
    require_write(by=by, household=household)
    assessment = Assessment(
        household=household, assessed_on=assessed_on, assessor=by, summary=summary
    )
    assessment.full_clean()
    assessment.save()
    created = []
    for data in needs:
        need = Need(household=household, assessment=assessment, opened_on=assessed_on, **data)
        need.full_clean(exclude=["priority", "priority_components"])
        need.save()
        created.append(need.pk)
    needs_reprioritise(needs=Need.objects.filter(pk__in=created))
    return assessment


@transaction.atomic
def need_update(*, need: Need, by, **fields) -> Need:
    require_write(by=by, household=need.household)
    for name, value in fields.items():
        setattr(need, name, value)
    if need.status in {Need.Status.MET, Need.Status.WITHDRAWN} and need.closed_on is None:
        need.closed_on = timezone.localdate()
    need.full_clean()
    need.save()
    needs_reprioritise(needs=Need.objects.filter(pk=need.pk))
    return need


def needs_reprioritise(*, needs, today: dt.date | None = None, batch_size: int = 2000) -> int:
    """Recompute the priority of the given needs from their households and the policy in force,
    and the highest open priority their households show on the list.

    Reads households and members in bulk and one policy per village; safe to run twice.
    """
    today = today or timezone.localdate()
    policies: dict[int, dict] = {}
    changed = 0
    queryset = needs.select_related("household__region").prefetch_related("household__members")
    batch: list[Need] = []
    for need in queryset.iterator(chunk_size=batch_size):
        household = need.household
        if household.region_id not in policies:
            policies[household.region_id] = Policy(household.region, today.year)["priority_weights"]
        result = need_priority(
            need=need,
            household=household,
            members=list(household.members.all()),
            weights=policies[household.region_id],
            today=today,
        )
        need.priority = result.total
        need.priority_components = {name: str(points) for name, points in result.components.items()}
        batch.append(need)
        if len(batch) >= batch_size:
            changed += _priorities_save(batch)
            batch = []
    if batch:
        changed += _priorities_save(batch)
    return changed


def _priorities_save(needs: list[Need]) -> int:
    changed = Need.objects.bulk_update(needs, ["priority", "priority_components"])
    refresh_household_summaries(need.household_id for need in needs)
    for handler in hooks.on_needs_reprioritised:
        handler([need.pk for need in needs])
    return changed


@transaction.atomic
def member_identity_reveal(*, member: Member, by) -> str:
    """The member's full ID number, for a user allowed to see it; the access is audited.

    Writes an auditlog "access" entry naming the member and the user in the same transaction,
    so no full ID number is shown without its trace.
    """
    from auditlog.models import LogEntry

    scope = scope_for(by)
    if not scope.can_reveal_identity:
        raise PermissionDenied(_("Your role cannot see full ID numbers."))
    if not Member.objects.for_user(by).filter(pk=member.pk).exists():
        raise PermissionDenied(_("This household is outside your area."))
    LogEntry.objects.log_create(
        member,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by,
        additional_data={"revealed": "id_number", "household": member.household.registry_number},
    )
    return member.id_number
