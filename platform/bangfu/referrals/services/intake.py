"""Opening intake cases and sending them to providers."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import events
from bangfu.providers import kinds
from bangfu.providers.models import Provider
from bangfu.referrals import selectors
from bangfu.referrals.desk_order import refresh_desk_order
from bangfu.referrals.errors import ProviderUnavailable, ReferralError
from bangfu.referrals.models import IntakeCase, Referral, ReferralEvent
from bangfu.referrals.notifications import Kind, message_for, notify, portal_url, when
from bangfu.referrals.services.common import (
    Status,
    check_candidates,
    deadlines_for,
    referral_emit,
    require_desk,
    set_need_status,
)
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Need, ServiceCategory
from bangfu.registry.services import assessment_create


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
    household: Household | None = None,
    township: Region | None = None,
    village: Region | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    description: str = "",
    at: dt.datetime | None = None,
    candidate_count: int | None = None,
    reference: str = "",
) -> IntakeCase:
    """Open a case at the intake desk: on a household's open need, on a household found in the
    registry (its need is picked or recorded in the case), or on a caller not in the registry,
    placed in a township (and village, if known). Without a need, a description is required; a
    walk-in caller not in the registry is recorded by name.

    A case on a need is checked for candidates (the engine ranks the need) unless the caller
    already ranked it, as a matching run has: it then passes ``candidate_count``, recorded as
    the check's result, and the need is not ranked again. ``reference`` is the case's number in
    the system that opened it (``intake_by_reference`` finds it again)."""
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
        if household is not None and household.pk != need.household_id:
            raise ValidationError(_("The need is another household's."))
        household = need.household
    elif household is not None:
        household = in_area(household, by)
    if household is not None:
        region = household.region
    else:
        if township is None or township.level != Region.Level.TOWNSHIP:
            raise ValidationError({"township": _("Choose the township the call came from.")})
        if village is not None and village.parent_id != township.pk:
            raise ValidationError({"village": _("The village is not in this township.")})
        region = village or township
        if not scope.covers(region):
            raise PermissionDenied(_("This township is outside your area."))
        if source == IntakeCase.Source.WALK_IN and not caller_name.strip():
            raise ValidationError(
                {"caller_name": _("Record the caller's name, or find their household.")}
            )
    if need is None and not description.strip():
        raise ValidationError({"description": _("Describe what the caller asked for.")})
    intake = IntakeCase(
        source=source,
        region=region,
        household=household,
        need=need,
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        description=description.strip(),
        opened_by=by,
        opened_at=at,
        reference=reference.strip(),
    )
    intake.full_clean()
    intake.save()
    refresh_desk_order([intake.pk])
    if need is not None and candidate_count is None:
        check_candidates(intake, at)
    elif need is not None:
        intake.candidate_count, intake.candidates_checked_at = candidate_count, at
        intake.save(update_fields=["candidate_count", "candidates_checked_at"])
    return intake


def in_area(household: Household, by) -> Household:
    """The household, read again within the user's area; refused outside it."""
    found = Household.objects.for_user(by).select_related("region").filter(pk=household.pk).first()
    if found is None:
        raise PermissionDenied(_("This household is outside your area."))
    return found


def open_without_need(intake: IntakeCase, by) -> IntakeCase:
    require_desk(by=by, intake=intake)
    intake = IntakeCase.objects.select_for_update().select_related("region").get(pk=intake.pk)
    if intake.status != IntakeCase.Status.OPEN:
        raise ValidationError(_("This case is already with a provider or closed."))
    if intake.need_id is not None:
        raise ValidationError(_("This case already has its need."))
    return intake


@transaction.atomic
def intake_link_household(*, intake: IntakeCase, household: Household, by) -> IntakeCase:
    """Link a caller's case to their household, found in the registry or registered since.

    The case moves to the household's village; its need is then picked among the household's
    or recorded in the case. A case from the help form stays in the township the requester
    named: its desk, and nobody else's, answers for it.
    """
    intake = open_without_need(intake, by)
    household = in_area(household, by)
    township = intake.township
    if intake.source == IntakeCase.Source.PUBLIC_FORM and not household.region.is_within(township):
        raise ValidationError(
            {
                "household": _(
                    "Choose a household of %(township)s, the township the requester named."
                )
                % {"township": township.name}
            }
        )
    intake.household, intake.region = household, household.region
    intake.save(update_fields=["household", "region"])
    return intake


