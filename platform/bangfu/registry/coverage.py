"""Who is covered, and the decisions that change it.

The township decides (003: 「积极探索将低保、特困等社会救助对象审核确认权限下放至乡镇
(街道)」; 001: 「按照“申请、审核、确认、救助、管控”一个过程」); the assistant's part is to
assist (001: 「协助社会救助申请及动态管理」). So a verification ends in a recommendation
(``decision_recommend``), which changes nothing; a township reviewer confirms it with the
benefits system's reference (``decision_confirm``) or rejects it (``decision_reject``); a
decision already taken in the benefits system (a ledger import, staff copying a decision) is
recorded confirmed at once (``decision_record``). Only ``_apply`` — one transaction, audited
by django-auditlog — changes a status.

特困 and 单人纳保 are a person's status (003: 「参照单人户纳入最低生活保障范围」); 低保, 边缘 and
支出型 the household's. ``Household.tier`` is the strongest of them, kept for queries
(``refresh_tier``).
"""

import contextlib
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from auditlog.context import auditlog_value, set_extra_data
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.dates import add_months
from bangfu.core.validators import validate_date_range, validate_text_length
from bangfu.regions.policy import Policy
from bangfu.registry import hooks
from bangfu.registry.decision_rights import may_decide, may_recommend
from bangfu.registry.models import (
    HOUSEHOLD_COVERAGES,
    PERSONAL_COVERAGES,
    Coverage,
    ExitReason,
    Household,
    Member,
    StatusDecision,
    Tier,
)

Kind, State = StatusDecision.Kind, StatusDecision.State
MAX_GRADUAL_EXIT_MONTHS = 120


def strongest(household_tier: str, personal_statuses: Iterable[str]) -> str:
    """The tier a household shows: 特困 if a member is; else 低保 if the household is, or a member
    is 单人纳保; else the household's own status."""
    statuses = set(personal_statuses)
    if Coverage.TEKUN in statuses:
        return Tier.TEKUN
    if household_tier == Tier.DIBAO or Coverage.SINGLE_DIBAO in statuses:
        return Tier.DIBAO
    return household_tier or Tier.NONE


@transaction.atomic
def refresh_tier(household: Household) -> str:
    """Recompute ``household.tier`` from the statuses stored now (the object given may be
    stale), save it if it changed, and return it."""
    stored = Household.objects.select_for_update().get(pk=household.pk)
    statuses = Member.objects.filter(household=stored).values_list("personal_status", flat=True)
    tier = strongest(stored.household_tier, statuses)
    if stored.tier != tier:
        stored.tier = tier
        stored.save(update_fields=["tier", "updated_at"])
    household.tier = tier
    return tier


# --- recommend, confirm, reject, record --------------------------------------------------------


@transaction.atomic
def decision_recommend(
    *,
    by,
    household: Household,
    member: Member | None = None,
    kind: str,
    to_status: str,
    source: str,
    evidence: dict | None = None,
    figures: dict | None = None,
    note: str = "",
    exit_reason: str = "",
) -> StatusDecision:
    """A recommendation (建议) waiting for the township: it changes nothing in the registry."""
    if not may_recommend(by, household):
        raise PermissionDenied(_("Your role cannot recommend a status for this household."))
    household = Household.objects.select_for_update().get(pk=household.pk)
    decision = _decision(
        household=household,
        member=member,
        kind=kind,
        to_status=to_status,
        source=source,
        exit_reason=exit_reason,
        evidence=evidence,
        figures=figures,
        note=note,
    )
    waiting = StatusDecision.objects.filter(
        household=household, member=decision.member, state=State.PROPOSED
    )
    if waiting.exists():
        raise ValidationError(
            {
                "member" if decision.member else "kind": _(
                    "A recommendation about this status is already waiting for the township."
                )
            }
        )
    decision.recommended_by, decision.recommended_at = by, timezone.now()
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def decision_confirm(
    *,
    by,
    decision: StatusDecision,
    reference: str,
    effective_on: dt.date | None,
    note: str = "",
    gradual_exit_months: int | None = None,
) -> StatusDecision:
    """The township's (or county's) decision: the recommendation applies from ``effective_on``."""
    decision = _locked_proposal(decision)
    if not may_decide(by, decision):
        raise PermissionDenied(_("Your role cannot confirm this recommendation."))
    _decide(decision, by=by, reference=reference, effective_on=effective_on, note=note)
    decision.gradual_exit_months = _gradual_months(decision, gradual_exit_months)
    _apply(decision)
    return decision


