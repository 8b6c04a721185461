"""What the registry asks of a reviewer (``bangfu.core.todos``): the recommendations of status
waiting in their area that they may confirm (003: 「审核确认权下放至乡镇（街道）」), each listed
while few, else one line with their count and a link to the queue; and the 临时救助 grants they
may decide or, for the county, acknowledge (``registry.grants``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.accounts.models import Membership
from bangfu.accounts.scoping import scope_for
from bangfu.core.templatetags.money import yuan
from bangfu.core.todos import EACH_UP_TO, Todo, register
from bangfu.registry.decision_rights import confirmable
from bangfu.registry.grants import TemporaryGrant, grants_for, with_permissions
from bangfu.registry.models import StatusDecision

# Roles that may confirm some decision: the township's reviewer, a county's bureau manager.
CONFIRMING_ROLES = {Membership.Role.TOWNSHIP_REVIEWER, Membership.Role.BUREAU_MANAGER}


def _todo(decision: StatusDecision) -> Todo:
    return Todo(
        group=_("Coverage decisions"),
        title=_("Confirm or reject: %(kind)s, %(status)s, household %(number)s")
        % {
            "kind": decision.get_kind_display(),
            "status": decision.get_to_status_display(),
            "number": decision.household.registry_number,
        },
        url=reverse("registry:decision-detail", args=[decision.pk]),
    )


@register
def recommendations_to_confirm(user, now):
    """The recommendations the user may decide, oldest first."""
    if not scope_for(user).roles & CONFIRMING_ROLES:
        return []
    mine = confirmable(user, StatusDecision.objects.for_user(user).proposed())
    count = mine.count()
    if count > EACH_UP_TO:
        return [
            Todo(
                group=_("Coverage decisions"),
                title=_("Recommendations to confirm"),
                url=reverse("registry:decision-list"),
                count=count,
            )
        ]
    listed = (
        mine.select_related("household")
        .only("kind", "to_status", "household__registry_number")
        .order_by("created_at", "pk")
    )
    return [_todo(decision) for decision in listed]


def _grant_todo(title: str, grant: TemporaryGrant) -> Todo:
    return Todo(
        group=_("Temporary assistance (临时救助)"),
        title=title
        % {
            "amount": yuan(grant.amount),
            "kind": grant.get_kind_display(),
            "number": grant.household.registry_number,
        },
        url=reverse("registry:grant-detail", args=[grant.pk]),
    )


@register
def grants_to_decide(user, now):
    """临时救助 proposals the user may decide, and for the county's manager the township's
    先行救助 to acknowledge; each listed while few, else one line with their count."""
    if not scope_for(user).roles & CONFIRMING_ROLES:
        return []
    readable = grants_for(user)
    proposed = with_permissions(user, readable.proposed().order_by("created_at", "pk"))
    to_report = with_permissions(user, readable.to_report().order_by("decided_at", "pk"))
    found = []
    for grants, title, grouped, anchor in (
        (
            [grant for grant in proposed if grant.may_decide],
            _("Decide a grant of %(amount)s yuan (%(kind)s), household %(number)s"),
            _("Temporary assistance grants to decide"),
            "#h-waiting",
        ),
        (
            [grant for grant in to_report if grant.may_acknowledge],
            _("Acknowledge first aid of %(amount)s yuan (%(kind)s), household %(number)s"),
            _("First aid (先行救助) to acknowledge"),
            "#h-report",
        ),
    ):
        if len(grants) <= EACH_UP_TO:
            found += [_grant_todo(title, grant) for grant in grants]
        else:
            found.append(
                Todo(
                    group=_("Temporary assistance (临时救助)"),
                    title=grouped,
                    url=reverse("registry:grant-list") + anchor,
                    count=len(grants),
                )
            )
    return found
