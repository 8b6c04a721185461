"""Serving a referral: sessions of service, its end (completed or closed without service), the
household's feedback, and the providers' ratings that feedback makes."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core import events
from bangfu.providers import kinds
from bangfu.providers.services import providers_set_ratings
from bangfu.referrals import selectors
from bangfu.referrals.desk_order import refresh_desk_order
from bangfu.referrals.errors import ReferralError
from bangfu.referrals.models import Feedback, Referral, ReferralEvent, ServiceSession
from bangfu.referrals.notifications import Kind, desk_url, message_for, notify
from bangfu.referrals.services.common import (
    Status,
    locked,
    referral_emit,
    require_desk,
    require_provider,
    set_need_status,
)
from bangfu.referrals.services.help_requests import help_request_served
from bangfu.referrals.services.intake import back_to_intake, close_intake
from bangfu.referrals.tasks import refresh_provider_quality_task
from bangfu.registry.models import Need, ServiceCategory

# What closing without service means for the need: gone, met elsewhere, or back to the desk.
NEED_AFTER_CLOSE = {
    Referral.CloseReason.HOUSEHOLD_REFUSED: Need.Status.WITHDRAWN,
    Referral.CloseReason.MOVED_AWAY: Need.Status.WITHDRAWN,
    Referral.CloseReason.DECEASED: Need.Status.WITHDRAWN,
    Referral.CloseReason.RESOLVED_OTHERWISE: Need.Status.MET,
}


@transaction.atomic
def service_session_log(
    *,
    referral: Referral,
    by,
    held_on: dt.date,
    duration_minutes: int,
    category: ServiceCategory,
    notes: str = "",
    at: dt.datetime | None = None,
) -> ServiceSession:
    """Log one session; the first one puts the referral (and the need) in service."""
    require_provider(by=by, referral=referral)
    at = at or timezone.now()
    referral = locked(referral)
    if referral.status not in Referral.HOLDING:
        raise ReferralError(_("Log service on an accepted referral only."))
    if held_on > timezone.localtime(at).date():
        raise ValidationError({"held_on": _("A session cannot be in the future.")})
    if held_on < timezone.localtime(referral.sent_at).date():
        raise ValidationError({"held_on": _("A session cannot be before the referral.")})
    session = ServiceSession(
        referral=referral,
        held_on=held_on,
        duration_minutes=duration_minutes,
        category=category,
        provided_by=by,
        notes=notes.strip(),
        created_at=at,
    )
    kind = kinds.kind_of(referral.provider)
    if kind.record_service is not None:
        session.delivery_record = kind.record_service(
            kind.profile(referral.provider),
            by=by,
            household=referral.need.household,
            category=category,
            held_on=held_on,
            minutes=duration_minutes,
            case=referral.pk,
            note=_("Referral %(number)s") % {"number": referral.pk},
        )
    session.full_clean()
    session.save()
    if referral.status == Status.ACCEPTED:
        referral.first_service_on = held_on
        referral.transition(to=Status.IN_SERVICE, by=by, at=at)
        refresh_desk_order([referral.intake_id])  # no deadline left to wait on
        set_need_status(referral, Need.Status.IN_SERVICE)
    return session


@transaction.atomic
def referral_complete(
    *, referral: Referral, by, outcome: str, at: dt.datetime | None = None
) -> Referral:
    """The service is done: the need is met, the desk is asked for the household's feedback
    and a public help request that opened the case closes as served."""
    require_provider(by=by, referral=referral)
    if not outcome.strip():
        raise ValidationError({"outcome": _("Describe the outcome.")})
    at = at or timezone.now()
    referral = locked(referral)
    referral.outcome_note = outcome.strip()
    referral.transition(to=Status.COMPLETED, by=by, at=at, note=outcome.strip())
    set_need_status(referral, Need.Status.MET)
    close_intake(referral, at=at)
    help_request_served(referral=referral, by=by, at=at)
    referral_emit(events.REFERRAL_COMPLETED, referral, at)
    notify(
        recipients=[referral.sent_by],
        kind=Kind.COMPLETED,
        message=message_for(Kind.COMPLETED, referral),
        url=desk_url(referral),
        referral=referral,
        at=at,
    )
    return referral


@transaction.atomic
def referral_close(
    *, referral: Referral, by, reason: str, note: str = "", at: dt.datetime | None = None
) -> Referral:
    """Close without (further) service, for a reason that decides what happens to the need."""
    require_provider(by=by, referral=referral)
    if reason not in Referral.CloseReason.values:
        raise ValidationError({"reason": _("Choose why the case closes without service.")})
    if reason == Referral.CloseReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why the case closes.")})
    at = at or timezone.now()
    referral = locked(referral)
    referral.close_reason, referral.outcome_note = reason, note.strip()
    referral.transition(to=Status.CLOSED, by=by, at=at, reason=reason, note=note.strip())
    after = NEED_AFTER_CLOSE.get(reason)
    if after is None:
        back_to_intake(referral, at=at)
    else:
        set_need_status(referral, after)
        close_intake(referral, at=at)
    notify(
        recipients=[referral.sent_by],
        kind=Kind.CLOSED,
        message=message_for(Kind.CLOSED, referral, reason=Referral.CloseReason(reason).label),
        url=desk_url(referral),
        referral=referral,
        at=at,
    )
    return referral


@transaction.atomic
def feedback_record(
    *,
    referral: Referral,
    by,
    satisfaction: int,
    comments: str = "",
    at: dt.datetime | None = None,
) -> Feedback:
    """The household's satisfaction with a finished service; it feeds the provider's rating."""
    require_desk(by=by, intake=referral.intake)
    at = at or timezone.now()
    referral = locked(referral)
    if referral.status not in {Status.COMPLETED, Status.CLOSED}:
        raise ReferralError(_("Feedback is recorded once the service has ended."))
    if Feedback.objects.filter(referral=referral).exists():
        raise ReferralError(_("The household's feedback is already recorded."))
    feedback = Feedback(
        referral=referral,
        satisfaction=satisfaction,
        comments=comments.strip(),
        recorded_by=by,
        recorded_at=at,
    )
    feedback.full_clean()
    feedback.save()
    ReferralEvent.objects.create(
        referral=referral,
        action=ReferralEvent.Action.FEEDBACK,
        by=by,
        at=at,
        note=_("satisfaction %(score)s/5") % {"score": satisfaction},
    )
    refresh_provider_quality_task.delay_on_commit(referral.provider_id)
    return feedback


def providers_refresh_quality(*, provider_ids: Iterable[int] | None = None) -> int:
    """Rate the given providers (every rated one when None) from their households' feedback.

    Safe to run twice: the same outcomes give the same rating. Returns how many changed.
    """
    ids = None if provider_ids is None else list(provider_ids)
    return providers_set_ratings(outcomes=selectors.satisfaction_by_provider(ids))
