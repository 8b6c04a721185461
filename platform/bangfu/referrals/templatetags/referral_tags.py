from django import template

from bangfu.referrals.selectors import unread_count

register = template.Library()


@register.inclusion_tag("referrals/includes/notification_bell.html", takes_context=True)
def notification_bell(context):
    """The bell in the top bar: a link to the notifications with the unread count."""
    user = context.get("user")
    return {"unread": unread_count(user) if user is not None else 0}
