from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.core.navigation import Entry, register
from bangfu.providers.selectors import can_open_directory, volunteer_of


def _directory(user) -> str:
    """Bureau staff and managers keep the directory of their area."""
    return reverse("providers:list") if can_open_directory(user) else ""


def _profile(user) -> str:
    """A volunteer keeps their own profile and available times."""
    return reverse("providers:profile") if volunteer_of(user) is not None else ""


def _is_profile(match) -> bool:
    return match.url_name.startswith("profile")


register(
    Entry(30, _("Providers"), _directory, ("providers",), owns=lambda m: not _is_profile(m)),
    Entry(31, _("My profile and times"), _profile, ("providers",), owns=_is_profile),
)
