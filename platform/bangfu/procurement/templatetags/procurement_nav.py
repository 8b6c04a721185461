from django import template

from bangfu.accounts.scoping import scope_for
from bangfu.procurement.roles import READ_ROLES

register = template.Library()


@register.filter
def sees_procurement(user) -> bool:
    """Whether the navigation offers procurement: bureau staff, managers, auditors."""
    scope = scope_for(user)
    return scope.everything or bool(scope.roles & set(READ_ROLES))
