"""What the intake desk and the providers did for a household, on its page in the registry
(``bangfu.registry.timeline``): its cases at the desk, each referral's moves and its service
sessions; and the desk's action on an open need, "refer".

Four queries for the events whatever their number, one for the actions; all scoped to the user.
Providers are named (the desk's pages name them to the same users); notes, outcomes and the
household's feedback stay on the referral's page.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.referrals.models import IntakeCase, Referral, ReferralEvent, ServiceSession
from bangfu.registry.timeline import (
    Event,
    NeedAction,
    category_name,
    day,
    register,
    register_need_actions,
)

# The colour of a referral's state badge.
TONES = {
    Referral.Status.SENT: "warn",
    Referral.Status.ACCEPTED: "ok",
    Referral.Status.IN_SERVICE: "ok",
    Referral.Status.COMPLETED: "done",
    Referral.Status.DECLINED: "danger",
    Referral.Status.EXPIRED: "danger",
}
INTAKE_TONES = {IntakeCase.Status.OPEN: "warn", IntakeCase.Status.CLOSED: "done"}


def _reads_desk(user) -> bool:
    """Pages of the intake desk and referrals are for people with an area of the registry
    (``views.common.require_staff_area``)."""
    return scope_for(user).reads_registry


@register
def referral_events(household, user) -> Iterable[Event]:
    linked = _reads_desk(user)
    cases = (
        IntakeCase.objects.for_user(user)
        .filter(household=household)
        .select_related("need__category")
        .only("pk", "source", "status", "opened_at", "closed_at", "need__category")
    )
    for case in cases:
        service = category_name(case.need.category) if case.need else _("need not recorded yet")
        yield Event(
            at=case.opened_at,
            kind=_("Intake desk"),
            title=_("Case opened (%(source)s): %(service)s")
            % {"source": case.get_source_display(), "service": service},
            url=reverse("referrals:intake-detail", args=[case.pk]) if linked else "",
            state=case.get_status_display(),
            tone=INTAKE_TONES.get(case.status, ""),
        )
    referrals = {
        referral.pk: referral
        for referral in Referral.objects.for_user(user)
        .filter(need__household=household)
        .select_related("provider", "need__category")
        .only("status", "provider__name", "need__category")
    }
    if not referrals:
        return
    events = ReferralEvent.objects.filter(referral__in=referrals).only(
        "referral", "action", "at", "reason"
    )
    for event in events:
        referral = referrals[event.referral_id]
        url = reverse("referrals:referral-detail", args=[referral.pk]) if linked else ""
        names = {
            "provider": referral.provider.name,
            "service": category_name(referral.need.category),
            "action": event.get_action_display(),
        }
        if event.action == ReferralEvent.Action.SENT:
            # The referral's first line carries where it stands now.
            yield Event(
                at=event.at,
                kind=_("Referral"),
                title=_("Referred to %(provider)s: %(service)s") % names,
                url=url,
                state=referral.get_status_display(),
                tone=TONES.get(referral.status, ""),
            )
        else:
            yield Event(
                at=event.at,
                kind=_("Referral"),
                title=_("%(provider)s: %(action)s") % names,
                detail=event.reason_label,
                url=url,
            )
    sessions = (
        ServiceSession.objects.filter(referral__in=referrals)
        .select_related("category")
        .only("referral", "held_on", "duration_minutes", "category")
    )
    for session in sessions:
        referral = referrals[session.referral_id]
        yield Event(
            at=day(session.held_on),
            kind=_("Service"),
            title=_("%(service)s, %(minutes)d minutes")
            % {"service": category_name(session.category), "minutes": session.duration_minutes},
            detail=referral.provider.name,
            url=reverse("referrals:referral-detail", args=[referral.pk]) if linked else "",
            day_only=True,
        )


@register_need_actions
def refer(needs, user) -> Iterable[NeedAction]:
    """The action "refer" opens a case at the desk on the need; a need already at the desk links to
    its case instead. For those who may open cases (``services.intake_open``)."""
    scope = scope_for(user)
    if not (scope.reads_registry and scope.can_write):
        return
    at_desk = dict(
        IntakeCase.objects.for_user(user)
        .filter(need__in=needs)
        .exclude(status=IntakeCase.Status.CLOSED)
        .values_list("need", "pk")
    )
    for need in needs:
        if need.pk in at_desk:
            url = reverse("referrals:intake-detail", args=[at_desk[need.pk]])
            yield NeedAction(need.pk, _("Case at the desk"), url, order=10)
        else:
            url = f"{reverse('referrals:intake-create')}?need={need.pk}"
            yield NeedAction(need.pk, _("Refer"), url, order=10)
