import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.providers import kinds
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.regions.models import Region
from bangfu.registry.models import ServiceCategory
from bangfu.registry.region_picker import PLACE_LEVELS, RegionSearchField
from bangfu.registry.selectors import households_for, regions_in_scope, service_categories


class IntakeForm(InputRulesMixin, forms.Form):
    """Open a case: on a need taken to the desk (``?need=``), on the caller's household found by
    the search box, or on a caller not in the registry, recorded by name, phone and place.

    The household's id comes from the search box's hidden field: it is looked up within the
    user's area only, so a household elsewhere is not a valid choice.
    """

    need = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)
    household = forms.ModelChoiceField(
        label=_("Household"), queryset=None, required=False, widget=forms.HiddenInput
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=IntakeCase.Source.choices, initial=IntakeCase.Source.WALK_IN
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    place = RegionSearchField(
        label=_("Township or village"),
        queryset=None,
        levels=PLACE_LEVELS,
        required=False,
        help_text=_("Where the caller lives: type its name or code, then choose."),
    )
    description = forms.CharField(
        label=_("What the caller asked for"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required until the household's need is recorded."),
    )

    PERSON_FIELDS = ("caller_name", "caller_phone", "place")

    def __init__(self, *args, user, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs
        self.fields["household"].queryset = households_for(user)
        self.fields["place"].queryset = regions_in_scope(user, PLACE_LEVELS)

    def clean(self):
        data = super().clean()
        if data.get("need") or data.get("household"):
            return data
        for name in self.PERSON_FIELDS:
            if not data.get(name) and name not in self.errors:
                self.add_error(
                    name, _("Find the caller's household, or record their name, phone and place.")
                )
        return data

    def service_arguments(self) -> dict:
        """What ``intake_open`` takes: the place split into its township and village."""
        data = dict(self.cleaned_data)
        place = data.pop("place")
        if place is not None and place.level == Region.Level.VILLAGE:
            data.update(township=place.parent, village=place)
        else:
            data.update(township=place, village=None)
        return data


class LinkHouseholdForm(forms.Form):
    household = forms.ModelChoiceField(
        label=_("Household"),
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"required": _("Find the household first.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households_for(user)


class AttachNeedForm(forms.Form):
    """One of the household's open needs, each offered with its own button."""

    need = forms.ModelChoiceField(label=_("Need"), queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs


class ReferNoteForm(InputRulesMixin, forms.Form):
    note_to_provider = forms.CharField(
        label=_("Note to the provider"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=500,
        help_text=_(
            "Sent with the referral: how to reach the household, what to bring, what to avoid."
        ),
    )


class DeclineForm(InputRulesMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Referral.DeclineReason.choices)
    note = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SessionForm(InputRulesMixin, forms.Form):
    past_dates = ("held_on",)

    held_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )
    category = forms.ModelChoiceField(label=_("Service type"), queryset=None)
    notes = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        categories = service_categories()
        kind = kinds.kind_of(referral.provider)
        allowed = kind.session_categories(kind.profile(referral.provider))
        if allowed is not None:
            # A project's sessions count against the line that buys them: only those services
            # can be logged.
            categories = categories.filter(pk__in=list(allowed))
            self.fields["category"].help_text = _(
                "The services the project buys; each session counts against its line."
            )
        self.fields["category"].queryset = categories
        self.fields["category"].initial = referral.need.category_id


class CompleteForm(InputRulesMixin, forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What changed for the household."),
    )


class CloseForm(InputRulesMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Referral.CloseReason.choices)
    note = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class RevokeForm(InputRulesMixin, forms.Form):
    note = forms.CharField(
        label=_("Why is the referral withdrawn?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class FeedbackForm(InputRulesMixin, forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (5, _("5 · very satisfied")),
            (4, _("4 · satisfied")),
            (3, _("3 · neutral")),
            (2, _("2 · dissatisfied")),
            (1, _("1 · very dissatisfied")),
        ],
    )
    comments = forms.CharField(
        label=_("Comments"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReferralFilter(django_filters.FilterSet):
    """The provider's inbox: by status, service, township, or only what is overdue."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Referral.Status.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Service"),
        field_name="need__category",
        queryset=ServiceCategory.objects.filter(kind=ServiceCategory.Kind.SERVICE),
    )
    township = django_filters.ModelChoiceFilter(
        label=_("Township"),
        queryset=Region.objects.none(),
        method="filter_township",
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Referral
        fields = ["status", "category", "township", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The townships of the referrals listed, a handful: not every township of a province.
        self.filters["township"].queryset = Region.objects.filter(
            level=Region.Level.TOWNSHIP,
            pk__in=self.queryset.order_by().values("need__household__region__parent"),
        )

    def filter_township(self, queryset, name, value):
        return queryset.filter(need__household__region__parent=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


class DashboardForm(InputRulesMixin, forms.Form):
    since = forms.DateField(
        label=_("Sent since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
