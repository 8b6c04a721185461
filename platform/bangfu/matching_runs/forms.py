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


class ReferForm(forms.Form):
    """Which of a run's suggestions to send: one (its row's button), those ticked, or all of a
    township's."""

    TICKED, TOWNSHIP = "ticked", "township"

    one = forms.IntegerField(required=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[(TICKED, _("Send the ticked suggestions")), (TOWNSHIP, _("Send the township's"))],
        required=False,
    )
    need = forms.TypedMultipleChoiceField(label=_("Suggestions"), coerce=int, required=False)
    township = forms.ModelChoiceField(
        label=_("Township"), queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args, need_ids, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [(pk, pk) for pk in need_ids]
        self.fields["township"].queryset = townships

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("one") is not None:
            data["need"], data["township"] = [data["one"]], None
        elif data.get("action") == self.TOWNSHIP:
            if data.get("township") is None:
                self.add_error("township", _("Choose the township whose suggestions to send."))
            data["need"] = []
        else:
            data["township"] = None
            if not data.get("need"):
                self.add_error(None, _("Tick at least one suggestion to send."))
        return data
