import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core.forms import InputRulesMixin
from bangfu.providers import kinds
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.regions.models import Region
from bangfu.registry.models import ServiceCategory
from bangfu.registry.selectors import regions_in_scope, service_categories


class IntakeForm(InputRulesMixin, forms.Form):
    """Open a case: on a need waiting in the user's area, or on a call with no need yet."""

    need = forms.ModelChoiceField(
        label=_("Need"),
        queryset=None,
        required=False,
        help_text=_("Open needs in your area without an intake case, most urgent first."),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=IntakeCase.Source.choices, initial=IntakeCase.Source.VISIT
    )
    township = forms.ModelChoiceField(
        label=_("Township"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("For a call without a recorded need."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What the caller asked for (required without a need)."),
    )

    def __init__(self, *args, user, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs
        self.fields["need"].label_from_instance = lambda need: (
            f"{need.household.region.parent.name} {need.household.region.name} · "
            f"{need.category.name} · {need.get_urgency_display()} · {need.priority}"
        )
        self.fields["township"].queryset = regions_in_scope(user, [Region.Level.TOWNSHIP])


class AttachNeedForm(forms.Form):
    need = forms.ModelChoiceField(label=_("Need recorded for this call"), queryset=None)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs
        self.fields["need"].label_from_instance = lambda need: (
            f"{need.household.registry_number} · {need.household.region.name} · "
            f"{need.category.name} · {need.get_urgency_display()}"
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
        queryset=Region.objects.filter(level=Region.Level.TOWNSHIP),
        method="filter_township",
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Referral
        fields = ["status", "category", "township", "overdue"]

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
