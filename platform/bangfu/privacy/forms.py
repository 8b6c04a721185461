from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.privacy.models import ProcessingActivity, RetentionRule
from bangfu.regions.models import Region


class ProcessingActivityForm(forms.ModelForm):
    class Meta:
        model = ProcessingActivity
        fields = ["code", *ProcessingActivity.RECORD_FIELDS, "region", "sort_order"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "purpose",
                "data_categories",
                "sensitive_data",
                "recipients",
                "security_measures",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A processing activity is a bureau's: a county or above, never a village.
        self.fields["region"].queryset = Region.objects.filter(level__lte=Region.Level.COUNTY)


class RetentionRuleForm(forms.ModelForm):
    class Meta:
        model = RetentionRule
        fields = ["period", "is_active", "note"]


class SubjectAccessForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purpose = forms.CharField(
        label=_("Request"),
        max_length=200,
        help_text=_("The person's request (date, reference of the letter or the desk's record)."),
    )
