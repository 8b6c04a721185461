"""What a staff page does around the service it calls: run it, and show its refusal or go on."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from bangfu.core.errors import Refused


@dataclass(frozen=True)
class Outcome:
    """What a service call gave: its ``value``, or the ``refusal`` the user was shown.
    True when the service went through."""

    value: Any = None
    refusal: ValidationError | Refused | None = None

    def __bool__(self) -> bool:
        return self.refusal is None

    @property
    def messages(self) -> list[str]:
        """The refusal's messages, one a sentence (none when the service went through)."""
        if self.refusal is None:
            return []
        if isinstance(self.refusal, ValidationError):
            return list(self.refusal.messages)
        return [str(self.refusal)]


def service_call(
    request,
    call: Callable[[], Any],
    *,
    form: forms.BaseForm | None = None,
    rename: dict[str, str] | None = None,
    success: str = "",
    show: bool = True,
) -> Outcome:
    """Run ``call()`` (one service: the only write path) and show how it went.

    A refusal (a ValidationError, or a rule's ``Refused``) is shown on ``form``, next to the
    field it names (``rename`` maps the service's argument names to the form's fields), else
    as error messages on the next page; with ``show=False`` the caller shows it (an htmx
    fragment, a list in the page). ``success`` becomes a success message when the call went
    through. A PermissionDenied is not a refusal to show here: Django answers 403, with its
    message, on the page ``403.html``.
    """
    try:
        value = call()
    except (ValidationError, Refused) as refusal:
        outcome = Outcome(refusal=refusal)
        if show and form is not None:
            _show_on_form(form, refusal, rename or {})
        elif show:
            for message in outcome.messages:
                messages.error(request, message)
        return outcome
    if success:
        messages.success(request, success)
    return Outcome(value=value)


def _show_on_form(form: forms.BaseForm, refusal: Exception, rename: dict[str, str]) -> None:
    if not hasattr(refusal, "error_dict"):
        form.add_error(None, refusal if isinstance(refusal, ValidationError) else str(refusal))
        return
    for field, errors in refusal.error_dict.items():
        field = rename.get(field, field)
        form.add_error(field if field in form.fields else None, errors)
