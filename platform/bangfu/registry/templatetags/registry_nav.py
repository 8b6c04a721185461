from django import template

from bangfu.accounts.scoping import scope_for

register = template.Library()


@register.filter
def sees_registry(user) -> bool:
    """Whether the navigation offers the household registry: users with an area of it (station
    staff, agency staff, volunteers and charities read households only through their work)."""
    return scope_for(user).reads_registry
