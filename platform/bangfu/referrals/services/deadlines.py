"""Deadlines: a referral not answered or not served in time is escalated, then re-routed.

How long each step takes depends on the need's urgency (``deadlines_for``): an emergency's
deadlines are hours, and its escalation reaches the county's bureau as well as the township."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.referrals import selectors
from bangfu.referrals.models import Referral, ReferralEvent
from bangfu.referrals.notifications import Kind, desk_url, message_for, notify, portal_url, when
from bangfu.referrals.services.common import Status, deadlines_for, desk_user
from bangfu.referrals.services.intake import back_to_intake, route


def referral_handle_overdue(*, referral_id: int, at: dt.datetime | None = None) -> str:
    """Act once on an overdue referral; safe to run twice.

    At the first deadline the provider is reminded and the township's staff alerted (the
    county's bureau too, for an emergency); once the re-routing delay has also passed, the
    referral expires and the case goes to the next candidate (the lapsed provider left out).
    Returns "escalated", "rerouted" or "".
    """
    at = at or timezone.now()
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("need__household__region", "need__category", "provider")
            .filter(pk=referral_id)
            .first()
        )
        if referral is None or not referral.is_overdue(at):
            return ""
        deadlines = deadlines_for(referral.need, at)
        due = referral.accept_due_at if referral.status == Status.SENT else referral.service_due_at
        if referral.escalated_at is None:
            referral.escalated_at = at
            referral.save(update_fields=["escalated_at"])
            reroute_at = at + deadlines.reroute_after
            ReferralEvent.objects.create(
                referral=referral,
                action=ReferralEvent.Action.ESCALATED,
                from_status=referral.status,
                to_status=referral.status,
                at=at,
            )
            notify(
                recipients=selectors.provider_users(referral.provider_id),
                kind=Kind.OVERDUE,
                message=message_for(
                    Kind.OVERDUE, referral, due=when(due), reroute=when(reroute_at)
                ),
                url=portal_url(referral),
                referral=referral,
                at=at,
            )
            region = referral.need.household.region
            alerted = selectors.township_staff(region)
            if deadlines.alert_county:
                alerted += selectors.county_staff(region)
            notify(
                recipients=alerted,
                kind=Kind.ESCALATED,
                message=message_for(
                    Kind.ESCALATED, referral, due=when(due), provider=referral.provider
                ),
                url=desk_url(referral),
                referral=referral,
                at=at,
            )
            return "escalated"
        if at < referral.escalated_at + deadlines.reroute_after:
            return ""
        referral.transition(
            to=Status.EXPIRED,
            by=None,
            at=at,
            note=_("No answer by %(due)s.") % {"due": when(due)}
            if referral.status == Status.SENT
            else _("No service by %(due)s.") % {"due": when(due)},
        )
        intake = back_to_intake(referral, at=at)
        staff = selectors.township_staff(referral.need.household.region)
        desk = [referral.sent_by, *staff]
        new = route(
            intake=intake,
            desk_user=desk_user(referral),
            event_by=None,
            at=at,
            note=_("Re-routed automatically: referral %(number)s expired.")
            % {"number": referral.pk},
            note_to_provider=referral.note_to_provider,
        )
        if new is None:
            notify(
                recipients=desk,
                kind=Kind.NO_CANDIDATE,
                message=message_for(Kind.NO_CANDIDATE, referral),
                url=desk_url(referral),
                referral=referral,
                at=at,
            )
        else:
            notify(
                recipients=desk,
                kind=Kind.REROUTED,
                message=message_for(Kind.REROUTED, referral, provider=new.provider),
                url=desk_url(new),
                referral=new,
                at=at,
            )
        return "rerouted"
