"""The desk's triage of public help requests, and what the requester is told.

A request is the desk's (the township's bureau staff, else the nearest bureau above) and, when
it names a village, that village's assistant's: each of them may acknowledge it, log the calls
made to reach the requester, link the case to a household, hand it to the intake desk's
referral flow (the case's own page) or close it with a reason. Any of these by a person
acknowledges the request if nobody had: the status page says 已受理 only once someone did.

Each step the requester can see (``help_progress.STAGES``) becomes one short message, sent by
SMS from a task after the commit (``bangfu.core.sms``); a gateway that fails is recorded on the
message and tried again by the periodic pass, never raised into the request that caused it.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.core import events, sms
from bangfu.referrals.help_progress import CURRENT, outcome_wording, progress
from bangfu.referrals.models import (
    ContactAttempt,
    HelpRequest,
    IntakeCase,
    Referral,
    RequesterMessage,
)
from bangfu.referrals.services.intake import intake_link_household
from bangfu.referrals.tasks import send_requester_message_task
from bangfu.regions.policy import Policy
from bangfu.registry.models import Household

logger = logging.getLogger(__name__)

# The help form promises a call back "usually within two working days": a request not
# acknowledged by then is overdue on the desk's to-do list.
ACKNOWLEDGE_WITHIN = dt.timedelta(days=2)
# A message that failed this many times is left to the desk, which calls anyway.
MESSAGE_MAX_ATTEMPTS = 5
Reason = HelpRequest.CloseReason


# --- what the requester is told ---------------------------------------------------------------


def message_text(help_request: HelpRequest, stage: str) -> str:
    """The SMS of a step, in the site's language: the tracking code and the step, nothing
    about the person."""
    code = help_request.display_code
    with translation.override(settings.LANGUAGE_CODE):
        if stage == "submitted":
            text = _(
                "Your help request %(code)s was received. Keep the code: with it and this phone "
                "number you can follow the request on the help page, or call 12349."
            )
        elif stage == "acknowledged":
            text = _(
                "Your help request %(code)s was acknowledged by the township: staff will call."
            )
        elif stage == "referred":
            text = _("Your help request %(code)s was passed to a service provider.")
        elif stage == "in_service":
            text = _("Your help request %(code)s: a service provider has taken it on.")
        else:
            text = _("Your help request %(code)s is closed. %(outcome)s")
        return text % {"code": code, "outcome": outcome_wording(help_request)}


def help_request_tell(*, help_request_id: int) -> RequesterMessage | None:
    """Tell the requester the step the request has reached, once per step; the message is sent
    after the commit. Steps passed over between two calls are not told one by one: the latest
    says where the request is."""
    help_request = HelpRequest.objects.select_related("intake").get(pk=help_request_id)
    stage, _happened = progress(help_request)
    if help_request.messages.filter(step=stage).exists():
        return None
    try:
        with transaction.atomic():
            message = RequesterMessage.objects.create(
                help_request=help_request, step=stage, text=message_text(help_request, stage)
            )
    except IntegrityError:  # told meanwhile by another run
        return None
    send_requester_message_task.delay_on_commit(message.pk)
    return message


def requester_message_send(*, message_id: int) -> bool:
    """Send one message once; a failure is recorded on it, never raised. True when it went."""
    with transaction.atomic():
        message = (
            RequesterMessage.objects.select_for_update()
            .select_related("help_request__intake")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.sent_at is not None:
            return False
        message.attempts += 1
        phone = message.help_request.intake.caller_phone
        try:
            if not phone:
                raise sms.SmsError("no phone number on the case")
            message.reference = sms.send(phone, message.text)
        except sms.SmsError as error:
            message.error = str(error)[:300]
            logger.warning(
                "SMS %s of help request %s not sent: %s", message.pk, message.help_request_id, error
            )
        else:
            message.sent_at, message.error = timezone.now(), ""
        message.save(update_fields=["attempts", "reference", "sent_at", "error"])
        return message.sent_at is not None


def help_requests_tell_progress() -> int:
    """The periodic pass: tell the requesters of open requests a step reached on the referral's
    side (a provider was sent the case, or took it on), and try again the messages that failed.
    Returns how many messages were queued.

    One query finds the requests whose step (``progress``: the current referral taken on, or
    only sent) nobody was told of yet; those already told cost nothing, however many."""
    queued = 0
    current = Referral.objects.filter(intake_id=OuterRef("intake_id"), status__in=CURRENT)
    taken_on = Exists(current.filter(accepted_at__isnull=False))
    told = RequesterMessage.objects.filter(help_request=OuterRef("pk"))
    untold = HelpRequest.objects.exclude(status=HelpRequest.Status.CLOSED).filter(
        (taken_on & ~Exists(told.filter(step="in_service")))
        | (Exists(current) & ~taken_on & ~Exists(told.filter(step="referred")))
    )
    for pk in untold.values_list("pk", flat=True):
        queued += help_request_tell(help_request_id=pk) is not None
    unsent = RequesterMessage.objects.filter(sent_at=None, attempts__lt=MESSAGE_MAX_ATTEMPTS)
    for pk in unsent.values_list("pk", flat=True):
        send_requester_message_task.delay_on_commit(pk)
        queued += 1
    return queued


# --- triage ---------------------------------------------------------------------------------


def _locked(help_request: HelpRequest, by) -> HelpRequest:
    """The request, locked, if ``by`` may triage it (a registry writer whose area holds it)."""
    if not scope_for(by).can_write:
        raise PermissionDenied(_("Your role cannot handle help requests."))
    found = (
        HelpRequest.objects.for_user(by)
        .select_for_update(of=("self",))
        .select_related("intake", "township")
        .filter(pk=help_request.pk)
        .first()
    )
    if found is None:
        raise PermissionDenied(_("This help request is outside your area."))
    return found


def _acknowledge(help_request: HelpRequest, by, at: dt.datetime) -> None:
    if help_request.acknowledged_at is None:
        help_request.acknowledged_at, help_request.acknowledged_by = at, by
        if help_request.status == HelpRequest.Status.NEW:
            help_request.status = HelpRequest.Status.ACKNOWLEDGED
            _emit_status(help_request, at)
        help_request.save(update_fields=["acknowledged_at", "acknowledged_by", "status"])


def _emit_status(help_request: HelpRequest, at: dt.datetime) -> None:
    """Tell listeners (the webhooks) of the new status: ids, status, reason, times, never the
    requester's details."""
    events.emit(
        events.HELP_REQUEST_STATUS_CHANGED,
        region=help_request.intake.region,
        payload={
            "help_request_id": help_request.pk,
            "intake_case_id": help_request.intake_id,
            "status": help_request.status,
            "close_reason": help_request.close_reason,
            "at": at.isoformat(),
        },
    )


