from django.core.exceptions import PermissionDenied

from bangfu.accounts.scoping import scope_for


def require_staff_area(user) -> None:
    """Pages of the intake desk and the dashboard are for people with an area of the registry."""
    if not scope_for(user).reads_registry:
        raise PermissionDenied
