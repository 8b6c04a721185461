from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.auditing.selectors import ACTIONS, AuditQuery
from bangfu.core.forms import InputRulesMixin
from bangfu.registry.models import Household


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditSearchForm(InputRulesMixin, forms.Form):
    """A search of the audit log. Read from the query string: it holds no personal data (a
    username, a registry number, an address of the network, dates)."""

    actor = forms.CharField(label=_("User (username)"), required=False, max_length=150)
    household = forms.CharField(
        label=_("Household (registry number)"),
        required=False,
        max_length=32,
        help_text=_("Entries on the household, its members and its other rows."),
    )
    action = forms.ChoiceField(
        label=pgettext_lazy("audit", "Action"),
        required=False,
        choices=[("", _("any")), *((key, label) for key, (label, _q) in ACTIONS.items())],
    )
    since = forms.DateField(
        label=pgettext_lazy("audit", "From"), required=False, widget=_date_input()
    )
    until = forms.DateField(
        label=pgettext_lazy("audit", "To"), required=False, widget=_date_input()
    )
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)

    def clean_household(self) -> str:
        number = self.cleaned_data["household"].strip()
        if number:
            self.found_household = Household.objects.filter(registry_number=number).first()
            if self.found_household is None:
                raise forms.ValidationError(_("No household has this registry number."))
        return number

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end comes before the start."))
        return cleaned

    # The household the registry number names, once the form is valid.
    found_household: Household | None = None

    def query(self) -> AuditQuery:
        data = self.cleaned_data
        return AuditQuery(
            actor=data["actor"].strip(),
            household=data["household"],
            action=data["action"],
            since=data["since"],
            until=data["until"],
            ip=data["ip"] or "",
        )
