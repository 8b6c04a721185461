"""The only code that writes intake cases, referrals, service sessions and feedback.

Every service is one transaction; every status change of a referral writes its audit row
(``Referral.transition``). The need's status follows its referral through the registry's own
service (``need_update``), under the authority of the desk that referred it: station staff and
volunteers never hold registry write rights, yet their acceptance or their last session moves
the need on. django-auditlog still names the real actor of the request.

One module per part of a case's life: ``intake`` (opening and sending), ``answers`` (the
provider's answer, within capacity), ``sessions`` (service, its end, feedback), ``deadlines``
and ``notifications``. The services are named here for their callers.
"""

from bangfu.referrals.services.answers import referral_accept, referral_decline, referral_revoke
from bangfu.referrals.services.deadlines import referral_handle_overdue
from bangfu.referrals.services.intake import (
    intake_attach_need,
    intake_link_household,
    intake_open,
    intake_record_need,
    intake_route,
    referral_send,
)
from bangfu.referrals.services.notifications import notification_email, notifications_mark_read
from bangfu.referrals.services.sessions import (
    feedback_record,
    providers_refresh_quality,
    referral_close,
    referral_complete,
    service_session_log,
)

__all__ = [
    "feedback_record",
    "intake_attach_need",
    "intake_link_household",
    "intake_open",
    "intake_record_need",
    "intake_route",
    "notification_email",
    "notifications_mark_read",
    "providers_refresh_quality",
    "referral_accept",
    "referral_close",
    "referral_complete",
    "referral_decline",
    "referral_handle_overdue",
    "referral_revoke",
    "referral_send",
    "service_session_log",
]
