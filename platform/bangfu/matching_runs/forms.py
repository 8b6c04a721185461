from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.matching_runs.models import MatchingRun
from bangfu.regions.models import Region


class RunForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to run"), choices=MatchingRun.Kind.choices)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    top_k = forms.IntegerField(label=_("Candidates kept per need"), min_value=1, max_value=50)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["top_k"].initial = 10

    def clean(self):
        data = super().clean()
        region = data.get("region")
        if (
            region
            and data.get("kind") == MatchingRun.Kind.PROVINCE
            and region.level >= Region.Level.COUNTY
        ):
            self.add_error("region", _("A run split by county needs a city or a province."))
        return data
