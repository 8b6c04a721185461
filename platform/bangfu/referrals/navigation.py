from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import scope_for
from bangfu.core.navigation import Entry, register


def _referrals(user) -> str:
    """The intake desk for those with an area, the portal for providers, else nothing."""
    scope = scope_for(user)
    if scope.reads_registry:
        return reverse("referrals:intake-list")
    if scope.is_provider:
        return reverse("portal:inbox")
    return ""


def _help_requests(user) -> str:
    """The public's help requests of the user's area: the desk's, the assistants', the auditors'."""
    return reverse("referrals:help-list") if scope_for(user).reads_registry else ""


def _is_help_page(match) -> bool:
    return match.url_name.startswith("help-")


register(
    Entry(
        20,
        _("Referrals"),
        _referrals,
        sections=("referrals", "portal"),
        owns=lambda match: not _is_help_page(match),
    ),
    Entry(21, _("Help requests"), _help_requests, sections=("referrals",), owns=_is_help_page),
)
