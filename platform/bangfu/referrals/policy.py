"""The referrals' policy parameters: the deadlines of a referral's life, by the need's urgency.

A routine need (and one to meet within a week) has days to be answered and served; an urgent
one (紧急, 48 hours) fewer days; an emergency (特急, today) hours, and it is re-routed hours after
its escalation, not a day. A provider that closed a need as unreachable or failed is not proposed
for it again for some days (``bangfu.referrals.exclusions``).
"""

from django.utils.translation import gettext_lazy as _

from bangfu.regions.policy import Parameter, register_parameters

PARAMETERS = {
    "referral_accept_days": Parameter(_("Referral: days to accept or decline"), "days"),
    "referral_first_service_days": Parameter(_("Referral: days to first service"), "days"),
    "referral_first_service_days_urgent": Parameter(
        _("Referral: days to first service, urgent needs"), "days"
    ),
    "referral_reroute_after_days": Parameter(
        _("Referral: days past a deadline before re-routing"), "days"
    ),
    "referral_accept_days_urgent": Parameter(
        _("Referral: days to accept or decline, urgent needs"), "days"
    ),
    "referral_accept_hours_emergency": Parameter(
        _("Referral: hours to accept or decline, emergencies"), "hours", minimum=1
    ),
    "referral_first_service_hours_emergency": Parameter(
        _("Referral: hours to first service, emergencies"), "hours", minimum=1
    ),
    "referral_reroute_after_hours_emergency": Parameter(
        _("Referral: hours past an emergency's deadline before re-routing"), "hours"
    ),
    "referral_failed_retry_days": Parameter(
        _(
            "Referral: days before a provider that closed a need as unreachable or failed is "
            "proposed for it again"
        ),
        "days",
    ),
    "help_request_contact_attempts": Parameter(
        _("Help request: failed calls before closing as unreachable"),
        "count",
        minimum=1,
        maximum=20,
    ),
}
register_parameters(PARAMETERS)
