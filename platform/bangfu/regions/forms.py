from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.core.validators import EARLIEST_DATE, LATEST_DATE
from bangfu.regions.models import PolicyValue, Region
from bangfu.regions.policy import PARAMETERS, WHOLE_NUMBERS, flat_weights, nested_weights
from bangfu.regions.selectors import allowed


class PlaceChoiceField(forms.ModelChoiceField):
    """A place named with the one above it, "county · township" or "township · village": two
    townships' villages often share a name. Give it a queryset with ``select_related("parent")``.
    """

    def label_from_instance(self, region: Region) -> str:
        return f"{region.parent.name} · {region.name}" if region.parent else region.name


class PolicyChoice(forms.Form):
    """Which region's policy, for which year."""

    region = forms.ModelChoiceField(
        label=_("region"), queryset=None, to_field_name="code", empty_label=None
    )
    year = forms.IntegerField(
        label=_("year"), min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class PolicyValueForm(InputRulesMixin, forms.Form):
    """One parameter's value for a region and year, with the source that sets it. The form only
    reads numbers and choices; ``policy_value_set`` checks them against the parameter (its
    range, the names of its weights) and its refusal is shown on the field at fault."""

    source = forms.CharField(
        label=_("Source document or reason"),
        max_length=PolicyValue._meta.get_field("source").max_length,
        help_text=_("The document and item that set this value (文号, 条款), or why it changed."),
    )

    def __init__(self, *args, key: str, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameter = PARAMETERS[key]
        fields = {}
        if self.parameter.kind == "weights":
            for name, weight in flat_weights(current or {}).items():
                self.initial.setdefault(name, weight)
            for name in self.parameter.names:
                fields[name] = forms.DecimalField(
                    label=self.parameter.name_label(name), decimal_places=4, max_digits=12
                )
        else:
            fields["value"] = self._value_field()
            self.initial.setdefault("value", current)
        # The value comes first, its source after it.
        self.fields = {**fields, "source": self.fields["source"]}

    def _value_field(self) -> forms.Field:
        parameter, label = self.parameter, self.parameter.label
        if parameter.kind == "choice":
            return forms.ChoiceField(
                label=label, choices=[(c, parameter.choice_label(c)) for c in parameter.choices]
            )
        if parameter.kind == "choices":
            return forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=[(c, parameter.choice_label(c)) for c in parameter.choices],
                widget=forms.CheckboxSelectMultiple,
            )
        help_text = _("Allowed: %(allowed)s %(unit)s") % {
            "allowed": allowed(parameter),
            "unit": parameter.unit,
        }
        if parameter.kind in WHOLE_NUMBERS:
            return forms.IntegerField(label=label, help_text=help_text)
        return forms.DecimalField(label=label, help_text=help_text, decimal_places=4, max_digits=16)

    def value(self):
        """The value as the service takes it (weights nested by their dotted names)."""
        if self.parameter.kind == "weights":
            return nested_weights({name: self.cleaned_data[name] for name in self.parameter.names})
        return self.cleaned_data["value"]
