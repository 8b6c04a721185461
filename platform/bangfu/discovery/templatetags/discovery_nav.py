"""Links of the finding-people pages, shown only to those who may use them."""

from django import template
from django.core.exceptions import PermissionDenied

from bangfu.discovery.importing import require_import

register = template.Library()


@register.filter
def imports_crosschecks(user) -> bool:
    try:
        require_import(by=user)
    except PermissionDenied:
        return False
    return True
