"""Staff pages of the matching engine: start a run, watch it progress, read what it proposes."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.accounts.scoping import scope_for
from bangfu.core.charts import Series, hbar_chart, whole
from bangfu.core.errors import Refused
from bangfu.core.keyset import keyset_page
from bangfu.matching_runs import explain, referring, selectors, services
from bangfu.matching_runs.forms import ReferForm, RunForm
from bangfu.matching_runs.models import MatchingRun, ProviderKind
from bangfu.referrals.models import Referral
from bangfu.regions.models import Region
from bangfu.registry.models import Need

PAGE_SIZE = 50
# Stations, volunteers, procured projects, charity offers: ``ProviderKind``'s order.
KIND_COLOURS = ("#5b9bd5", "#2e8b57", "#c9a227", "#b5651d")


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
                parameters=form.parameters(),
                household_bundles=form.cleaned_data["household_bundles"],
            )
            messages.success(request, _("The run is queued."))
            return redirect("matching_runs:run-detail", run.pk)
    page = keyset_page(request, selectors.run_list(request.user), per_page=PAGE_SIZE)
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


def _proposals(request, run: MatchingRun, allocations: list) -> list[dict]:
    """The page's rows: each allocation with its provider named, its reasons in words, and the
    other candidates the engine ranked for the need."""
    candidates = {}
    for candidate in selectors.run_candidates(request.user, run, [a.need_id for a in allocations]):
        candidates.setdefault(candidate.need_id, []).append(candidate)
    names = selectors.provider_names(
        [*allocations, *(c for group in candidates.values() for c in group)]
    )

    def name(row) -> str:
        return names.get((row.provider_kind, row.provider_id), _("(no longer listed)"))

    rows = []
    for allocation in allocations:
        ranked = candidates.get(allocation.need_id, [])
        # Runs before allocations kept their components: the ranked candidate's are the same.
        explained = (
            allocation
            if allocation.components
            else next(
                (
                    c
                    for c in ranked
                    if (c.provider_kind, c.provider_id)
                    == (allocation.provider_kind, allocation.provider_id)
                ),
                None,
            )
        )
        rows.append(
            {
                "allocation": allocation,
                "provider": name(allocation),
                "score": explain.score(allocation.score),
                "reasons": (
                    explain.reasons(explained.components, explained.distance_km)
                    if explained
                    else []
                ),
                "candidates": [(c, name(c), explain.score(c.score)) for c in ranked],
                "open": allocation.need.status in Need.OPEN_STATUSES,
            }
        )
    return rows


def _fairness_chart(fairness: list[dict]):
    if not fairness:
        return ""
    kinds = list(ProviderKind)
    return hbar_chart(
        [
            (row["name"], [Decimal(row["by_kind"].get(kind.value, 0)) for kind in kinds])
            for row in fairness
        ],
        [Series(str(kind.label), colour) for kind, colour in zip(kinds, KIND_COLOURS, strict=True)],
        title=_("Needs placed in each township, by kind of provider"),
        stacked=True,
        value_format=whole,
    )


def _detail_context(request, run: MatchingRun, refer_form: ReferForm | None = None) -> dict:
    page = keyset_page(request, selectors.run_allocations(request.user, run), per_page=PAGE_SIZE)
    fairness = selectors.run_fairness(run)
    can_refer = referring.can_refer(request.user)
    exclusions, exclusions_total = selectors.run_exclusions(run)
    return {
        "run": run,
        "summary": explain.run_summary(run),
        "gap": explain.percent(run.gap) if run.gap is not None else None,
        "score_scale": explain.SCORE_SCALE,
        "rows": _proposals(request, run, list(page.object_list)),
        "page_obj": page,
        "parts": run.parts.order_by("region__code"),
        "left_out": selectors.run_left_out(run),
        "exclusions": exclusions,
        "exclusions_total": exclusions_total,
        "fairness": fairness,
        "fairness_chart": _fairness_chart(fairness),
        "can_refer": can_refer,
        "refer_form": refer_form or (_refer_form(request, run) if can_refer else None),
    }


def _refer_form(request, run: MatchingRun, data=None) -> ReferForm:
    allocations = selectors.run_allocations(request.user, run)
    return ReferForm(
        data,
        need_ids=allocations.values_list("need_id", flat=True),
        townships=selectors.run_townships(request.user, run),
    )


@never_cache
@login_required
@require_GET
def run_detail(request, pk: int):
    run = _run_or_404(request, pk)
    return render(request, "matching_runs/run_detail.html", _detail_context(request, run))


def _referred_key(run: MatchingRun) -> str:
    return f"matching_runs:referred:{run.pk}"


@never_cache
@login_required
@require_POST
def run_refer(request, pk: int):
    """Send the suggestions staff chose as referrals, then show what was sent and what was not
    on a page of its own (a refresh shows it again and sends nothing)."""
    run = _run_or_404(request, pk)
    referring.require_refer_permission(by=request.user)
    form = _refer_form(request, run, request.POST)
    if not form.is_valid():
        context = _detail_context(request, run, refer_form=form)
        return render(request, "matching_runs/run_detail.html", context, status=400)
    try:
        outcome = referring.run_refer(
            run=run,
            by=request.user,
            need_ids=form.cleaned_data["need"],
            township=form.cleaned_data["township"],
        )
    except Refused as refused:
        messages.error(request, str(refused))
        return redirect("matching_runs:run-detail", run.pk)
    # Only keys and the reasons' words: the page reads the rest again, within the user's area.
    township = form.cleaned_data["township"]
    request.session[_referred_key(run)] = {
        "township": township.pk if township else None,
        "sent": [referral.pk for referral in outcome.sent],
        "refused": [
            [refusal.allocation.pk if refusal.allocation else None, refusal.reason]
            for refusal in outcome.refused
        ],
    }
    return redirect("matching_runs:run-referred", run.pk)


@never_cache
@login_required
@require_GET
def run_referred(request, pk: int):
    """What the last sending of this run's suggestions did, as the session kept it."""
    run = _run_or_404(request, pk)
    summary = request.session.get(_referred_key(run))
    if summary is None:
        return redirect("matching_runs:run-detail", run.pk)
    sent = list(
        Referral.objects.for_user(request.user)
        .filter(pk__in=summary["sent"])
        .select_related("need__household", "need__category", "provider")
        .order_by("need_id")
    )
    allocations = selectors.run_allocations(request.user, run).in_bulk(
        [pk for pk, _reason in summary["refused"] if pk is not None]
    )
    names = selectors.provider_names(list(allocations.values()))
    refused = []
    for allocation_pk, reason in summary["refused"]:
        allocation = allocations.get(allocation_pk)
        refused.append(
            {
                "allocation": allocation,
                "provider": names.get((allocation.provider_kind, allocation.provider_id), "")
                if allocation
                else "",
                "reason": reason,
            }
        )
    township = summary["township"]
    return render(
        request,
        "matching_runs/run_referred.html",
        {
            "run": run,
            "township": Region.objects.filter(pk=township).first() if township else None,
            "sent": sent,
            "refused": refused,
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
        {
            "run": run,
            "scope": scope_for(request.user),
            "summary": explain.run_summary(run),
            "gap": explain.percent(run.gap) if run.gap is not None else None,
        },
    )
