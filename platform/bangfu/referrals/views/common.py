from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from bangfu.accounts.scoping import scope_for
from bangfu.referrals.errors import ReferralError


def require_staff_area(user) -> None:
    """Pages of the intake desk and the dashboard are for people with an area of the registry."""
    if not scope_for(user).reads_registry:
        raise PermissionDenied


def service_call(request, call, *, form=None) -> bool:
    """Run a service; show its refusal as a message (or on the form). True when it succeeded."""
    try:
        call()
    except ValidationError as error:
        if form is not None:
            from bangfu.registry.forms import add_service_errors

            add_service_errors(form, error)
        else:
            messages.error(request, " ".join(error.messages))
        return False
    except (ReferralError, PermissionDenied) as error:
        if form is not None:
            form.add_error(None, str(error))
        else:
            messages.error(request, str(error))
        return False
    return True
