"""The public help form's way into intake (一键求助): the one service the public site calls.

``public_help_request_open`` opens an intake case for the township's desk from what a visitor
typed; ``public_help_request_progress`` says how far that case has come. Both return plain
records that hold no personal data: the name, phone and story go into the case, which only the
staff read. The site keeps its own receipt of a request (the tracking code it gave and a keyed
hash of the phone number) and hands the code in as ``reference``, so the staff who call back
can quote it.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.core import validators
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.selectors import township_staff
from bangfu.referrals.services import intake_open
from bangfu.regions.models import Region

STAGES = (
    ("received", gettext_lazy("Received by the township")),
    ("referred", gettext_lazy("Passed to a service provider")),
    ("in_service", gettext_lazy("Being helped")),
    ("closed", gettext_lazy("Done")),
)


@dataclass(frozen=True)
class PublicIntake:
    """A case opened from the help form: which one, and when."""

    intake_id: int
    opened_at: dt.datetime


@dataclass(frozen=True)
class PublicIntakeProgress:
    """How far a case has come, as its status page shows it: no name, no phone, no story."""

    stage: str
    stage_label: str
    # Every stage in order with whether the case has reached it.
    steps: tuple[tuple[str, bool], ...]
    submitted_on: dt.date
    updated_on: dt.date


def normalise_phone(raw: str) -> str:
    """The registry's phone rule (``bangfu.core.validators``), refused on the ``phone`` field."""
    try:
        return validators.normalise_phone(raw)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None


@transaction.atomic
def public_help_request_open(
    *,
    name: str,
    phone: str,
    township: Region,
    description: str,
    consent: bool,
    reference: str,
    at: dt.datetime | None = None,
) -> PublicIntake:
    """Open an intake case on the township's desk for a visitor of the public site.

    The case is opened on behalf of the desk (the township's bureau staff, else the nearest
    bureau above) and written in the site's default language, which the staff read.
    """
    at = at or timezone.now()
    if not consent:
        raise ValidationError({"consent": _("We can only help if we may contact you.")})
    if township.level != Region.Level.TOWNSHIP:
        raise ValidationError({"township": _("Choose your township or subdistrict.")})
    phone = normalise_phone(phone)
    desk = township_staff(township)
    if not desk:
        raise ValidationError(
            {"township": _("This township does not take requests online yet: please call 12349.")}
        )
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Online help request %(code)s\nName: %(name)s\nPhone: %(phone)s\n\n%(description)s"
        ) % {
            "code": reference,
            "name": name.strip(),
            "phone": phone,
            "description": description.strip(),
        }
    intake = intake_open(
        by=desk[0],
        source=IntakeCase.Source.PUBLIC_FORM,
        township=township,
        description=text,
        at=at,
    )
    return PublicIntake(intake_id=intake.pk, opened_at=intake.opened_at)


def _stage(intake: IntakeCase) -> tuple[str, dt.datetime]:
    referral = intake.referrals.order_by("-sent_at", "-pk").first()
    times = [intake.opened_at]
    if referral is not None:
        times += [t for t in (referral.sent_at, referral.accepted_at, referral.ended_at) if t]
    if intake.closed_at:
        times.append(intake.closed_at)
    latest = max(times)
    if intake.status == IntakeCase.Status.CLOSED or (
        referral is not None and referral.status == Referral.Status.COMPLETED
    ):
        return "closed", latest
    if referral is not None and referral.status in Referral.HOLDING:
        return "in_service", latest
    if referral is not None and referral.status == Referral.Status.SENT:
        return "referred", latest
    return "received", latest


def public_help_request_progress(*, intake_id: int) -> PublicIntakeProgress | None:
    """The progress of a case opened from the help form; None for any other case."""
    intake = IntakeCase.objects.filter(pk=intake_id, source=IntakeCase.Source.PUBLIC_FORM).first()
    if intake is None:
        return None
    stage, updated = _stage(intake)
    reached = [key for key, _label in STAGES].index(stage)
    return PublicIntakeProgress(
        stage=stage,
        stage_label=str(dict(STAGES)[stage]),
        steps=tuple((str(label), index <= reached) for index, (_key, label) in enumerate(STAGES)),
        submitted_on=timezone.localtime(intake.opened_at).date(),
        updated_on=timezone.localtime(updated).date(),
    )