def _open(help_request: HelpRequest) -> None:
    if help_request.status == HelpRequest.Status.CLOSED:
        raise ValidationError(_("This help request is closed."))


@transaction.atomic
def help_request_acknowledge(
    *, help_request: HelpRequest, by, at: dt.datetime | None = None
) -> HelpRequest:
    """A person at the desk (or the village's assistant) has read the request and takes it on."""
    help_request = _locked(help_request, by)
    _open(help_request)
    if help_request.acknowledged_at is not None:
        raise ValidationError(_("This help request was acknowledged already."))
    _acknowledge(help_request, by, at or timezone.now())
    help_request_tell(help_request_id=help_request.pk)
    return help_request


@transaction.atomic
def contact_attempt_log(
    *,
    help_request: HelpRequest,
    by,
    reached: bool,
    note: str = "",
    at: dt.datetime | None = None,
) -> ContactAttempt:
    """Record a call (or a visit) to reach the requester, reached or not."""
    at = at or timezone.now()
    help_request = _locked(help_request, by)
    _open(help_request)
    _acknowledge(help_request, by, at)
    attempt = ContactAttempt.objects.create(
        help_request=help_request, at=at, by=by, reached=reached, note=note.strip()
    )
    help_request_tell(help_request_id=help_request.pk)
    return attempt


@transaction.atomic
def help_request_attach_household(
    *, help_request: HelpRequest, household: Household, by, at: dt.datetime | None = None
) -> HelpRequest:
    """Link the request's case to the requester's household (found in the registry, or just
    registered): the household must lie in the township the request named
    (``intake_link_household``)."""
    help_request = _locked(help_request, by)
    _open(help_request)
    _acknowledge(help_request, by, at or timezone.now())
    intake_link_household(intake=help_request.intake, household=household, by=by)
    help_request_tell(help_request_id=help_request.pk)
    return help_request


