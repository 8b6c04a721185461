"""Opening intake cases and sending them to providers."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.providers import kinds
from bangfu.providers.models import Provider
from bangfu.referrals import selectors
from bangfu.referrals.errors import ProviderUnavailable, ReferralError
from bangfu.referrals.models import IntakeCase, Referral, ReferralEvent
from bangfu.referrals.notifications import Kind, message_for, notify, portal_url, when
from bangfu.referrals.services.common import (
    Status,
    check_candidates,
    days,
    policy_for,
    require_desk,
    set_need_status,
)
from bangfu.regions.models import Region
from bangfu.registry.models import Need


def check_serves(provider: Provider, need: Need) -> None:
    """The provider's kind refuses a need it does not serve (a project outside its service area,
    or one no line of it buys): its refusal becomes the referrals' ``ProviderUnavailable``."""
    kind = kinds.kind_of(provider)
    try:
        kind.check_serves(kind.profile(provider), need)
    except kinds.ProviderUnavailable as refused:
        raise ProviderUnavailable(str(refused)) from None


@transaction.atomic
def intake_open(
    *,
    by,
    source: str,
    need: Need | None = None,
    township: Region | None = None,
    description: str = "",
    at: dt.datetime | None = None,
) -> IntakeCase:
    """Open a case at the intake desk: on a household's open need, or on a call with no need
    recorded yet (the township and a description are then required)."""
    at = at or timezone.now()
    scope = scope_for(by)
    if not scope.can_write:
        raise PermissionDenied(_("Your role cannot open intake cases."))
    if need is not None:
        need = (
            Need.objects.for_user(by)
            .select_for_update()
            .select_related("household__region")
            .filter(pk=need.pk)
            .first()
        )
        if need is None:
            raise PermissionDenied(_("This need is outside your area."))
        if need.status not in Need.OPEN_STATUSES:
            raise ValidationError(_("Only an open need can be taken to the intake desk."))
        if IntakeCase.objects.filter(need=need).exclude(status=IntakeCase.Status.CLOSED).exists():
            raise ValidationError(_("This need already has an open intake case."))
        region = need.household.region
    else:
        if township is None or township.level != Region.Level.TOWNSHIP:
            raise ValidationError({"township": _("Choose the township the call came from.")})
        if not description.strip():
            raise ValidationError({"description": _("Describe what the caller asked for.")})
        if not scope.everything and not any(
            township.is_within(path) for path in scope.region_paths
        ):
            raise PermissionDenied(_("This township is outside your area."))
        region = township
    intake = IntakeCase(
        source=source,
        region=region,
        need=need,
        description=description.strip(),
        opened_by=by,
        opened_at=at,
    )
    intake.full_clean()
    intake.save()
    if need is not None:
        check_candidates(intake, at)
    return intake


@transaction.atomic
def intake_attach_need(
    *, intake: IntakeCase, need: Need, by, at: dt.datetime | None = None
) -> IntakeCase:
    """Give a call's case (hotline, public form) the need recorded since, so it can be referred.

    The need must be open, in the case's township, and not already at the desk.
    """
    require_desk(by=by, intake=intake)
    at = at or timezone.now()
    intake = IntakeCase.objects.select_for_update().select_related("region").get(pk=intake.pk)
    if intake.need_id is not None:
        raise ValidationError(_("This case already has its need."))
    need = (
        Need.objects.for_user(by)
        .select_related("household__region")
        .filter(pk=need.pk, status__in=Need.OPEN_STATUSES)
        .first()
    )
    if need is None:
        raise ValidationError({"need": _("Choose an open need in your area.")})
    if not need.household.region.is_within(intake.township):
        raise ValidationError({"need": _("The need is in another township than the call.")})
    if IntakeCase.objects.filter(need=need).exclude(status=IntakeCase.Status.CLOSED).exists():
        raise ValidationError({"need": _("This need already has an open intake case.")})
    intake.need, intake.region = need, need.household.region
    intake.save(update_fields=["need", "region"])
    check_candidates(intake, at)
    return intake


