"""HSDS's own page (the ``Page`` schema of its OpenAPI file): the directory's lists are paged
this way whatever the rest of the API does, so that an HSDS client reads them."""

import math

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

PAGE_FIELDS = {
    "total_items": "integer",
    "total_pages": "integer",
    "page_number": "integer",
    "size": "integer",
    "first_page": "boolean",
    "last_page": "boolean",
    "empty": "boolean",
}


def _positive(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError({name: [_("Give a whole number of 1 or more.")]})
    return value


class HsdsPagination(BasePagination):
    """``page`` (from 1) and ``per_page`` (at most ``max_per_page``); a page past the last is
    empty rather than an error, as ``empty`` can say so."""

    per_page = 50
    max_per_page = 500

    def paginate_queryset(self, queryset, request, view=None) -> list:
        items = list(queryset)
        self.page_number = _positive(request, "page", 1)
        size = min(_positive(request, "per_page", self.per_page), self.max_per_page)
        self.total_items = len(items)
        self.total_pages = math.ceil(self.total_items / size)
        start = (self.page_number - 1) * size
        self.page = items[start : start + size]
        return self.page

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "total_items": self.total_items,
                "total_pages": self.total_pages,
                "page_number": self.page_number,
                "size": len(data),
                "first_page": self.page_number == 1,
                "last_page": self.page_number >= self.total_pages,
                "empty": not data,
                "contents": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": [*PAGE_FIELDS, "contents"],
            "properties": {
                **{name: {"type": kind} for name, kind in PAGE_FIELDS.items()},
                "contents": schema,
            },
        }
