"""Cursor pagination, the API's default: pages stay stable while rows are added (an offset
would skip or repeat them) and no count query runs over a large table.

Newest first by primary key, which every model has and no row changes. A view whose rows are
better read in another order sets ``ordering`` on its own subclass: a unique, unchanging field
or a list ending with one.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """A cursor that is not one this API wrote is the request's error (400, naming the
        parameter), not a missing page."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: _("This is not a cursor from a previous page.")}
            ) from None
