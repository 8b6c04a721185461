"""The provider's answer: accepting within its capacity or quota, declining; and the desk
taking a referral back.

Capacity: a provider accepts with its row locked (``select_for_update``), so acceptances for one
provider queue one behind the other. A provider whose kind holds slots (a station, a volunteer)
gives each accepted referral the lowest free slot in 1..capacity, and a partial unique index on
(provider, slot) refuses a second referral in the same slot should any code path ever skip the
lock. A provider serving a quota of households (a procured project) counts them under the same
lock. Remaining capacity is always counted from the referrals themselves (and the kind's own
records of service), never kept in a counter.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core import events
from bangfu.core.lifecycle import InvalidTransition
from bangfu.providers import kinds
from bangfu.providers.models import Provider
from bangfu.referrals import selectors
from bangfu.referrals.desk_order import refresh_desk_order
from bangfu.referrals.errors import CapacityFull, ProviderUnavailable, QuotaUsedUp
from bangfu.referrals.models import Referral
from bangfu.referrals.notifications import Kind, desk_url, message_for, notify
from bangfu.referrals.services.common import (
    Status,
    deadlines_for,
    locked,
    referral_emit,
    require_desk,
    require_provider,
)
from bangfu.referrals.services.intake import back_to_intake


def lock_provider(referral: Referral) -> Provider:
    """The provider's row, locked until the transaction ends: its acceptances queue here."""
    return Provider.objects.select_for_update().get(pk=referral.provider_id)


def free_slot(provider: Provider, capacity: int) -> int:
    """The lowest capacity slot the (locked) provider has free."""
    taken = set(Referral.objects.for_provider(provider.pk).holding().values_list("slot", flat=True))
    if len(taken) >= capacity:
        raise CapacityFull(provider, len(taken), capacity)
    return min(set(range(1, capacity + 1)) - taken)


def check_quota(provider: Provider, quota: int, referral: Referral) -> None:
    """A provider serving a quota (a project whose contract pays for so many households) refuses
    a new household beyond it. Called with the provider's row locked, so two acceptances cannot
    both take the last place; a household it serves already does not count twice."""
    households = kinds.quota_households([provider.pk])[provider.pk]
    if referral.need.household_id in households:
        return
    if len(households) >= quota:
        raise QuotaUsedUp(provider, len(households), quota)


@transaction.atomic
def referral_accept(*, referral: Referral, by, at: dt.datetime | None = None) -> Referral:
    """Accept within capacity: the provider's row is locked while its open cases are counted."""
    require_provider(by=by, referral=referral)
    at = at or timezone.now()
    provider = lock_provider(referral)
    referral = locked(referral)
    if referral.status != Status.SENT:
        raise InvalidTransition(referral, Status.ACCEPTED)
    if not selectors.kind_accepts(provider, timezone.localtime(at).date()):
        raise ProviderUnavailable(
            _(
                "%(provider)s is not taking new cases now: decline, so the case goes to the "
                "next candidate."
            )
            % {"provider": provider}
        )
    kind = kinds.kind_of(provider)
    capacity = kind.capacity(kind.profile(provider))
    if kind.holds_slots:
        referral.slot = free_slot(provider, capacity)
    else:
        check_quota(provider, capacity, referral)
    referral.service_due_at = at + deadlines_for(referral.need, at).first_service
    referral.escalated_at = None
    referral.transition(to=Status.ACCEPTED, by=by, at=at)
    refresh_desk_order([referral.intake_id])  # the desk now waits on the first service
    referral_emit(events.REFERRAL_ACCEPTED, referral, at)
    notify(
        recipients=[referral.sent_by],
        kind=Kind.ACCEPTED,
        message=message_for(Kind.ACCEPTED, referral),
        url=desk_url(referral),
        referral=referral,
        at=at,
    )
    return referral


@transaction.atomic
def referral_decline(
    *, referral: Referral, by, reason: str, note: str = "", at: dt.datetime | None = None
) -> Referral:
    """Decline with a reason; the case goes back to the desk, this provider left out next time."""
    require_provider(by=by, referral=referral)
    at = at or timezone.now()
    if reason not in Referral.DeclineReason.values:
        raise ValidationError({"reason": _("Choose a reason for declining.")})
    if reason == Referral.DeclineReason.OTHER and not note.strip():
        raise ValidationError({"note": _("Say why you decline.")})
    referral = locked(referral)
    referral.decline_reason, referral.decline_note = reason, note.strip()
    referral.transition(to=Status.DECLINED, by=by, at=at, reason=reason, note=note.strip())
    back_to_intake(referral, at=at)
    referral_emit(events.REFERRAL_DECLINED, referral, at)
    notify(
        recipients=[referral.sent_by],
        kind=Kind.DECLINED,
        message=message_for(Kind.DECLINED, referral, reason=Referral.DeclineReason(reason).label),
        url=desk_url(referral),
        referral=referral,
        at=at,
    )
    return referral


@transaction.atomic
def referral_revoke(
    *, referral: Referral, by, note: str, at: dt.datetime | None = None
) -> Referral:
    """Staff take a live referral back; the case returns to the intake desk."""
    require_desk(by=by, intake=referral.intake)
    if not note.strip():
        raise ValidationError({"note": _("Say why the referral is withdrawn.")})
    at = at or timezone.now()
    referral = locked(referral)
    referral.transition(to=Status.REVOKED, by=by, at=at, note=note.strip())
    back_to_intake(referral, at=at)
    notify(
        recipients=selectors.provider_users(referral.provider_id),
        kind=Kind.REVOKED,
        message=message_for(Kind.REVOKED, referral),
        referral=referral,
        at=at,
    )
    return referral
