"""Staff pages of the matching engine: start a run, watch it progress, read what it proposes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.scoping import scope_for
from bangfu.matching_runs import selectors, services
from bangfu.matching_runs.forms import RunForm
from bangfu.matching_runs.models import MatchingRun, ProviderKind
from bangfu.referrals import selectors as referral_selectors

PAGE_SIZE = 50


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    selectors.require_runs_access(request.user)
    regions = selectors.run_regions(request.user)
    form = RunForm(request.POST or None, regions=regions)
    if request.method == "POST":
        services.require_run_permission(by=request.user)
        if form.is_valid():
            run = services.run_request(
                kind=form.cleaned_data["kind"],
                region=form.cleaned_data["region"],
                by=request.user,
                parameters={"top_k": form.cleaned_data["top_k"]},
            )
            messages.success(request, _("The run is queued."))
            return redirect("matching_runs:run-detail", run.pk)
    page = Paginator(selectors.run_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching_runs/run_list.html",
        {
            "form": form,
            "page_obj": page,
            "runs": page.object_list,
            "can_run": services.can_run(request.user),
        },
    )


def _run_or_404(request, pk: int) -> MatchingRun:
    selectors.require_runs_access(request.user)
    try:
        return selectors.run_get(request.user, pk)
    except MatchingRun.DoesNotExist:
        raise Http404 from None


@never_cache
@login_required
@require_GET
def run_detail(request, pk: int):
    run = _run_or_404(request, pk)
    page = Paginator(selectors.run_allocations(request.user, run), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    allocations = list(page.object_list)
    candidates = {}
    for candidate in selectors.run_candidates(request.user, run, [a.need_id for a in allocations]):
        candidates.setdefault(candidate.need_id, []).append(candidate)
    proposed = [*allocations, *(c for group in candidates.values() for c in group)]
    names = referral_selectors.provider_names(
        row.provider_id for row in proposed if row.provider_kind != ProviderKind.OFFER
    )

    def name(row) -> str:
        # Offers are not providers of referrals: their ids are not Provider pks.
        return "?" if row.provider_kind == ProviderKind.OFFER else names.get(row.provider_id, "?")

    rows = [
        {
            "allocation": allocation,
            "provider": name(allocation),
            "candidates": [
                (candidate, name(candidate)) for candidate in candidates.get(allocation.need_id, [])
            ],
        }
        for allocation in allocations
    ]
    return render(
        request,
        "matching_runs/run_detail.html",
        {
            "run": run,
            "rows": rows,
            "page_obj": page,
            "parts": run.parts.order_by("region__code"),
            "left_out": selectors.run_left_out(run),
        },
    )


@never_cache
@login_required
@require_GET
def run_progress(request, pk: int):
    """The progress strip, polled by htmx until the run finishes."""
    run = _run_or_404(request, pk)
    return render(
        request,
        "matching_runs/partials/progress.html",
        {"run": run, "scope": scope_for(request.user)},
    )
