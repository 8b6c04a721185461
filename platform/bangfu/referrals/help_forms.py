"""The desk's forms on a public help request: a call made, the household found, the closing."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.referrals.models import HelpRequest
from bangfu.registry.models import Household


class ContactAttemptForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("Did you reach the requester?"),
        choices=(("yes", _("Yes, we spoke")), ("no", _("No answer, or a wrong number"))),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was agreed, or when to try again."),
    )


class HouseholdForm(forms.Form):
    """The household chosen with the registry's search (``registry/includes/household_picker``),
    read within the user's area."""

    household = forms.ModelChoiceField(
        label=_("Household"),
        queryset=Household.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Find the household and choose it."),
            "invalid_choice": _("Find the household and choose it."),
        },
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["household"].queryset = Household.objects.for_user(user)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=HelpRequest.CloseReason.choices, widget=forms.RadioSelect
    )
    department = forms.ChoiceField(
        label=_("Department"),
        choices=[("", _("—")), *HelpRequest.Department.choices],
        required=False,
        help_text=_(
            "Referred to another department: the one it goes to. Not eligible: where the "
            "requester may apply (optional)."
        ),
    )
    duplicate_of = forms.CharField(
        label=_("Code of the other request"),
        required=False,
        max_length=12,
        help_text=_("For a duplicate: the request it repeats, e.g. K7QM-3XPA."),
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the staff and the transfer slip (转办单); the requester does not see it."),
    )
