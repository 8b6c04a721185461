"""The public help form's way into intake (一键求助): the only functions the public site calls.

``public_help_request_submit`` opens an intake case for the desk of the township the visitor
named (and the assistant of the village, if they named one) and gives back the tracking code;
``public_help_request_status`` says, to whoever holds the code and the phone number, what has
happened to the request. Both return plain records that hold no personal data: the name, phone
and story go into the case, which only staff read.

The status page tells only what happened: a request is 已提交 (submitted) until a person at the
desk acknowledged it, 已转介 (referred) once a provider was sent it, 服务中 (being helped) once one
accepted, and 已办结 (closed) when the desk closed it, with the reason in public words.
"""

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.core.phones import phone_lookup_hash
from bangfu.referrals.help_progress import STAGES, local_date, outcome_wording, progress
from bangfu.referrals.models import HelpRequest, IntakeCase, normalise_phone_of
from bangfu.referrals.selectors import township_staff
from bangfu.referrals.services.help_requests import help_request_tell
from bangfu.regions.models import Region

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CODE_LENGTH = 8


@dataclass(frozen=True)
class PublicStep:
    """One step of a request and the day it happened (None: not, or not yet)."""

    key: str
    label: str
    on: dt.date | None


@dataclass(frozen=True)
class PublicHelpStatus:
    """What the status page shows: no name, no phone, no story."""

    code: str
    township: str
    stage: str
    stage_label: str
    # Closed: what came of it, in the words the public reads; else "".
    outcome: str
    steps: tuple[PublicStep, ...]
    submitted_on: dt.date
    updated_on: dt.date


def normalise_phone(raw: str) -> str:
    """The phone as the case stores it, refused on the help form's ``phone`` field."""
    return normalise_phone_of("phone", raw)


def normalise_code(raw: str) -> str:
    """A code as typed (``k7qm 3xpa``, ``K7QM-3XPA``) as it is stored: ``K7QM3XPA``."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def public_help_request_submit(
    *,
    name: str,
    phone: str,
    township: Region,
    description: str,
    consent: bool,
    village: Region | None = None,
    at: dt.datetime | None = None,
) -> str:
    """Open an intake case from the help form and return the request's tracking code
    (``K7QM-3XPA``).

    Nobody on the staff opened it: the case has no opener and says it came from the public form.
    It lies in the village the visitor named (so that village's assistant reads it too), else in
    the township, where the desk (the township's bureau staff, else the nearest bureau above)
    reads it. The requester is sent the code by SMS.
    """
    at = at or timezone.now()
    if not consent:
        raise ValidationError({"consent": _("We can only help if we may contact you.")})
    if township.level != Region.Level.TOWNSHIP:
        raise ValidationError({"township": _("Choose your township or subdistrict.")})
    if village is not None and (
        village.level != Region.Level.VILLAGE or village.parent_id != township.pk
    ):
        raise ValidationError({"village": _("Choose a village of your township, or none.")})
    phone = normalise_phone(phone)
    if not township_staff(township):
        raise ValidationError(
            {"township": _("This township does not take requests online yet: please call 12349.")}
        )
    code = _new_code()
    while HelpRequest.objects.filter(code=code).exists():  # 32^8 codes: rare, cheap to rule out
        code = _new_code()
    intake = IntakeCase(
        source=IntakeCase.Source.PUBLIC_FORM,
        region=village or township,
        caller_name=name.strip(),
        caller_phone=phone,
        description=description.strip(),
        opened_by=None,
        opened_at=at,
    )
    intake.full_clean()
    intake.save()
    help_request = HelpRequest.objects.create(
        code=code,
        phone_hash=phone_lookup_hash(phone),
        township=township,
        village=village,
        intake=intake,
        submitted_at=at,
        consented_at=at,
    )
    help_request_tell(help_request_id=help_request.pk)
    return help_request.display_code


def public_help_request_status(*, code: str, phone: str) -> PublicHelpStatus | None:
    """The status of a request, if the code and the phone number given with it match."""
    try:
        digits = normalise_phone(phone)
    except ValidationError:
        return None
    help_request = (
        HelpRequest.objects.filter(code=normalise_code(code)).select_related("township").first()
    )
    if help_request is None or not hmac.compare_digest(
        help_request.phone_hash, phone_lookup_hash(digits)
    ):
        return None
    stage, happened = progress(help_request)
    # A closed request lists the steps it went through; an open one, those still to come too.
    shown = [
        (key, label)
        for key, label in STAGES
        if key in happened or help_request.status != HelpRequest.Status.CLOSED
    ]
    return PublicHelpStatus(
        code=help_request.display_code,
        township=help_request.township.name,
        stage=stage,
        stage_label=str(dict(STAGES)[stage]),
        outcome=outcome_wording(help_request) if stage == "closed" else "",
        steps=tuple(
            PublicStep(key, str(label), local_date(happened.get(key))) for key, label in shown
        ),
        submitted_on=local_date(help_request.submitted_at),
        updated_on=local_date(max(happened.values())),
    )
