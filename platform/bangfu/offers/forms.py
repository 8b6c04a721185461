"""Forms of the charity portal and of the staff's moderation. Writes go through services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.core.validators import normalise_phone
from bangfu.offers.models import Charity, Offer
from bangfu.regions.models import Region
from bangfu.registry.forms import CategoryChoiceField, DateInput
from bangfu.registry.models import ServiceCategory, Tier


class CategoryMultipleChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = CategoryChoiceField.label_from_instance


class AreaChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, region: Region) -> str:
        return region.name if region.level <= Region.Level.COUNTY else f"· {region.name}"


def service_categories():
    return ServiceCategory.objects.filter(kind=ServiceCategory.Kind.SERVICE)


class OfferForm(InputRulesMixin, forms.ModelForm):
    category = CategoryChoiceField(label=_("Service category"), queryset=service_categories())
    need_categories = CategoryMultipleChoiceField(
        label=_("Also meets these needs"),
        queryset=service_categories(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tiers = forms.MultipleChoiceField(
        label=_("Household tiers"),
        choices=[(value, label) for value, label in Tier.choices if value != Tier.NONE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: households of any tier."),
    )
    regions = AreaChoiceField(
        label=_("Area"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the charity's whole region."),
    )

    class Meta:
        model = Offer
        fields = [
            "title",
            "description",
            "kind",
            "category",
            "need_categories",
            "quantity",
            "unit",
            "units_per_household",
            "amount_per_household",
            "tiers",
            "min_age",
            "max_age",
            "disability_max_grade",
            "regions",
            "reach_km",
            "valid_from",
            "valid_until",
            "delivery_method",
            "delivery_note",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "valid_from": DateInput(),
            "valid_until": DateInput(),
        }

    def __init__(self, *args, charity: Charity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = (
            Region.objects.subtree(charity.region)
            .filter(level__lte=Region.Level.TOWNSHIP)
            .order_by("path")
        )
        if not self.instance.pk:
            self.initial.setdefault("valid_from", timezone.localdate())

    def service_fields(self) -> dict:
        """The cleaned data as the offer services take it."""
        data = dict(self.cleaned_data)
        return {
            **{name: data[name] for name in self.Meta.fields if name in data},
            "need_categories": list(data.get("need_categories") or []),
            "regions": list(data.get("regions") or []),
        }


class ReasonForm(InputRulesMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeliveryForm(InputRulesMixin, forms.Form):
    past_dates = ("delivered_on",)

    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("No names, ID numbers or phone numbers."),
    )


class CharityRegistrationForm(InputRulesMixin, forms.Form):
    name = forms.CharField(label=_("Name of the charity"), max_length=200)
    unified_credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, min_length=18
    )
    certificate_number = forms.CharField(
        label=_("Charity registration certificate number"), max_length=40, required=False
    )
    region = forms.ModelChoiceField(
        label=_("Register with the bureau of"),
        queryset=Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.COUNTY]).order_by(
            "path"
        ),
    )
    introduction = forms.CharField(
        label=_("About the charity"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public site with your offers."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    phone = forms.CharField(label=_("Contact phone"), max_length=20)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.RegexField(
        label=_("User name for logging in"),
        max_length=40,
        regex=r"^[A-Za-z0-9_.-]+$",
        error_messages={"invalid": _("Letters, digits and . _ - only.")},
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(_("The registration could not be sent."))
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned
