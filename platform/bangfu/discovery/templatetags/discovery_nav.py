"""The navigation's link to finding people, shown only to those who work there."""

from django import template

from bangfu.discovery.selectors import reads_discovery

register = template.Library()


@register.filter
def sees_discovery(user) -> bool:
    return reads_discovery(user)


@register.filter
def imports_crosschecks(user) -> bool:
    from django.core.exceptions import PermissionDenied

    from bangfu.discovery.importing import require_import

    try:
        require_import(by=user)
    except PermissionDenied:
        return False
    return True