@transaction.atomic
def intake_attach_need(
    *, intake: IntakeCase, need: Need, by, at: dt.datetime | None = None
) -> IntakeCase:
    """Give the case its household's need, picked at the desk, so it can be referred.

    The need must be open, not already at the desk, and the case's household's (or, for a call
    with no household linked yet, in the case's township). The need's row is locked, as
    ``intake_open`` locks it: a second desk taking the same need at once waits, then hears that
    it already has a case (not the database's refusal).
    """
    at = at or timezone.now()
    intake = open_without_need(intake, by)
    need = (
        Need.objects.for_user(by)
        .select_for_update(of=("self",))
        .select_related("household__region")
        .filter(pk=need.pk, status__in=Need.OPEN_STATUSES)
        .first()
    )
    if need is None:
        raise ValidationError({"need": _("Choose an open need in your area.")})
    if intake.household_id is not None and need.household_id != intake.household_id:
        raise ValidationError({"need": _("The need is another household's.")})
    if not need.household.region.is_within(intake.township):
        raise ValidationError({"need": _("The need is in another township than the call.")})
    if IntakeCase.objects.filter(need=need).exclude(status=IntakeCase.Status.CLOSED).exists():
        raise ValidationError({"need": _("This need already has an open intake case.")})
    intake.need, intake.household, intake.region = need, need.household, need.household.region
    intake.save(update_fields=["need", "household", "region"])
    refresh_desk_order([intake.pk])
    check_candidates(intake, at)
    return intake


@transaction.atomic
def intake_record_need(
    *,
    intake: IntakeCase,
    by,
    category: ServiceCategory,
    severity: int,
    urgency: str,
    preferred_times: str = "",
    notes: str = "",
    at: dt.datetime | None = None,
) -> IntakeCase:
    """Record the need the caller describes, as the registry records a visit's, and give it to
    the case: the desk's conversation is the assessment."""
    at = at or timezone.now()
    intake = open_without_need(intake, by)
    if intake.household_id is None:
        raise ValidationError(_("Link the caller's household before recording its need."))
    household = in_area(intake.household, by)
    assessment = assessment_create(
        household=household,
        by=by,
        assessed_on=timezone.localtime(at).date(),
        summary=_("Recorded at the intake desk (%(case)s, %(source)s).")
        % {"case": intake, "source": intake.get_source_display()},
        needs=[
            {
                "category": category,
                "severity": severity,
                "urgency": urgency,
                "preferred_times": preferred_times,
                "notes": notes,
            }
        ],
    )
    return intake_attach_need(intake=intake, need=assessment.needs.get(), by=by, at=at)


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
    note_to_provider: str = "",
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
        accept_due_at=at + deadlines_for(need, at).accept,
        note_to_provider=note_to_provider.strip(),
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
    refresh_desk_order([intake.pk])
    set_need_status(referral, Need.Status.REFERRED)
    referral_emit(events.REFERRAL_SENT, referral, at)
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
    note_to_provider: str = "",
    at: dt.datetime | None = None,
) -> Referral:
    """Refer the case to the provider staff picked (with the engine's score, if it ranked it),
    with the desk's note to the provider."""
    require_desk(by=by, intake=intake)
    return send(
        intake=intake,
        provider_id=provider_id,
        desk_user=by,
        event_by=by,
        at=at or timezone.now(),
        candidate=candidate,
        rank=rank,
        note_to_provider=note_to_provider,
    )


def route(
    *,
    intake: IntakeCase,
    desk_user,
    event_by,
    at: dt.datetime,
    note: str = "",
    note_to_provider: str = "",
):
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
                    note_to_provider=note_to_provider,
                )
        except ProviderUnavailable:
            continue
    return None


@transaction.atomic
def intake_route(
    *, intake: IntakeCase, by, note_to_provider: str = "", at: dt.datetime | None = None
) -> Referral | None:
    """Send the case to the engine's first candidate, with the desk's note to the provider;
    None when there is no candidate."""
    require_desk(by=by, intake=intake)
    return route(
        intake=intake,
        desk_user=by,
        event_by=by,
        at=at or timezone.now(),
        note_to_provider=note_to_provider,
    )


def back_to_intake(referral: Referral, *, at: dt.datetime) -> IntakeCase:
    intake = IntakeCase.objects.select_for_update().get(pk=referral.intake_id)
    intake.status = IntakeCase.Status.OPEN
    intake.save(update_fields=["status"])
    refresh_desk_order([intake.pk])
    set_need_status(referral, Need.Status.OPEN)
    check_candidates(intake, at)
    return intake


def close_intake(referral: Referral, *, at: dt.datetime) -> None:
    IntakeCase.objects.filter(pk=referral.intake_id).update(
        status=IntakeCase.Status.CLOSED, closed_at=at
    )
    refresh_desk_order([referral.intake_id])
