"""Regions chosen by typing, not from a list: a province has thousands of villages.

The field posts the region's statistical code (as the API does). While the user types, htmx
asks ``registry:region-options`` for the matching townships and villages of the user's area and
fills the input's ``<datalist>``; without JavaScript the field takes the code typed in. The
field's queryset (the user's area) still decides what is a valid choice.
"""

import json

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.regions.models import Region

# What a place of a case or a filter is: a township, or a village in it.
PLACE_LEVELS = [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
# Suggestions offered for what was typed so far.
SUGGESTIONS = 20


def is_code(value) -> bool:
    """Whether what was typed can be a region's code (digits only): anything else, a NUL byte
    that PostgreSQL refuses included, is never looked up."""
    return isinstance(value, str | int) and str(value).isdigit()


def region_label(region: Region) -> str:
    """A village with its township ("township · village": villages often share a name)."""
    if region.level == Region.Level.VILLAGE and region.parent is not None:
        return f"{region.parent.name} · {region.name}"
    return region.name


def regions_matching(regions: QuerySet[Region], typed: str) -> QuerySet[Region]:
    """The first ``SUGGESTIONS`` of ``regions`` whose name, township's name or code matches."""
    typed = typed.strip()
    if typed:
        regions = regions.filter(
            Q(name__icontains=typed) | Q(parent__name__icontains=typed) | Q(code__startswith=typed)
        )
    return regions.select_related("parent").order_by("path")[:SUGGESTIONS]


class RegionSearchInput(forms.TextInput):
    """A text input for a region's code, with suggestions as the user types."""

    template_name = "registry/widgets/region_search.html"

    def __init__(self, *, levels, attrs=None):
        self.levels = [int(level) for level in levels]
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}-options"
        widget["attrs"].update(
            {
                "list": list_id,
                "hx-get": reverse("registry:region-options"),
                "hx-trigger": "input changed delay:300ms, focus once",
                "hx-vals": json.dumps({"levels": ",".join(map(str, self.levels)), "field": name}),
                "hx-target": f"#{list_id}",
                "hx-sync": "this:replace",
            }
        )
        widget["list_id"] = list_id
        widget["chosen"] = self._chosen(value)
        return context

    def _chosen(self, code) -> Region | None:
        """The region of the code the field holds (a form shown again), within the field's
        queryset: its name is shown next to the code."""
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if not is_code(code) or queryset is None:
            return None
        region = queryset.filter(code=str(code)).select_related("parent").first()
        return (region, region_label(region)) if region else None


class RegionSearchField(forms.ModelChoiceField):
    """A township or village of ``queryset`` (the user's area), given by its code."""

    default_error_messages = {
        "invalid_choice": _("No place of your area has this code: choose one of the suggestions.")
    }

    def __init__(self, *, levels, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", RegionSearchInput(levels=levels))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value not in self.empty_values and not is_code(value):
            message = self.error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice")
        return super().to_python(value)

    def label_from_instance(self, region: Region) -> str:
        return region_label(region)
