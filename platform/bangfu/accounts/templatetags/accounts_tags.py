from django import template

from bangfu.accounts.scoping import memberships_of

register = template.Library()


@register.simple_tag
def roles_of(user):
    """The memberships that give ``user`` a role, as the request has already read them: the
    user menu names each without a query of its own."""
    return memberships_of(user)
