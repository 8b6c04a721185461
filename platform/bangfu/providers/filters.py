"""Filters of the provider directory. They narrow a queryset already limited to the user's area."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.providers.models import Provider
from bangfu.providers.selectors import DIRECTORY_KINDS, directory_regions
from bangfu.regions.models import Region, within
from bangfu.registry.filters import CategoryFilter, RegionFilter
from bangfu.registry.selectors import service_categories

TAKING, PAUSED, SUSPENDED = "taking", "paused", "suspended"
STATUSES = (
    (TAKING, _("taking referrals")),
    (PAUSED, _("paused by themselves")),
    (SUSPENDED, _("suspended by staff")),
)


def _townships(request):
    if request is None:
        return Region.objects.none()
    return directory_regions(request.user, [Region.Level.TOWNSHIP])


class ProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_name", max_length=50)
    kind = django_filters.ChoiceFilter(
        label=_("Kind"),
        choices=[(kind, Provider.Kind(kind).label) for kind in DIRECTORY_KINDS],
        empty_label=_("Stations and volunteers"),
    )
    township = RegionFilter(
        label=_("Township"),
        queryset=_townships,
        levels=[Region.Level.TOWNSHIP],
        method="filter_township",
        help_text=_("Type a name or code; empty: all in my area."),
    )
    category = CategoryFilter(
        label=_("Service"),
        queryset=service_categories(),
        method="filter_category",
        empty_label=_("Any"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUSES, method="filter_status", empty_label=_("Any")
    )

    class Meta:
        model = Provider
        fields: list[str] = []

    def filter_name(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value) | Q(volunteer__user__username__icontains=value)
        )

    def filter_township(self, queryset, name, township):
        return queryset.filter(within(township, "region"))

    def filter_category(self, queryset, name, category):
        offered = Q(station__categories=category) | Q(volunteer__categories=category)
        return queryset.filter(pk__in=Provider.objects.filter(offered).values("pk"))

    def filter_status(self, queryset, name, value):
        if value == SUSPENDED:
            return queryset.filter(is_active=False)
        return queryset.filter(is_active=True, is_paused=value == PAUSED)
