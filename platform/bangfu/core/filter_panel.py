"""A list's filter form, rendered when it is wanted.

Most visits to a list never open its filter panel, yet the form (selects of categories,
statuses and places, each option a template) cost the household list 5 ms of 28 and the
portal's inbox 6 ms of 37. The closed panel fetches its form when it is opened (htmx, on the
``toggle`` of its ``<details>``); without JavaScript, its link opens the list again with the form
shown (``?filters=1``). The form is there at once, the panel open, when filters are applied or
the form has errors.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from bangfu.core.keyset import CURSOR

# The query parameter asking for the form: the list with its form shown, or (through htmx) the
# form alone.
WANTED = "filters"


@dataclass(frozen=True)
class FilterPanel:
    shown: bool  # the form is rendered, the panel open
    query: str  # the list's query asking for the form


def filter_panel(request, *, applied: bool) -> FilterPanel:
    """The panel of a list at ``request``: shown when filters are ``applied`` (or the form has
    errors: the caller's to say) or when asked for."""
    query = request.GET.copy()
    query.pop(CURSOR, None)
    query[WANTED] = "1"
    return FilterPanel(shown=applied or WANTED in request.GET, query=query.urlencode())


def form_alone(request) -> bool:
    """Whether the request asks for the form alone: a closed panel opened, through htmx."""
    return bool(getattr(request, "htmx", False)) and WANTED in request.GET


def filters_applied(request, names: Iterable[str]) -> bool:
    """Whether the request gives a value to one of the filters ``names`` (a filter set's
    ``filters``, a form's ``fields``)."""
    return any(request.GET.get(name) for name in names)