def unreachable_after(help_request: HelpRequest, at: dt.datetime) -> int:
    """How many failed calls the policy asks for before a request may be closed as
    unreachable (``help_request_contact_attempts``)."""
    return Policy(help_request.township, timezone.localtime(at).year)[
        "help_request_contact_attempts"
    ]


@transaction.atomic
def help_request_close(
    *,
    help_request: HelpRequest,
    by,
    reason: str,
    details: str = "",
    department: str = "",
    duplicate_of: HelpRequest | None = None,
    at: dt.datetime | None = None,
) -> HelpRequest:
    """Close the request with its reason: served; referred to another department (转办, which
    one); not eligible (with, optionally, the department to apply to); a duplicate of another
    request in the user's area; or unreachable, once the policy's number of failed calls was
    made. The intake case closes with it. A request whose case is with a provider is not
    closed here: the provider's completing the service closes it as served."""
    at = at or timezone.now()
    help_request = _locked(help_request, by)
    _open(help_request)
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if department and department not in HelpRequest.Department.values:
        raise ValidationError({"department": _("Choose a department from the list.")})
    if reason == Reason.OTHER_DEPARTMENT and not department:
        raise ValidationError({"department": _("Name the department the request goes to.")})
    if reason not in (Reason.OTHER_DEPARTMENT, Reason.NOT_ELIGIBLE):
        department = ""
    if reason == Reason.DUPLICATE:
        original = (
            HelpRequest.objects.for_user(by).filter(pk=getattr(duplicate_of, "pk", None)).first()
        )
        if original is None or original.pk == help_request.pk:
            raise ValidationError(
                {"duplicate_of": _("Give the code of the other request, in your area.")}
            )
        duplicate_of = original
    else:
        duplicate_of = None
    if reason == Reason.UNREACHABLE:
        needed = unreachable_after(help_request, at)
        failed = help_request.contact_attempts.filter(reached=False).count()
        if failed < needed:
            raise ValidationError(
                {
                    "reason": _(
                        "Try to reach the requester %(needed)s times before closing it as "
                        "unreachable (%(failed)s failed so far)."
                    )
                    % {"needed": needed, "failed": failed}
                }
            )
    intake = IntakeCase.objects.select_for_update().get(pk=help_request.intake_id)
    # Not even as served: the requester would read that help was given before any was. The
    # provider's completing the service closes the request (``help_request_served``).
    if Referral.objects.filter(intake=intake).live().exists():
        raise ValidationError(
            _(
                "The case is with a provider: the request closes as served when the provider "
                "completes the service. Revoke or close the referral to close it otherwise."
            )
        )
    _acknowledge(help_request, by, at)
    _close(help_request, by=by, at=at, reason=reason, details=details)
    help_request.department, help_request.duplicate_of = department, duplicate_of
    help_request.full_clean(exclude=["intake", "township", "village"])
    help_request.save()
    if intake.status != IntakeCase.Status.CLOSED:
        intake.status, intake.closed_at = IntakeCase.Status.CLOSED, at
        intake.save(update_fields=["status", "closed_at"])
    help_request_tell(help_request_id=help_request.pk)
    return help_request


def _close(help_request: HelpRequest, *, by, at: dt.datetime, reason: str, details: str = ""):
    help_request.status = HelpRequest.Status.CLOSED
    help_request.closed_at, help_request.closed_by = at, by
    help_request.close_reason, help_request.close_details = reason, details.strip()
    _emit_status(help_request, at)


def help_request_served(*, referral: Referral, by, at: dt.datetime) -> HelpRequest | None:
    """The provider completed the service of a case the public opened: its request, if still
    open, closes as served, and the requester is told. Within the completing transaction
    (``referral_complete``). A request nobody had acknowledged was, in effect, by the desk
    that referred the case, when it did."""
    help_request = (
        HelpRequest.objects.select_for_update()
        .filter(intake_id=referral.intake_id)
        .exclude(status=HelpRequest.Status.CLOSED)
        .first()
    )
    if help_request is None:
        return None
    _acknowledge(help_request, referral.sent_by, referral.sent_at)
    _close(help_request, by=by, at=at, reason=Reason.SERVED)
    help_request.save()
    help_request_tell(help_request_id=help_request.pk)
    return help_request
