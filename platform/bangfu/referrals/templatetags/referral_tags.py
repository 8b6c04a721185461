from django import template

from bangfu.referrals.selectors import notifications_for

register = template.Library()

# Above this many the bell shows "99+": a bounded count, whatever the backlog.
BELL_CAP = 99


@register.inclusion_tag("referrals/includes/notification_bell.html", takes_context=True)
def notification_bell(context):
    """The bell in the top bar: a link to the notifications with the unread count, capped."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"unread": 0, "shown": ""}
    unread = notifications_for(user).filter(read_at__isnull=True)[: BELL_CAP + 1].count()
    return {"unread": unread, "shown": f"{BELL_CAP}+" if unread > BELL_CAP else str(unread)}
