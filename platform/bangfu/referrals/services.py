"""The only code that writes intake cases, referrals, service sessions and feedback.

Every service is one transaction; every status change of a referral writes its audit row
(``Referral.transition``). The need's status follows its referral through the registry's own
service (``need_update``), under the authority of the desk that referred it: station staff and
volunteers never hold registry write rights, yet their acceptance or their last session moves
the need on. django-auditlog still names the real actor of the request.

Capacity: a provider accepts with its row locked (``select_for_update``), so acceptances for one
provider queue one behind the other; each accepted referral takes the lowest free slot in
1..capacity, and a partial unique index on (provider, slot) refuses a second referral in the
same slot should any code path ever skip the lock. Remaining capacity is always counted from
the referrals themselves, never kept in a counter.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.masking import mask_text
from bangfu.procurement import services as procurement_services
from bangfu.procurement.models import DeliveryRecord, Project
from bangfu.providers.models import Station, Volunteer
from bangfu.referrals import selectors
from bangfu.referrals.errors import (
    CapacityFull,
    InvalidTransition,
    NeedNotRankable,
    ProviderUnavailable,
    QuotaUsedUp,
    ReferralError,
)
from bangfu.referrals.models import (
    Feedback,
    IntakeCase,
    Notification,
    ProviderKey,
    Referral,
    ReferralEvent,
    ServiceSession,
)
from bangfu.referrals.notifications import Kind, desk_url, message_for, notify, portal_url, when
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.models import Need, ServiceCategory
from bangfu.registry.services import need_update

Status = Referral.Status
EMAIL_STALE_AFTER = dt.timedelta(days=2)

# What closing without service means for the need: gone, met elsewhere, or back to the desk.
NEED_AFTER_CLOSE = {
    Referral.CloseReason.HOUSEHOLD_REFUSED: Need.Status.WITHDRAWN,
    Referral.CloseReason.MOVED_AWAY: Need.Status.WITHDRAWN,
    Referral.CloseReason.DECEASED: Need.Status.WITHDRAWN,
    Referral.CloseReason.RESOLVED_OTHERWISE: Need.Status.MET,
}


# --- permissions -------------------------------------------------------------------------------


def require_desk(*, by, intake: IntakeCase) -> None:
    """Intake staff: registry writers (township staff, assistants) whose area holds the case."""
    if not scope_for(by).can_write:
        raise PermissionDenied(_("Your role cannot refer cases."))
    if not IntakeCase.objects.for_user(by).filter(pk=intake.pk).exists():
        raise PermissionDenied(_("This case is outside your area."))


def require_provider(*, by, referral: Referral) -> None:
    """The station's staff or the volunteer the referral was sent to."""
    scope = scope_for(by)
    if scope.everything:
        return
    if not (
        scope.is_provider and Referral.objects.filter(scope.referral_q(""), pk=referral.pk).exists()
    ):
        raise PermissionDenied(_("This referral was not sent to you."))


# --- helpers -----------------------------------------------------------------------------------


def _policy(need: Need, at: dt.datetime) -> Policy:
    return Policy(need.household.region, timezone.localtime(at).year)


