"""Reads of matching runs, scoped: a run belongs to its region, its results to their needs."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.matching_runs.adapter import REASONS
from bangfu.matching_runs.models import Allocation, MatchingRun, ProviderKind, RankedCandidate
from bangfu.regions.models import Region, within_any


def can_read_runs(user) -> bool:
    """Matching runs are the bureau's tool: its staff, managers and auditors."""
    scope = scope_for(user)
    return scope.everything or bool(scope.region_paths)


def require_runs_access(user) -> None:
    if not can_read_runs(user):
        raise PermissionDenied(_("Matching runs are for civil-affairs bureau staff."))


def _region_q(user, lookup: str) -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return within_any(scope.region_paths, lookup)


def run_list(user) -> QuerySet[MatchingRun]:
    return (
        MatchingRun.objects.filter(_region_q(user, "region"), parent=None)
        .select_related("region", "requested_by")
        .order_by("-created_at", "-pk")
    )


def run_get(user, pk: int) -> MatchingRun:
    return MatchingRun.objects.filter(_region_q(user, "region")).select_related("region").get(pk=pk)


def run_regions(user) -> QuerySet[Region]:
    """Regions a user may run the engine for: theirs and below, down to townships."""
    return Region.objects.filter(_region_q(user, ""), level__lte=Region.Level.TOWNSHIP)


def run_allocations(user, run: MatchingRun) -> QuerySet[Allocation]:
    return (
        Allocation.objects.for_user(user)
        .filter(Q(run=run) | Q(run__parent=run))
        .select_related("need__category", "need__household__region")
        .order_by("-priority", "need_id")
    )


def run_candidates(user, run: MatchingRun, need_ids) -> QuerySet[RankedCandidate]:
    return (
        RankedCandidate.objects.for_user(user)
        .filter(Q(run=run) | Q(run__parent=run), need_id__in=need_ids)
        .order_by("need_id", "rank")
    )


# The page that corrects each kind of object a left-out row names (``adapter.LeftOut.fix``):
# the registry's own forms for households and needs, the admin for configuration.
FIX_PAGES = {
    "household": "registry:household-update",
    "need": "registry:need-update",
    "region": "admin:regions_region_change",
    "station": "admin:providers_station_change",
    "volunteer": "admin:providers_volunteer_change",
    "project": "admin:procurement_project_change",
    "offer": "admin:offers_offer_change",
}


def fix_url(entry: dict) -> str:
    return reverse(FIX_PAGES[entry["fix"]], args=[entry["fix_pk"]])


def left_out_message(entry: dict) -> str:
    """Why a row was left out, in the reader's language."""
    return str(REASONS[entry["reason"]]) % entry["values"]


def run_left_out(run: MatchingRun) -> list[dict]:
    """The rows the run left out, each with its reason and the page that corrects it."""
    return [
        {
            **entry,
            "kind_label": "" if entry["kind"] == "need" else ProviderKind(entry["kind"]).label,
            "message": left_out_message(entry),
            "fix_url": fix_url(entry),
        }
        for entry in run.left_out
    ]
