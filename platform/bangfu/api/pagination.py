"""Cursor pagination, the API's default: pages stay stable while rows are added (an offset
would skip or repeat them) and no count query runs over a large table.

Newest first by primary key, which every model has and no row changes. A view whose rows are
better read in another order sets ``ordering`` on its own subclass: a unique, unchanging field
or a list ending with one.
"""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