def _days(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


def _desk_user(referral: Referral):
    """Who the need's status changes are made for: the referring desk, or the township's staff
    when that person has since lost the right to write the household."""
    household = referral.need.household
    candidates = [referral.sent_by, *selectors.township_staff(household.region)]
    for user in candidates:
        scope = scope_for(user)
        if scope.can_write and scope.covers(household.region):
            return user
    raise PermissionDenied(_("No one at the intake desk can update this household's need."))


def _set_need_status(referral: Referral, status: str) -> None:
    need = Need.objects.select_related("household").get(pk=referral.need_id)
    if need.status != status:
        need_update(need=need, by=_desk_user(referral), status=status)


def lock_provider(referral: Referral) -> Station | Volunteer | Project:
    """The provider's row, locked until the transaction ends: its acceptances queue here."""
    kind, pk = referral.provider_key
    return selectors.PROVIDER_MODELS[kind].objects.select_for_update().get(pk=pk)


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _check_candidates(intake: IntakeCase, at: dt.datetime) -> list:
    try:
        candidates = selectors.intake_candidates(intake, today=timezone.localtime(at).date())
    except NeedNotRankable:
        # The case stays at the desk, whose page says what to correct.
        candidates = []
    intake.candidate_count = len(candidates)
    intake.candidates_checked_at = at
    intake.save(update_fields=["candidate_count", "candidates_checked_at"])
    return candidates


def _is_accepting(provider: Station | Volunteer | Project, at: dt.datetime) -> bool:
    if isinstance(provider, Project):
        return provider.is_accepting_on(timezone.localtime(at).date())
    return provider.is_accepting if isinstance(provider, Station) else provider.is_available


def _check_project_serves(project: Project, need: Need) -> None:
    """A project serves households of its service area (its buying region when it names none),
    with a service one of its lines buys (the referral's sessions count against that line)."""
    village = need.household.region
    if not any(village.is_within(area) for area in project.service_area.all() or [project.region]):
        raise ProviderUnavailable(_("The household lies outside the project's service area."))
    if project.line_for(need.category) is None:
        raise ProviderUnavailable(
            _("%(project)s does not buy %(service)s.")
            % {"project": project, "service": need.category}
        )


# --- intake ------------------------------------------------------------------------------------


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
            township.path.startswith(path) for path in scope.region_paths
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
        _check_candidates(intake, at)
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
    if not need.household.region.path.startswith(intake.township.path):
        raise ValidationError({"need": _("The need is in another township than the call.")})
    if IntakeCase.objects.filter(need=need).exclude(status=IntakeCase.Status.CLOSED).exists():
        raise ValidationError({"need": _("This need already has an open intake case.")})
    intake.need, intake.region = need, need.household.region
    intake.save(update_fields=["need", "region"])
    _check_candidates(intake, at)
    return intake


def _send(
    *,
    intake: IntakeCase,
    provider: ProviderKey,
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
    if provider in selectors.refused_providers(need):
        raise ReferralError(_("This provider already declined this need or let it lapse."))
    kind, pk = provider
    if kind not in selectors.PROVIDER_MODELS:
        raise ReferralError(
            _("Cases can be referred to stations, volunteers and procured projects only.")
        )
    # A project's row is locked: a send cannot slip past its closing, which counts open cases.
    targets = selectors.PROVIDER_MODELS[kind].objects
    target = (targets.select_for_update() if kind == "project" else targets).filter(pk=pk).first()
    if target is None or not _is_accepting(target, at):
        raise ProviderUnavailable(_("This provider is not taking referrals now."))
    if kind == "project":
        _check_project_serves(target, need)
    accept_days = _policy(need, at)["referral_accept_days"]
    referral = Referral.objects.create(
        intake=intake,
        need=need,
        **{kind: target},
        rank=rank,
        score=getattr(candidate, "score", None),
        score_components=dict(getattr(candidate, "components", {}) or {}),
        distance_km=getattr(candidate, "distance_km", None),
        sent_by=desk_user,
        sent_at=at,
        accept_due_at=at + _days(accept_days),
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
    _set_need_status(referral, Need.Status.REFERRED)
    notify(
        recipients=selectors.provider_users(provider),
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
    provider: ProviderKey,
    by,
    candidate=None,
    rank: int | None = None,
    at: dt.datetime | None = None,
) -> Referral:
    """Refer the case to the provider staff picked (with the engine's score, if it ranked it)."""
    require_desk(by=by, intake=intake)
    return _send(
        intake=intake,
        provider=provider,
        desk_user=by,
        event_by=by,
        at=at or timezone.now(),
        candidate=candidate,
        rank=rank,
    )


def _route(*, intake: IntakeCase, desk_user, event_by, at: dt.datetime, note: str = ""):
    """Send the case to the best candidate that takes it; None when none does."""
    for rank, candidate in enumerate(_check_candidates(intake, at), start=1):
        try:
            # A savepoint per try: a candidate that cannot take the case leaves nothing behind.
            with transaction.atomic():
                return _send(
                    intake=intake,
                    provider=(candidate.kind, candidate.provider_id),
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
    return _route(intake=intake, desk_user=by, event_by=by, at=at or timezone.now())


def _back_to_intake(referral: Referral, *, at: dt.datetime) -> IntakeCase:
    intake = IntakeCase.objects.select_for_update().get(pk=referral.intake_id)
    intake.status = IntakeCase.Status.OPEN
    intake.save(update_fields=["status"])
    _set_need_status(referral, Need.Status.OPEN)
    _check_candidates(intake, at)
    return intake


def _close_intake(referral: Referral, *, at: dt.datetime) -> None:
    IntakeCase.objects.filter(pk=referral.intake_id).update(
        status=IntakeCase.Status.CLOSED, closed_at=at
    )


# --- the provider's answer ---------------------------------------------------------------------


def _free_slot(provider: Station | Volunteer, referral: Referral) -> int:
    """The lowest capacity slot the (locked) provider has free."""
    taken = set(
        Referral.objects.for_provider(referral.provider_key)
        .holding()
        .values_list("slot", flat=True)
    )
    if len(taken) >= provider.capacity:
        raise CapacityFull(provider, len(taken), provider.capacity)
    return min(set(range(1, provider.capacity + 1)) - taken)


def _check_quota(project: Project, referral: Referral, at: dt.datetime) -> None:
    """A project's contract pays for ``target_households`` households: a new one beyond them is
    refused. Called with the project's row locked, so two acceptances cannot both take the last
    place; a household the project serves already does not count twice."""
    if not project.is_accepting_on(timezone.localtime(at).date()):
        raise ProviderUnavailable(
            _("%(project)s is not under way now: decline, so the case goes to the next candidate.")
            % {"project": project}
        )
    households = selectors.project_households([project.pk])[project.pk]
    if referral.need.household_id in households:
        return
    if len(households) >= project.target_households:
        raise QuotaUsedUp(project, len(households), project.target_households)


@transaction.atomic
def referral_accept(*, referral: Referral, by, at: dt.datetime | None = None) -> Referral:
    """Accept within capacity: the provider's row is locked while its open cases are counted."""
    require_provider(by=by, referral=referral)
    at = at or timezone.now()
    provider = lock_provider(referral)
    referral = _locked(referral)
    if referral.status != Status.SENT:
        raise InvalidTransition(referral.get_status_display(), Status.ACCEPTED.label)
    if isinstance(provider, Project):
        _check_quota(provider, referral, at)
    else:
        referral.slot = _free_slot(provider, referral)
    urgent = referral.need.urgency in {Need.Urgency.URGENT, Need.Urgency.EMERGENCY}
    policy = _policy(referral.need, at)
    service_days = policy[
        "referral_first_service_days_urgent" if urgent else "referral_first_service_days"
    ]
    referral.service_due_at = at + _days(service_days)
    referral.escalated_at = None
    referral.transition(to=Status.ACCEPTED, by=by, at=at)
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
    referral = _locked(referral)
    referral.decline_reason, referral.decline_note = reason, note.strip()
    referral.transition(to=Status.DECLINED, by=by, at=at, reason=reason, note=note.strip())
    _back_to_intake(referral, at=at)
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
    referral = _locked(referral)
    provider = referral.provider_key
    referral.transition(to=Status.REVOKED, by=by, at=at, note=note.strip())
    _back_to_intake(referral, at=at)
    notify(
        recipients=selectors.provider_users(provider),
        kind=Kind.REVOKED,
        message=message_for(Kind.REVOKED, referral),
        referral=referral,
        at=at,
    )
    return referral


# --- service -----------------------------------------------------------------------------------


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
    referral = _locked(referral)
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
    if referral.project_id:
        try:
            session.delivery = procurement_services.delivery_from_service(
                project=referral.project,
                by=by,
                household=referral.need.household,
                category=category,
                delivered_on=held_on,
                minutes=duration_minutes,
                case_deliveries=DeliveryRecord.objects.filter(session__referral=referral),
                note=_("Referral %(number)s") % {"number": referral.pk},
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            # The delivery's date is the session's: the refusal belongs next to its date field.
            raise ValidationError(
                {
                    "held_on" if field == "delivered_on" else field: messages
                    for field, messages in error.message_dict.items()
                }
            ) from None
    session.full_clean()
    session.save()
    if referral.status == Status.ACCEPTED:
        referral.first_service_on = held_on
        referral.transition(to=Status.IN_SERVICE, by=by, at=at)
        _set_need_status(referral, Need.Status.IN_SERVICE)
    return session


@transaction.atomic
def referral_complete(
    *, referral: Referral, by, outcome: str, at: dt.datetime | None = None
) -> Referral:
    """The service is done: the need is met and the desk is asked for the household's feedback."""
    require_provider(by=by, referral=referral)
    if not outcome.strip():
        raise ValidationError({"outcome": _("Describe the outcome.")})
    at = at or timezone.now()
    referral = _locked(referral)
    referral.outcome_note = outcome.strip()
    referral.transition(to=Status.COMPLETED, by=by, at=at, note=outcome.strip())
    _set_need_status(referral, Need.Status.MET)
    _close_intake(referral, at=at)
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
    referral = _locked(referral)
    referral.close_reason, referral.outcome_note = reason, note.strip()
    referral.transition(to=Status.CLOSED, by=by, at=at, reason=reason, note=note.strip())
    after = NEED_AFTER_CLOSE.get(reason)
    if after is None:
        _back_to_intake(referral, at=at)
    else:
        _set_need_status(referral, after)
        _close_intake(referral, at=at)
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
    from bangfu.providers.tasks import refresh_provider_quality_task

    require_desk(by=by, intake=referral.intake)
    at = at or timezone.now()
    referral = _locked(referral)
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
    kind, pk = referral.provider_key
    refresh_provider_quality_task.delay_on_commit(kind, pk)
    return feedback


# --- deadlines ---------------------------------------------------------------------------------


def referral_handle_overdue(*, referral_id: int, at: dt.datetime | None = None) -> str:
    """Act once on an overdue referral; safe to run twice.

    At the first deadline the provider is reminded and the township's staff alerted; once the
    re-routing delay has also passed, the referral expires and the case goes to the next
    candidate (the lapsed provider left out). Returns "escalated", "rerouted" or "".
    """
    at = at or timezone.now()
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("need__household__region", "need__category")
            .filter(pk=referral_id)
            .first()
        )
        if referral is None or not referral.is_overdue(at):
            return ""
        policy = _policy(referral.need, at)
        due = referral.accept_due_at if referral.status == Status.SENT else referral.service_due_at
        if referral.escalated_at is None:
            referral.escalated_at = at
            referral.save(update_fields=["escalated_at"])
            reroute_at = at + _days(policy["referral_reroute_after_days"])
            ReferralEvent.objects.create(
                referral=referral,
                action=ReferralEvent.Action.ESCALATED,
                from_status=referral.status,
                to_status=referral.status,
                at=at,
            )
            notify(
                recipients=selectors.provider_users(referral.provider_key),
                kind=Kind.OVERDUE,
                message=message_for(
                    Kind.OVERDUE, referral, due=when(due), reroute=when(reroute_at)
                ),
                url=portal_url(referral),
                referral=referral,
                at=at,
            )
            provider = selectors.provider_for(referral.provider_key)
            notify(
                recipients=selectors.township_staff(referral.need.household.region),
                kind=Kind.ESCALATED,
                message=message_for(Kind.ESCALATED, referral, due=when(due), provider=provider),
                url=desk_url(referral),
                referral=referral,
                at=at,
            )
            return "escalated"
        if at < referral.escalated_at + _days(policy["referral_reroute_after_days"]):
            return ""
        referral.transition(
            to=Status.EXPIRED,
            by=None,
            at=at,
            note=_("No answer by %(due)s.") % {"due": when(due)}
            if referral.status == Status.SENT
            else _("No service by %(due)s.") % {"due": when(due)},
        )
        intake = _back_to_intake(referral, at=at)
        staff = selectors.township_staff(referral.need.household.region)
        desk = [referral.sent_by, *staff]
        new = _route(
            intake=intake,
            desk_user=_desk_user(referral),
            event_by=None,
            at=at,
            note=_("Re-routed automatically: referral %(number)s expired.")
            % {"number": referral.pk},
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
                message=message_for(
                    Kind.REROUTED, referral, provider=selectors.provider_for(new.provider_key)
                ),
                url=desk_url(new),
                referral=new,
                at=at,
            )
        return "rerouted"


# --- notifications -----------------------------------------------------------------------------


def notifications_mark_read(*, user, ids=None, at: dt.datetime | None = None) -> int:
    """Mark the user's notifications read (all of them, or those in ``ids``)."""
    unread = selectors.notifications_for(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=at or timezone.now())


def notification_email(*, notification_id: int, at: dt.datetime | None = None) -> bool:
    """Send one notification by e-mail unless it went already or is stale; True when sent now.

    The row stays locked while the mail goes out, so two workers never both send it; should
    the commit fail after sending, the retry sends it once more (at least once, not at most).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        if notification.created_at < (at or timezone.now()) - EMAIL_STALE_AFTER:
            # After an outage (or for the demo's history) the in-app list is enough.
            return False
        # Absolute links need a SITE_URL setting; without one the path alone is given.
        site = getattr(settings, "SITE_URL", "").rstrip("/")
        link = f"\n\n{site}{notification.url}" if notification.url else ""
        send_mail(
            subject=f"[{settings.SITE_NAME}] {notification.get_kind_display()}",
            message=mask_text(notification.message) + link,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = at or timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True
