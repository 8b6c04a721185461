"""Filters of the household list. They narrow a queryset that is already scoped to the user."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.core import search_tokens
from bangfu.core.id_numbers import InvalidIdNumber, parse_id_number
from bangfu.core.masking import mask_id_number, mask_phone, mask_text
from bangfu.core.validators import normalise_phone
from bangfu.regions.models import Region, within
from bangfu.registry import selectors
from bangfu.registry.forms import CategoryChoiceField
from bangfu.registry.models import Household, Need, Tier
from bangfu.registry.region_picker import PLACE_LEVELS, RegionSearchField
from bangfu.registry.search import MAX_QUERY, households_matching
from bangfu.registry.tallies import REVIEW_SOON_DAYS

SEARCH_TOKEN = "search"


class RegionChoiceField(django_filters.fields.ModelChoiceField, RegionSearchField):
    """A township or village of the user's area, typed with suggestions (a province's villages
    are too many for a list) and given by its code."""


class CategoryFilterField(django_filters.fields.ModelChoiceField, CategoryChoiceField):
    """Service categories in the interface language."""


class CategoryFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryFilterField


class RegionFilter(django_filters.ModelChoiceFilter):
    field_class = RegionChoiceField


def _regions(request):
    if request is None:
        return Region.objects.none()
    return selectors.regions_in_scope(request.user, PLACE_LEVELS)


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


class QueryInput(forms.TextInput):
    """The search box; it never writes the query back into the page, as it may be an ID number
    or a phone number (the page shows it masked)."""

    input_type = "search"

    def format_value(self, value):
        return None


def masked_query(query: str) -> str:
    """A search query as the page shows it: ID and phone numbers masked."""
    try:
        return mask_id_number(parse_id_number(query).number)
    except InvalidIdNumber:
        pass
    try:
        return mask_phone(normalise_phone(query))
    except ValidationError:
        return mask_text(query)


def search_query(request) -> QueryDict:
    """The list's URL query for its posted filter form: the filters as chosen, and a token in
    place of the search query typed (or the token of the search shown, if none was typed)."""
    query = QueryDict(mutable=True)
    for name in HouseholdFilter.base_filters:
        if name != "q" and request.POST.get(name):
            query[name] = request.POST[name]
    typed = request.POST.get("q", "").strip()
    if typed:
        query[SEARCH_TOKEN] = search_tokens.stash(request, typed[:MAX_QUERY])
    elif request.POST.get(SEARCH_TOKEN):
        query[SEARCH_TOKEN] = request.POST[SEARCH_TOKEN]
    return query


class HouseholdFilter(django_filters.FilterSet):
    REVIEW_OVERDUE = "overdue"
    REVIEW_SOON = "soon"

    # The search box may hold an ID number or a phone number: its form is posted and the list's
    # URL carries a token for the query (``search_query``), never the query itself.
    q = django_filters.CharFilter(
        label=_("Name, pinyin, ID number, phone, registry number or address"),
        method="filter_search",
        max_length=MAX_QUERY,
        widget=QueryInput(attrs={"autocomplete": "off"}),
    )
    region = RegionFilter(
        label=_("Township or village"),
        queryset=_regions,
        levels=PLACE_LEVELS,
        method="filter_region",
        help_text=_("Type a name or code; empty: all in my area."),
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
            "top_open_priority": "priority",
            "member_count": "members",
        },
        field_labels={
            "registry_number": _("registry number"),
            "next_review_due": _("next review due"),
            "top_open_priority": _("highest priority"),
            "member_count": _("members"),
        },
        empty_label=_("Registry number"),
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # A query typed into a URL is not searched; a token stands for one posted earlier.
        self.data = self.data.copy()
        self.data.pop("q", None)
        token = self.data.get(SEARCH_TOKEN, "")
        query = search_tokens.recall(self.request, token) if token else None
        self.search_expired = bool(token) and query is None
        # The page names the search by its token and shows the query masked.
        self.search_token = token if query is not None else ""
        self.search_label = masked_query(query) if query is not None else ""
        if query is not None:
            self.data["q"] = query

    def filter_queryset(self, queryset):
        if self.search_expired:
            return queryset.none()
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            # Exited households leave daily work; choose the status "exited" to see them.
            queryset = queryset.exclude(status=Household.Status.EXITED)
        return queryset

    def filter_search(self, queryset, name, value):
        # The staff search's matches (bangfu.registry.search), in the list's own order.
        return queryset.filter(pk__in=households_matching(self.request.user, value).values("pk"))

    def filter_region(self, queryset, name, region):
        return queryset.filter(within(region, "region"))

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
            next_review_due__lte=today + dt.timedelta(days=REVIEW_SOON_DAYS),
        )
