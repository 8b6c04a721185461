"""Forms of the provider directory and of a volunteer's own profile. They parse and check
input; the writes go through ``bangfu.providers.directory``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.core.validators import normalise_phone
from bangfu.providers.models import Certificate, Station, Volunteer
from bangfu.providers.selectors import directory_regions, volunteer_organisations
from bangfu.providers.times import DAY_PARTS, DAYS, slots_of, times_of
from bangfu.regions.models import Region
from bangfu.registry.forms import CategoryChoiceField, LanguagesField, VillageChoiceField
from bangfu.registry.selectors import service_categories


class CategoriesField(forms.ModelMultipleChoiceField, CategoryChoiceField):
    """Service categories as boxes to tick, in the interface language."""

    widget = forms.CheckboxSelectMultiple


class RegionsField(forms.ModelMultipleChoiceField, VillageChoiceField):
    """Townships and villages, villages named with their township."""

    widget = forms.SelectMultiple(attrs={"size": 8})


class WeekGrid(forms.CheckboxSelectMultiple):
    """The week as a table: a row per day, a box per part of the day."""

    template_name = "providers/widgets/week_grid.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = {
            option["value"]: option
            for _group, group_options, _index in context["widget"]["optgroups"]
            for option in group_options
        }
        context["widget"]["parts"] = [part.label for part in DAY_PARTS]
        context["widget"]["days"] = [
            (label, [options[f"{day}-{part.code}"] for part in DAY_PARTS]) for day, label in DAYS
        ]
        return context


class WeekField(forms.MultipleChoiceField):
    """When someone is free in a usual week; cleans to the stored time ranges
    (``bangfu.providers.times``)."""

    widget = WeekGrid

    def __init__(self, **kwargs):
        choices = [
            (f"{day}-{part.code}", f"{label} {part.label}")
            for day, label in DAYS
            for part in DAY_PARTS
        ]
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, **kwargs)

    def prepare_value(self, value):
        """Stored ranges (a dict each) as the boxes they tick; posted codes as they are."""
        if value and isinstance(value[0], dict):
            return [f"{day}-{part}" for day, part in slots_of(value)]
        return value

    def clean(self, value) -> list[dict]:
        codes = super().clean(value)
        return times_of((int(day), part) for day, part in (code.split("-") for code in codes))


AVAILABLE_TIMES_HELP = _(
    "Tick when you are usually free. Leave all empty if any time within the weekly hours suits."
)


class VolunteerProfileForm(InputRulesMixin, forms.ModelForm):
    """What a volunteer keeps up to date themselves."""

    available_times = WeekField(label=_("available times"), help_text=AVAILABLE_TIMES_HELP)

    class Meta:
        model = Volunteer
        fields = [
            "categories",
            "languages",
            "weekly_hours",
            "available_times",
            "availability",
            "travel_radius_km",
        ]
        field_classes = {"categories": CategoriesField, "languages": LanguagesField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = service_categories()
        # A household that names its languages is proposed only volunteers who speak one.
        self.fields["languages"].required = True
        self.fields["weekly_hours"].help_text = _(
            "About two hours a week per open task: the hours limit how many you are given."
        )


class VolunteerForm(VolunteerProfileForm):
    """Staff register or edit a volunteer: their log-in on registration, then everything."""

    username = forms.CharField(label=_("user name"), max_length=150)
    display_name = forms.CharField(label=_("full name"), max_length=50)
    phone = forms.CharField(
        label=_("phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("first password"),
        help_text=_("Give it to the volunteer, who changes it after logging in."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    certificates = forms.MultipleChoiceField(
        label=_("certificates"),
        choices=Certificate.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta(VolunteerProfileForm.Meta):
        fields = [
            "organisation",
            "home_region",
            "latitude",
            "longitude",
            "categories",
            "certificates",
            "languages",
            "travel_radius_km",
            "weekly_hours",
            "capacity",
            "available_times",
            "availability",
            "serves_gender",
        ]
        field_classes = {
            **VolunteerProfileForm.Meta.field_classes,
            "home_region": VillageChoiceField,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_region"].queryset = directory_regions(user, [Region.Level.VILLAGE])
        self.fields["organisation"].queryset = volunteer_organisations(user)
        self.fields["organisation"].required = True
        for name in ("latitude", "longitude"):
            self.fields[name].required = False
            self.fields[name].help_text = _("Empty: the centre of the home village.")
        if self.instance.pk:
            del self.fields["username"], self.fields["password"]
            self.initial.update(
                display_name=self.instance.user.display_name, phone=self.instance.user.phone
            )
        else:
            self.initial.setdefault("languages", ["普通话"])

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])


class StationForm(InputRulesMixin, forms.ModelForm):
    """Staff register or edit a station; its township is chosen once, on registration."""

    name = forms.CharField(label=_("name"), max_length=200)
    township = forms.ModelChoiceField(label=_("township"), queryset=Region.objects.none())
    contact_phone = forms.CharField(label=_("contact phone"), max_length=20, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)

    class Meta:
        model = Station
        fields = ["categories", "service_area", "capacity", "opening_hours"]
        field_classes = {"categories": CategoriesField, "service_area": RegionsField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = service_categories()
        self.fields["service_area"].queryset = directory_regions(
            user, [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
        )
        self.fields["service_area"].help_text = _(
            "Townships or villages it serves besides its own township."
        )
        if self.instance.pk:
            del self.fields["township"]
            organisation = self.instance.organisation
            self.initial.update(
                name=organisation.name,
                contact_phone=organisation.contact_phone,
                address=organisation.address,
            )
        else:
            self.fields["township"].queryset = directory_regions(user, [Region.Level.TOWNSHIP])

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"]
        return normalise_phone(phone) if phone else ""


class SuspendForm(InputRulesMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Shown to the provider and to staff, e.g. certificate expired."),
    )


class PauseForm(InputRulesMixin, forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=200,
        required=False,
        help_text=_("E.g. away until the harvest is in."),
    )