def send(
    *,
    intake: IntakeCase,
    provider_id: int,
    desk_user,
    event_by,
    at: dt.datetime,
    candidate=None,
    rank: int | None = None,
    note: str = "",
) -> Referral:
    intake = IntakeCase.objects.select_for_update().get(pk=intake.pk)
    if intake.status != IntakeCase.Status.OPEN:
        raise ReferralError(_("This case is already with a provider."))
    if intake.need is None:
        raise ReferralError(_("Record the household's need before referring the case."))
    need = intake.need
    if provider_id in selectors.refused_providers(need):
        raise ReferralError(_("This provider already declined this need or let it lapse."))
    # The provider's row is locked: a send cannot slip past a pause, a suspension or a project's
    # closing, each made under the same lock.
    provider = Provider.objects.select_for_update().filter(pk=provider_id).first()
    if not (
        provider is not None
        and provider.takes_referrals
        and selectors.kind_accepts(provider, timezone.localtime(at).date())
    ):
        raise ProviderUnavailable(_("This provider is not taking referrals now."))
    check_serves(provider, need)
    accept_days = policy_for(need, at)["referral_accept_days"]
    referral = Referral.objects.create(
        intake=intake,
        need=need,
        provider=provider,
        rank=rank,
        score=getattr(candidate, "score", None),
        score_components=dict(getattr(candidate, "components", {}) or {}),
        distance_km=getattr(candidate, "distance_km", None),
        sent_by=desk_user,
        sent_at=at,
        accept_due_at=at + days(accept_days),
    )
    ReferralEvent.objects.create(
        referral=referral,
        action=ReferralEvent.Action.SENT,
        to_status=Status.SENT,
        by=event_by,
        at=at,
        note=note,
    )
    intake.status = IntakeCase.Status.REFERRED
    intake.save(update_fields=["status"])
    set_need_status(referral, Need.Status.REFERRED)
    notify(
        recipients=selectors.provider_users(provider.pk),
        kind=Kind.NEW_REFERRAL,
        message=message_for(Kind.NEW_REFERRAL, referral, due=when(referral.accept_due_at)),
        url=portal_url(referral),
        referral=referral,
        at=at,
    )
    return referral


@transaction.atomic
def referral_send(
    *,
    intake: IntakeCase,
    provider_id: int,
    by,
    candidate=None,
    rank: int | None = None,
    at: dt.datetime | None = None,
) -> Referral:
    """Refer the case to the provider staff picked (with the engine's score, if it ranked it)."""
    require_desk(by=by, intake=intake)
    return send(
        intake=intake,
        provider_id=provider_id,
        desk_user=by,
        event_by=by,
        at=at or timezone.now(),
        candidate=candidate,
        rank=rank,
    )


def route(*, intake: IntakeCase, desk_user, event_by, at: dt.datetime, note: str = ""):
    """Send the case to the best candidate that takes it; None when none does."""
    for rank, candidate in enumerate(check_candidates(intake, at), start=1):
        try:
            # A savepoint per try: a candidate that cannot take the case leaves nothing behind.
            with transaction.atomic():
                return send(
                    intake=intake,
                    provider_id=candidate.provider_id,
                    desk_user=desk_user,
                    event_by=event_by,
                    at=at,
                    candidate=candidate,
                    rank=rank,
                    note=note,
                )
        except ProviderUnavailable:
            continue
    return None


@transaction.atomic
def intake_route(*, intake: IntakeCase, by, at: dt.datetime | None = None) -> Referral | None:
    """Send the case to the engine's first candidate; None when there is no candidate."""
    require_desk(by=by, intake=intake)
    return route(intake=intake, desk_user=by, event_by=by, at=at or timezone.now())


def back_to_intake(referral: Referral, *, at: dt.datetime) -> IntakeCase:
    intake = IntakeCase.objects.select_for_update().get(pk=referral.intake_id)
    intake.status = IntakeCase.Status.OPEN
    intake.save(update_fields=["status"])
    set_need_status(referral, Need.Status.OPEN)
    check_candidates(intake, at)
    return intake


def close_intake(referral: Referral, *, at: dt.datetime) -> None:
    IntakeCase.objects.filter(pk=referral.intake_id).update(
        status=IntakeCase.Status.CLOSED, closed_at=at
    )
