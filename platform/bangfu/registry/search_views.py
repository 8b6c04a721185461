"""People search pages: the staff search page, the household picker's endpoints, and the
region picker's suggestions.

Every query is posted. The search page keeps it behind a token in the session
(``core.search_tokens``), so that its URL names the search and never the name, ID number or
phone searched for; the picker's suggestions answer the post itself and have no URL to keep.
"""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.accounts.scoping import require_registry_area
from bangfu.core import search_tokens
from bangfu.regions.models import Region
from bangfu.registry.filters import SEARCH_TOKEN, masked_query
from bangfu.registry.region_picker import region_label, regions_matching
from bangfu.registry.search import MAX_QUERY, household_hit, search_households
from bangfu.registry.selectors import regions_in_scope

PAGE_LIMIT = 50
SUGGESTIONS = 8
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _field_name(request) -> str:
    """The name of the picker's hidden input, echoed back into attributes: a plain identifier."""
    name = request.POST.get("field_name", "")
    if not _FIELD_NAME.fullmatch(name):
        raise Http404
    return name


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def search(request):
    """The search page: POST a query, GET its results at ``?search=<token>``."""
    require_registry_area(request.user)
    if request.method == "POST":
        typed = request.POST.get("q", "").strip()[:MAX_QUERY]
        if not typed:
            return redirect("registry:search")
        token = search_tokens.stash(request, typed)
        return redirect(f"{request.path}?{SEARCH_TOKEN}={token}")
    token = request.GET.get(SEARCH_TOKEN, "")
    query = search_tokens.recall(request, token) if token else None
    hits = search_households(request.user, query, limit=PAGE_LIMIT) if query else []
    return render(
        request,
        "registry/search.html",
        {
            "hits": hits,
            "searched": query is not None,
            "search_label": masked_query(query) if query else "",
            "expired": bool(token) and query is None,
            "limit": PAGE_LIMIT,
        },
    )


@never_cache
@login_required
@require_POST
def search_suggest(request):
    """The picker's suggestions for what was typed so far (htmx)."""
    require_registry_area(request.user)
    query = request.POST.get("q", "")
    return render(
        request,
        "registry/partials/picker_results.html",
        {
            "hits": search_households(request.user, query, limit=SUGGESTIONS),
            "typed": bool(query.strip()),
            "field_name": _field_name(request),
        },
    )


@never_cache
@login_required
@require_POST
def search_pick(request):
    """The picker holding the household chosen (or none, to choose again): it is read in the
    user's scope, so a household outside it cannot be chosen."""
    require_registry_area(request.user)
    field_name = _field_name(request)
    chosen = None
    if request.POST.get("household"):
        chosen = household_hit(request.user, request.POST["household"])
        if chosen is None:
            raise Http404
    return render(
        request,
        "registry/includes/household_picker.html",
        {"field_name": field_name, "chosen": chosen},
    )


@never_cache
@login_required
@require_GET
def region_options(request):
    """The ``<option>``s of the townships and villages of the user's area that match what was
    typed into a region picker (``registry.region_picker``); the picker sends its field's name
    and the levels it takes."""
    levels = [
        int(level)
        for level in request.GET.get("levels", "").split(",")
        if level.isdecimal() and int(level) in Region.Level.values
    ] or [Region.Level.TOWNSHIP, Region.Level.VILLAGE]
    typed = request.GET.get(request.GET.get("field", ""), "")[:MAX_QUERY]
    regions = regions_matching(regions_in_scope(request.user, levels), typed)
    return render(
        request,
        "registry/partials/region_options.html",
        {"options": [(region.code, region_label(region)) for region in regions]},
    )