@transaction.atomic
def decision_reject(*, by, decision: StatusDecision, reason: str) -> StatusDecision:
    """Not confirmed: the registry keeps what it had; the reason is kept with the record."""
    decision = _locked_proposal(decision)
    if not may_decide(by, decision):
        raise PermissionDenied(_("Your role cannot reject this recommendation."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the recommendation is rejected.")})
    try:
        validate_text_length(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    decision.state, decision.rejection_reason = State.REJECTED, reason
    decision.decided_by, decision.decided_at = by, timezone.now()
    decision.full_clean()
    with audited_as(by):
        decision.save()
    return decision


@transaction.atomic
def decision_record(
    *,
    by,
    household: Household,
    member: Member | None = None,
    to_status: str,
    reference: str,
    effective_on: dt.date | None,
    source: str,
    kind: str | None = None,
    exit_reason: str = "",
    gradual_exit_months: int | None = None,
    evidence: dict | None = None,
    figures: dict | None = None,
    ledger_import=None,
    note: str = "",
) -> StatusDecision:
    """A decision already taken in the benefits system, recorded confirmed and applied at once.

    A ledger import (``source`` LEDGER_IMPORT, ``reference`` the file's name) may be made by
    whoever may change the household; other sources by those who may confirm."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    decision = _decision(
        household=household,
        member=member,
        kind=kind,
        to_status=to_status,
        source=source,
        exit_reason=exit_reason,
        evidence=evidence,
        figures=figures,
        note="",
    )
    allowed = (
        may_recommend(by, household)
        if source == StatusDecision.Source.LEDGER_IMPORT
        else may_decide(by, decision)
    )
    if not allowed:
        raise PermissionDenied(_("Your role cannot record a decision for this household."))
    decision.ledger_import = ledger_import
    _decide(decision, by=by, reference=reference, effective_on=effective_on, note=note)
    decision.gradual_exit_months = _gradual_months(decision, gradual_exit_months)
    _apply(decision)
    return decision


# --- the pieces ---------------------------------------------------------------------------------


def _decision(
    *, household, member, kind, to_status, source, exit_reason, evidence, figures, note
) -> StatusDecision:
    """An unsaved decision about ``household`` (or its ``member``), checked: each refusal names
    the field at fault."""
    if member is not None and member.household_id != household.pk:
        raise ValidationError({"member": _("This person is not a member of the household.")})
    if member is not None:
        member = Member.objects.select_for_update().get(pk=member.pk)
    allowed = PERSONAL_COVERAGES if member is not None else HOUSEHOLD_COVERAGES
    if to_status not in allowed:
        raise ValidationError(
            {
                "to_status": _("%(status)s is not a status of %(whom)s: choose one of %(allowed)s.")
                % {
                    "status": to_status,
                    "whom": _("a member") if member is not None else _("a household"),
                    "allowed": ", ".join(str(Coverage(value).label) for value in allowed),
                }
            }
        )
    from_status = member.personal_status if member is not None else household.household_tier
    if to_status == from_status:
        raise ValidationError({"to_status": _("This is the status held now.")})
    kind = kind or (
        Kind.ENROL
        if from_status == Coverage.NONE
        else Kind.EXIT
        if to_status == Coverage.NONE
        else Kind.ADJUST
    )
    _check_kind(kind, from_status, to_status, exit_reason)
    decision = StatusDecision(
        household=household,
        member=member,
        kind=kind,
        source=source,
        from_status=from_status,
        to_status=to_status,
        exit_reason=exit_reason if kind == Kind.EXIT else "",
        evidence=_as_json(evidence or {}),
        figures=_as_json(figures or {}),
        note=(note or "").strip(),
    )
    # The choices of kind and source, and the note's length, are the model's to check.
    decision.full_clean(exclude=["household", "member", "recommended_by", "decided_by"])
    return decision


def _check_kind(kind: str, from_status: str, to_status: str, exit_reason: str) -> None:
    if kind == Kind.EXIT:
        if to_status != Coverage.NONE:
            raise ValidationError({"to_status": _("An exit leaves no status: choose none.")})
        if exit_reason not in ExitReason.values:
            raise ValidationError({"exit_reason": _("Give the reason of the exit.")})
    elif kind == Kind.ENROL and from_status != Coverage.NONE:
        raise ValidationError(
            {
                "kind": _("Already covered (%(status)s): recommend an adjustment or an exit.")
                % {"status": Coverage(from_status).label}
            }
        )
    elif kind == Kind.ADJUST and Coverage.NONE in {from_status, to_status}:
        raise ValidationError(
            {"kind": _("An adjustment changes one status into another: enrol or exit instead.")}
        )
    elif kind in {Kind.ENROL, Kind.ADJUST} and exit_reason:
        raise ValidationError({"exit_reason": _("Only an exit has a reason of exit.")})


def _locked_proposal(decision: StatusDecision) -> StatusDecision:
    decision = (
        StatusDecision.objects.select_for_update(of=("self",))
        .select_related("household__region", "member")
        .get(pk=decision.pk)
    )
    if decision.state != State.PROPOSED:
        raise ValidationError(_("This recommendation was already decided."))
    return decision


def _decide(decision: StatusDecision, *, by, reference: str, effective_on, note: str) -> None:
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError(
            {"reference": _("Give the decision's reference in the benefits system.")}
        )
    if effective_on is None:
        raise ValidationError({"effective_on": _("Give the date the decision takes effect.")})
    try:
        validate_date_range(effective_on)
    except ValidationError as error:
        raise ValidationError({"effective_on": error.messages}) from None
    decision.reference, decision.effective_on = reference, effective_on
    decision.note = "\n".join(part for part in (decision.note, (note or "").strip()) if part)
    decision.state = State.CONFIRMED
    decision.decided_by, decision.decided_at = by, timezone.now()
    decision.full_clean(exclude=["household", "member", "recommended_by", "decided_by"])


def _gradual_months(decision: StatusDecision, months: int | None) -> int | None:
    """渐退期 (003 item 7: 「在其家庭成员人均收入超过当地低保标准后给予一定时间的渐退期」):
    only for a household leaving its status because its income rose; the months given or, by
    default, the policy's ``dibao_gradual_exit_months``; none when one was already granted."""
    income_exit = (
        decision.kind == Kind.EXIT
        and decision.exit_reason == ExitReason.INCOME_ABOVE
        and decision.member_id is None
    )
    if not income_exit:
        if months:
            raise ValidationError(
                {
                    "gradual_exit_months": _(
                        "A gradual exit is only for a household whose income rose above the "
                        "standard."
                    )
                }
            )
        return None
    if months is None:
        if decision.household.gradual_exit_until is not None:
            return 0
        policy = Policy(decision.household.region, decision.effective_on.year)
        return policy.get("dibao_gradual_exit_months") or 0
    if not 0 <= months <= MAX_GRADUAL_EXIT_MONTHS:
        raise ValidationError(
            {
                "gradual_exit_months": _("Give 0 to %(most)d months.")
                % {"most": MAX_GRADUAL_EXIT_MONTHS}
            }
        )
    return months


def _apply(decision: StatusDecision) -> None:
    """Make a confirmed decision true in the registry, then tell the apps above
    (``hooks.on_decision_applied``). The caller holds the transaction."""
    household = Household.objects.select_for_update().get(pk=decision.household_id)
    decision.household = household
    member = None
    if decision.member_id is not None:
        member = Member.objects.select_for_update().get(pk=decision.member_id)
        decision.member = member
    elif {decision.from_status, decision.to_status} - set(HOUSEHOLD_COVERAGES):
        # The member was removed while the recommendation waited (``member`` is SET_NULL): a
        # personal status must not land on the household.
        raise ValidationError(
            {"member": _("The person this decision is about was removed from the household.")}
        )
    current = member.personal_status if member is not None else household.household_tier
    if current != decision.from_status:
        raise ValidationError(
            _("The status changed since this was recommended (now %(status)s): recommend again.")
            % {"status": Coverage(current).label}
        )
    changed = set()
    if decision.gradual_exit_months:
        # 渐退期: the status is kept until the end; the review that ends it makes the exit.
        household.gradual_exit_until = add_months(
            decision.effective_on, decision.gradual_exit_months
        )
        changed.add("gradual_exit_until")
    elif member is not None:
        member.personal_status = decision.to_status
        with audited_as(decision.decided_by):
            member.save(update_fields=["personal_status", "updated_at"])
    else:
        household.household_tier = decision.to_status
        household.gradual_exit_until = None
        changed |= {"household_tier", "gradual_exit_until"}
    statuses = Member.objects.filter(household=household).values_list("personal_status", flat=True)
    household.tier = strongest(household.household_tier, statuses)
    changed.add("tier")
    if decision.kind == Kind.ENROL and household.enrolled_on is None:
        household.enrolled_on = decision.effective_on
        changed.add("enrolled_on")
    if household.tier == Tier.NONE and decision.kind == Kind.EXIT:
        household.status = Household.Status.EXITED
        household.exit_reason, household.exited_on = decision.exit_reason, decision.effective_on
        changed |= {"status", "exit_reason", "exited_on"}
    elif household.tier != Tier.NONE and household.status == Household.Status.EXITED:
        household.status = Household.Status.ACTIVE
        household.exit_reason, household.exited_on = "", None
        changed |= {"status", "exit_reason", "exited_on"}
    # What the apps above write in answer (a review scheduled) is the decider's doing too.
    with audited_as(decision.decided_by):
        household.save(update_fields=[*sorted(changed), "updated_at"])
        decision.save()
        for handler in hooks.on_decision_applied:
            handler(decision)


@contextlib.contextmanager
def audited_as(user):
    """The audit entries written in the block name ``user``, with the request's address when a
    request is under way, also in a background job (where no request names anyone).

    auditlog leaves its context variable set when its block ends, so the request's context is
    put back afterwards for the writes still to come in the request."""
    outer = auditlog_value.get(None)
    context = {key: value for key, value in (outer or {}).items() if key != "signal_duid"}
    try:
        with set_extra_data(context_data={**context, "actor": user}):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


def _as_json(value):
    """Decimals (the calculator's figures) as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    return value
