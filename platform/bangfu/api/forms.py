from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.api.models import ApiToken
from bangfu.api.service_accounts import service_account_roles
from bangfu.api.tokens import expiry_bounds


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use it, e.g. “12349 hotline system” or “my phone”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text=_("A read token may only read; read and write may also change records."),
    )
    expires_on = forms.DateField(
        label=_("Expires after"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first, default, last = expiry_bounds()
        field = self.fields["expires_on"]
        field.initial = default
        field.widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        field.help_text = _("At the latest %(last)s.") % {"last": last.isoformat()}


class ServiceAccountForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only, e.g. “hotline-12349”."),
    )
    display_name = forms.CharField(
        label=_("Name"), max_length=50, help_text=_("The system, e.g. “12349 热线系统”.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]
        roles = {}
        for organisation in organisations:
            roles.update(service_account_roles(organisation))
        self.fields["role"].choices = list(roles.items())
