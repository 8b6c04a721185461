"""The public forms: ask for help (一键求助) and look up its progress."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangfu.referrals.public_intake import normalise_code, normalise_phone
from bangfu.regions.forms import PlaceChoiceField
from bangfu.regions.models import Region

NAME_MAX = 20
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 500


class HelpRequestForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("We call you back on this number. You need it to check your request."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    township = PlaceChoiceField(
        label=_("Township or subdistrict"),
        queryset=Region.objects.filter(level=Region.Level.TOWNSHIP)
        .select_related("parent")
        .order_by("path"),
        empty_label=_("Choose…"),
    )
    village = PlaceChoiceField(
        label=_("Village or community (if you know it)"),
        queryset=Region.objects.filter(level=Region.Level.VILLAGE)
        .select_related("parent")
        .order_by("path"),
        required=False,
        empty_label=_("Not sure"),
        help_text=_("Its assistant (协理员) sees your request too."),
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        min_length=DESCRIPTION_MIN,
        max_length=DESCRIPTION_MAX,
        help_text=_("A few sentences: who needs help, with what, how urgent. No ID numbers."),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX}),
    )
    consent = forms.BooleanField(
        label=_("I agree that the civil-affairs staff contact me about this request."),
        error_messages={"required": _("We can only help if we may contact you.")},
    )
    # A honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if any(char.isdigit() for char in name):
            raise ValidationError(_("A name has no digits."))
        return name

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["phone"]) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(_("Your request could not be sent. Please call 12349."))
        village, township = cleaned.get("village"), cleaned.get("township")
        if village is not None and township is not None and village.parent_id != township.pk:
            self.add_error("village", _("This village is not in the township you chose."))
        return cleaned


class HelpStatusForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("Phone number given with the request"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != 8 or not code.isalnum():
            raise ValidationError(_("The code has eight letters and digits, e.g. K7QM-3XPA."))
        return code


class SearchForm(forms.Form):
    TYPES = (
        ("", _("Everything")),
        ("projects", _("Procured projects")),
        ("offers", _("Charity offers")),
        ("news", _("News")),
        ("policies", _("Policies")),
    )
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    type = forms.ChoiceField(label=_("Show"), choices=TYPES, required=False)
