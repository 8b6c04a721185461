from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.matching_runs.models import BUNDLE_STRENGTH, MatchingRun
from bangfu.regions.models import Region


class RunForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to run"), choices=MatchingRun.Kind.choices)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    top_k = forms.IntegerField(label=_("Candidates kept per need"), min_value=1, max_value=50)
    household_bundles = forms.BooleanField(
        label=_(
            "One chain of help per household (一户一条救助链): prefer one provider for a "
            "household's needs"
        ),
        required=False,
        help_text=_(
            "The run's page says what it costs in score and how many households it "
            "gives one provider."
        ),
    )
    bundle_strength = forms.IntegerField(
        label=_("Score a shared provider may cost (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_(
            "With one chain per household: how much of a need's priority × score may be "
            "given up to have the household's provider serve it."
        ),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["top_k"].initial = 10
        self.fields["bundle_strength"].initial = round(100 * BUNDLE_STRENGTH)

    def clean(self):
        data = super().clean()
        region = data.get("region")
        if (
            region
            and data.get("kind") == MatchingRun.Kind.PROVINCE
            and region.level >= Region.Level.COUNTY
        ):
            self.add_error("region", _("A run split by county needs a city or a province."))
        if data.get("household_bundles") and data.get("kind") == MatchingRun.Kind.RANK:
            self.add_error(
                "household_bundles",
                _("A ranking proposes no provider: one chain per household is for allocations."),
            )
        return data

    def parameters(self) -> dict:
        """The run's parameters: the candidates kept and, when bundling, its strength."""
        parameters = {"top_k": self.cleaned_data["top_k"]}
        if self.cleaned_data["household_bundles"]:
            strength = self.cleaned_data["bundle_strength"] or round(100 * BUNDLE_STRENGTH)
            parameters["bundle_strength"] = strength / 100
        return parameters


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
