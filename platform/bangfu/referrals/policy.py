"""The referrals' policy parameters: the deadlines of a referral's life."""

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
}
register_parameters(PARAMETERS)
