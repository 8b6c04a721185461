"""Filters of the household list. They narrow a queryset that is already scoped to the user."""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core import crypto
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.regions.models import Region
from bangfu.registry import selectors
from bangfu.registry.forms import CategoryChoiceField
from bangfu.registry.models import Household, Need, Tier


class RegionChoiceField(django_filters.fields.ModelChoiceField):
    """Townships by name; villages as "township / village" so the list reads as a tree."""

    def label_from_instance(self, region: Region) -> str:
        if region.level == Region.Level.VILLAGE and region.parent is not None:
            return f"{region.parent.name} / {region.name}"
        return region.name


class CategoryFilterField(django_filters.fields.ModelChoiceField, CategoryChoiceField):
    """Service categories in the interface language."""


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryFilterField


class RegionFilter(django_filters.ModelChoiceFilter):
    field_class = RegionChoiceField


def _regions(request):
    if request is None:
        return Region.objects.none()
    levels = [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
    return selectors.regions_in_scope(request.user, levels).select_related("parent")


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sorts with empty values last both ways, and by primary key to keep pages stable."""

    descending_fmt = _("%s (descending)")

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        field = F(self.param_map[param.lstrip("-")])
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "pk") if value else qs


class HouseholdFilter(django_filters.FilterSet):
    REVIEW_OVERDUE = "overdue"
    REVIEW_SOON = "soon"

    q = django_filters.CharFilter(
        label=_("Registry number or ID number"),
        method="filter_search",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = RegionFilter(
        label=_("Township or village"),
        queryset=_regions,
        method="filter_region",
        empty_label=_("All in my area"),
    )
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Household.Status.choices,
        empty_label=_("Current (not exited)"),
    )
    need_category = CategoryFilter(
        label=_("Open need for"),
        queryset=selectors.service_categories(),
        method="filter_need_category",
        empty_label=_("Any"),
    )
    need_urgency = django_filters.ChoiceFilter(
        label=_("Open need urgency"),
        choices=Need.Urgency.choices,
        method="filter_need_urgency",
        empty_label=_("Any"),
    )
    review = django_filters.ChoiceFilter(
        label=_("Review"),
        choices=[
            (REVIEW_OVERDUE, _("overdue")),
            (REVIEW_SOON, _("due in the next 30 days")),
        ],
        method="filter_review",
        empty_label=_("Any"),
    )
    sort = NullsLastOrderingFilter(
        label=_("Sort by"),
        fields={
            "registry_number": "number",
            "next_review_due": "review",
            "top_priority": "priority",
            "member_count": "members",
        },
        field_labels={
            "registry_number": _("registry number"),
            "next_review_due": _("next review due"),
            "top_priority": _("highest priority"),
            "member_count": _("members"),
        },
        empty_label=_("Registry number"),
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            # Exited households leave daily work; choose the status "exited" to see them.
            queryset = queryset.exclude(status=Household.Status.EXITED)
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        try:
            facts = parse_id_number(value)
        except InvalidIdNumber:
            return queryset.filter(registry_number__icontains=value)
        # A full ID number finds its household through the keyed hash, never the ciphertext.
        return queryset.filter(members__id_number_hash=crypto.lookup_hash(facts.number))

    def filter_region(self, queryset, name, region):
        return queryset.filter(region__path__startswith=region.path)

    def filter_need_category(self, queryset, name, category):
        return queryset.filter(
            Exists(Need.objects.open().filter(household=OuterRef("pk"), category=category))
        )

    def filter_need_urgency(self, queryset, name, urgency):
        return queryset.filter(
            Exists(Need.objects.open().filter(household=OuterRef("pk"), urgency=urgency))
        )

    def filter_review(self, queryset, name, value):
        today = timezone.localdate()
        if value == self.REVIEW_OVERDUE:
            return queryset.filter(next_review_due__lt=today)
        return queryset.filter(
            next_review_due__gte=today,
            next_review_due__lte=today + dt.timedelta(days=selectors.REVIEW_SOON_DAYS),
        )
