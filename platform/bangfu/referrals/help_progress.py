"""How far a help request has come, as its requester is told (status page, SMS): each step only
once it happened, and a closed request's reason in the words the public reads."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bangfu.referrals.models import HelpRequest, Referral

STAGES = (
    ("submitted", gettext_lazy("Submitted")),
    ("acknowledged", gettext_lazy("Acknowledged by the township")),
    ("referred", gettext_lazy("Passed to a service provider")),
    ("in_service", gettext_lazy("Being helped")),
    ("closed", gettext_lazy("Closed")),
)
STAGE_KEYS = tuple(key for key, _label in STAGES)
# The referrals that put a request in the provider's hands: one the provider has, or served.
CURRENT = (*Referral.LIVE, Referral.Status.COMPLETED)


def local_date(moment: dt.datetime | None) -> dt.date | None:
    """The day ``moment`` falls on in the site's time zone (what the public page shows)."""
    return timezone.localdate(moment) if moment else None


def outcome_wording(help_request: HelpRequest) -> str:
    """What came of a closed request, in the words the requester reads (no personal data)."""
    Reason = HelpRequest.CloseReason
    department = help_request.get_department_display() if help_request.department else ""
    reason = help_request.close_reason
    if reason == Reason.SERVED:
        return _("Help was given.")
    if reason == Reason.OTHER_DEPARTMENT:
        return _("Your request was passed to the %(department)s, which will contact you.") % {
            "department": department
        }
    if reason == Reason.NOT_ELIGIBLE:
        if department:
            return _("It is not within social assistance. You may apply to the %(department)s.") % {
                "department": department
            }
        return _("It is not within social assistance. Call 12349 to ask where to apply.")
    if reason == Reason.DUPLICATE:
        return _("It is handled together with another request about the same need.")
    if reason == Reason.UNREACHABLE:
        return _(
            "We could not reach you on the phone number given after several tries. "
            "Call 12349 or send a new request."
        )
    return ""


def progress(help_request: HelpRequest) -> tuple[str, dict[str, dt.datetime]]:
    """The request's stage and when each step it went through happened."""
    happened = {"submitted": help_request.submitted_at}
    if help_request.acknowledged_at:
        happened["acknowledged"] = help_request.acknowledged_at
    # Only a referral still live, or completed, counts: after a decline, a lapse or a return to
    # the desk the case waits at the desk again, and the requester is not told otherwise.
    current = (
        Referral.objects.filter(intake_id=help_request.intake_id, status__in=CURRENT)
        .order_by("-sent_at", "-pk")
        .values_list("sent_at", "accepted_at")
        .first()
    )
    if current is not None:
        happened["referred"] = current[0]
        if current[1]:
            happened["in_service"] = current[1]
    if help_request.status == HelpRequest.Status.CLOSED:
        happened["closed"] = help_request.closed_at
    stage = max(happened, key=STAGE_KEYS.index)
    return stage, happened
