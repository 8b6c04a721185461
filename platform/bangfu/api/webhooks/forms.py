from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.core.events import KINDS


class SubscriptionForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Bureau"), queryset=None)
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the events are posted, e.g. “https://hotline.example.gov.cn/bangfu”."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=list(KINDS.items()), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]
