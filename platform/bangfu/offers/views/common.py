from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError

from bangfu.registry.forms import add_service_errors


def service_call(request, call: Callable, *, form=None, success: str = ""):
    """Run a service; show its ValidationError on the form (or as a message). Returns the result
    or None when it was refused."""
    try:
        result = call()
    except ValidationError as error:
        if form is not None:
            add_service_errors(form, error)
        else:
            for message in error.messages:
                messages.error(request, message)
        return None
    if success:
        messages.success(request, success)
    return result
