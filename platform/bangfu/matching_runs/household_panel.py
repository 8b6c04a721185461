"""The household page's chain of help (一户一条救助链): what the latest finished allocation run
suggested for each of the household's needs, and whether one provider serves them all.

Registered with the registry (``registry.hooks.household_panels``). A run is the county's (or
the city's): the panel shows only a run the user may open, and its suggestions within the
user's area; a user who may not read runs, or whose area holds no run over the household,
sees no panel.
"""

from __future__ import annotations

from bangfu.matching_runs import selectors
from bangfu.matching_runs.models import MatchingRun
from bangfu.regions.models import path_and_above

PANEL_TEMPLATE = "matching_runs/includes/household_chain.html"


def latest_run(user, household) -> MatchingRun | None:
    """The user's latest finished allocation run over the household's area (its county, its
    city …), a run split by county included; None when there is none."""
    return (
        selectors.run_list(user)
        .filter(
            status=MatchingRun.Status.DONE,
            kind__in=[MatchingRun.Kind.ALLOCATE, MatchingRun.Kind.PROVINCE],
            region__path__in=path_and_above(household.region.path),
        )
        .order_by("-finished_at", "-pk")
        # What the panel names: not the run's parameters, results and left-out rows.
        .select_related(None)
        .select_related("region")
        .only("finished_at", "household_bundles", "region__name")
        .first()
    )


def household_chain_panel(household, user) -> tuple[str, dict] | None:
    """Each need of the household the run took up, with the provider it suggests (or none
    when no place was left), and the distinct providers among them."""
    if not selectors.can_read_runs(user):
        return None
    run = latest_run(user, household)
    if run is None:
        return None
    # The needs come from the household's own read: the allocations without theirs.
    allocations = {
        allocation.need_id: allocation
        for allocation in selectors.run_allocations(user, run)
        .filter(need__household=household)
        .select_related(None)
    }
    # The category of each need is named in the panel: the household page read the needs
    # with it (``registry.selectors.household_detail``).
    prefetched = "needs" in getattr(household, "_prefetched_objects_cache", {})
    needs = household.needs.all() if prefetched else household.needs.select_related("category")
    needs = {need.pk: need for need in needs}
    ranked = set(selectors.run_candidates(user, run, needs).values_list("need_id", flat=True))
    if not allocations and not ranked:
        return None
    names = selectors.provider_names(allocations.values())
    rows = [
        {
            "need": need,
            "allocation": allocations.get(pk),
            "provider": (
                names.get((allocations[pk].provider_kind, allocations[pk].provider_id), "")
                if pk in allocations
                else ""
            ),
        }
        for pk, need in sorted(needs.items())
        if pk in allocations or pk in ranked
    ]
    providers = {(a.provider_kind, a.provider_id) for a in allocations.values()}
    return PANEL_TEMPLATE, {
        "run": run,
        "rows": rows,
        "placed": len(allocations),
        "providers": len(providers),
        "one_provider": len(allocations) >= 2 and len(providers) == 1,
    }
