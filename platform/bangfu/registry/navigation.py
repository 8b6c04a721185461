from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import AREA_ROLES, scope_for
from bangfu.core.navigation import Entry, register

# The household pages and the decision queue share the namespace: each entry owns its pages
# (a recommendation is made from a household's page, and belongs to it).
DECISION_PAGES = {"decision-list", "decision-detail"}
# Likewise the 临时救助 pages (a grant is proposed from a household's page).
GRANT_PAGES = {"grant-list", "grant-detail"}


def _households(user) -> str:
    # Users with an area of the registry; providers and charities read households only through
    # their work.
    return reverse("registry:household-list") if scope_for(user).reads_registry else ""


def _decisions(user) -> str:
    # The township's reviewers and the bureaux: where recommendations wait for confirmation.
    # Assistants reach their recommendations from the households' pages.
    scope = scope_for(user)
    if scope.everything or scope.roles & AREA_ROLES:
        return reverse("registry:decision-list")
    return ""


def _grants(user) -> str:
    # Grants wait for the same readers as recommendations: the townships and the bureaux.
    return reverse("registry:grant-list") if _decisions(user) else ""


register(
    Entry(
        10,
        _("Households"),
        _households,
        sections=("registry",),
        owns=lambda match: match.url_name not in DECISION_PAGES | GRANT_PAGES,
    ),
    Entry(
        11,
        _("Coverage decisions"),
        _decisions,
        sections=("registry",),
        owns=lambda match: match.url_name in DECISION_PAGES,
    ),
    Entry(
        12,
        _("Temporary assistance"),
        _grants,
        sections=("registry",),
        owns=lambda match: match.url_name in GRANT_PAGES,
    ),
)
