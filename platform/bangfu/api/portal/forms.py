"""API input read by the pages' own forms: the portal's and the intake desk's rules (dates not
in the future, a project's session categories, a caller found or described) apply unchanged,
and a refusal is the one error body, each entry naming its field."""

from django import forms
from django.core.exceptions import ValidationError


def cleaned_data(form: forms.BaseForm, *, prefix: str = "") -> dict:
    """The form's cleaned data, or its errors raised (400), fields named ``prefix`` + name."""
    if not form.is_valid():
        raise ValidationError(
            {
                (f"{prefix}{name}" if name != "__all__" else prefix.rstrip(".") or name): errors
                for name, errors in form.errors.as_data().items()
            }
        )
    return form.cleaned_data
