from django import template
from django.urls import reverse

from bangfu.accounts.scoping import scope_for
from bangfu.referrals.selectors import unread_count

register = template.Library()


@register.inclusion_tag("referrals/includes/notification_bell.html", takes_context=True)
def notification_bell(context):
    """The bell in the top bar: a link to the notifications with the unread count."""
    user = context.get("user")
    return {"unread": unread_count(user) if user is not None else 0}


@register.filter
def referrals_home(user) -> str:
    """Where the navigation's "Referrals" leads: the intake desk, the portal, or nowhere."""
    scope = scope_for(user)
    if scope.reads_registry:
        return reverse("referrals:intake-list")
    if scope.is_provider:
        return reverse("portal:inbox")
    return ""
