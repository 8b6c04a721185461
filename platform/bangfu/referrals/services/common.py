"""What the referral services share: who may act, the deadlines' policy, the need's status, the
referral's row lock and the engine's candidates."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import events
from bangfu.referrals import selectors
from bangfu.referrals.errors import NeedNotRankable
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.regions.policy import Policy
from bangfu.registry.models import Need
from bangfu.registry.services import need_update

Status = Referral.Status


def require_desk(*, by, intake: IntakeCase) -> None:
    """Intake staff: registry writers (township staff, assistants) whose area holds the case."""
    if not scope_for(by).can_write:
        raise PermissionDenied(_("Your role cannot refer cases."))
    if not IntakeCase.objects.for_user(by).filter(pk=intake.pk).exists():
        raise PermissionDenied(_("This case is outside your area."))


def require_provider(*, by, referral: Referral) -> None:
    """The station's staff, the project's agency staff or the volunteer the referral was sent to."""
    scope = scope_for(by)
    if scope.everything:
        return
    if not (
        scope.is_provider and Referral.objects.filter(scope.referral_q(""), pk=referral.pk).exists()
    ):
        raise PermissionDenied(_("This referral was not sent to you."))


def policy_for(need: Need, at: dt.datetime) -> Policy:
    return Policy(need.household.region, timezone.localtime(at).year)


@dataclass(frozen=True)
class Deadlines:
    """How long a provider has to answer and to serve a need, how long after the escalation an
    overdue referral is re-routed, and whether the county's bureau hears of it too."""

    accept: dt.timedelta
    first_service: dt.timedelta
    reroute_after: dt.timedelta
    alert_county: bool = False


def deadlines_for(need: Need, at: dt.datetime) -> Deadlines:
    """The deadlines of a referral of ``need`` sent at ``at``, by the need's urgency: an
    emergency (特急, today) counts in hours and reaches the county's bureau when it is missed,
    an urgent need (紧急, 48 hours) has fewer days than a routine one."""
    policy = policy_for(need, at)
    if need.urgency == Need.Urgency.EMERGENCY:
        return Deadlines(
            accept=dt.timedelta(hours=policy["referral_accept_hours_emergency"]),
            first_service=dt.timedelta(hours=policy["referral_first_service_hours_emergency"]),
            reroute_after=dt.timedelta(hours=policy["referral_reroute_after_hours_emergency"]),
            alert_county=True,
        )
    urgent = need.urgency == Need.Urgency.URGENT
    return Deadlines(
        accept=dt.timedelta(
            days=policy["referral_accept_days_urgent" if urgent else "referral_accept_days"]
        ),
        first_service=dt.timedelta(
            days=policy[
                "referral_first_service_days_urgent" if urgent else "referral_first_service_days"
            ]
        ),
        reroute_after=dt.timedelta(days=policy["referral_reroute_after_days"]),
    )


def desk_user(referral: Referral):
    """Who the need's status changes are made for: the referring desk, or the township's staff
    when that person has since lost the right to write the household."""
    household = referral.need.household
    candidates = [referral.sent_by, *selectors.township_staff(household.region)]
    for user in candidates:
        scope = scope_for(user)
        if scope.can_write and scope.covers(household.region):
            return user
    raise PermissionDenied(_("No one at the intake desk can update this household's need."))


def set_need_status(referral: Referral, status: str) -> None:
    need = Need.objects.select_related("household").get(pk=referral.need_id)
    if need.status != status:
        need_update(need=need, by=desk_user(referral), status=status)


def referral_emit(name: str, referral: Referral, at: dt.datetime) -> None:
    """Tell listeners (the webhooks) of the referral's step: ids, status, category, times."""
    events.emit(
        name,
        region=referral.intake.region,
        payload={
            "referral_id": referral.pk,
            "intake_case_id": referral.intake_id,
            "need_id": referral.need_id,
            "provider_id": referral.provider_id,
            "status": referral.status,
            "category": referral.need.category.code,
            "at": at.isoformat(),
        },
    )


def locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


def check_candidates(intake: IntakeCase, at: dt.datetime) -> list:
    try:
        candidates = selectors.intake_candidates(intake, today=timezone.localtime(at).date())
    except NeedNotRankable:
        # The case stays at the desk, whose page says what to correct.
        candidates = []
    intake.candidate_count = len(candidates)
    intake.candidates_checked_at = at
    intake.save(update_fields=["candidate_count", "candidates_checked_at"])
    return candidates
