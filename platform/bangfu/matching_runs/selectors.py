"""Reads of matching runs, scoped: a run belongs to its region, its results to their needs."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.matching_runs.adapter import REASONS
from bangfu.matching_runs.explain import percent
from bangfu.matching_runs.models import Allocation, MatchingRun, ProviderKind, RankedCandidate
from bangfu.offers.models import Offer
from bangfu.procurement.models import CatalogueItem
from bangfu.providers.models import Provider
from bangfu.referrals import selectors as referral_selectors
from bangfu.referrals.exclusions import Exclusion
from bangfu.regions.models import Region, within_any
from bangfu.registry.models import Need, ServiceCategory
from bangfu.registry.timeline import category_name


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


def run_exclusions(run: MatchingRun, *, limit: int = 100) -> tuple[list[dict], int]:
    """The providers the run kept from needs by a named rule (the desk's rules: declined, or
    closed as unreachable or failed within the policy window), the first ``limit`` of them
    with the need, the provider and why; and how many there were."""
    shown = [Exclusion.from_dict(entry) for entry in run.exclusions[:limit]]
    needs = Need.objects.select_related("household", "category").in_bulk(
        {exclusion.need_id for exclusion in shown}
    )
    names = dict(
        Provider.objects.filter(pk__in={e.provider_id for e in shown}).values_list("pk", "name")
    )
    rows = []
    for exclusion in shown:
        need = needs.get(exclusion.need_id)
        rows.append(
            {
                "household": need.household.registry_number if need else "",
                "category": category_name(need.category) if need else "",
                "provider": names.get(exclusion.provider_id, ""),
                "message": exclusion.message(),
            }
        )
    return rows, len(run.exclusions)


def candidate_counts(user, run: MatchingRun, allocations) -> dict[int, int]:
    """Per need (pk) of the allocations, how many candidates the run ranked for it."""
    rows = (
        run_candidates(user, run, {a.need_id for a in allocations})
        .order_by()
        .values("need_id")
        .annotate(n=Count("pk"))
        .values_list("need_id", "n")
    )
    return dict(rows)


def candidate_ranks(user, run: MatchingRun, allocations) -> dict[int, int]:
    """Per allocation (pk), the rank the engine gave its provider among the need's candidates;
    absent when it was not among the candidates kept."""
    wanted = {(a.need_id, a.provider_kind, a.provider_id): a.pk for a in allocations}
    found = {}
    rows = run_candidates(user, run, {need for need, _kind, _pk in wanted}).values_list(
        "need_id", "provider_kind", "provider_id", "rank"
    )
    for need, kind, pk, rank in rows:
        allocation = wanted.get((need, kind, pk))
        if allocation is not None:
            found.setdefault(allocation, rank)
    return found


def provider_names(rows) -> dict[tuple[str, int], str]:
    """The name of each proposed provider, by (kind, provider id), in two queries: stations,
    volunteers and procured projects by their ``Provider`` row, charity offers by the offer and
    its charity (as the engine names them)."""
    rows = list(rows)
    offers = {row.provider_id for row in rows if row.provider_kind == ProviderKind.OFFER}
    others = {row.provider_id for row in rows if row.provider_kind != ProviderKind.OFFER}
    names = {
        (kind, pk): name
        for pk, name in referral_selectors.provider_names(others).items()
        for kind in ProviderKind.values
        if kind != ProviderKind.OFFER
    }
    for offer in Offer.objects.filter(pk__in=offers).select_related("charity"):
        names[ProviderKind.OFFER, offer.pk] = f"{offer.title} · {offer.charity.name}"
    return names


def run_townships(user, run: MatchingRun) -> QuerySet[Region]:
    """The townships of the needs the run proposes a provider for, within the user's area."""
    villages = run_allocations(user, run).values("need__household__region__parent")
    return Region.objects.filter(
        Q(pk__in=villages) | Q(pk__in=run_allocations(user, run).values("need__household__region")),
        level=Region.Level.TOWNSHIP,
    ).order_by("code")


def _catalogue_links(category_ids) -> dict[int, str]:
    """For each service category, the catalogue item that buys it (the first, by name)."""
    links = {}
    items = CatalogueItem.objects.filter(is_active=True, category_id__in=set(category_ids))
    for pk, category in items.order_by("name", "pk").values_list("pk", "category_id"):
        links.setdefault(category, f"{reverse('procurement:catalogue')}#item-{pk}")
    return links


def _signed_percent(value: float, baseline: float) -> str | None:
    """The value's change over the baseline, signed (+12.5%); None without a baseline."""
    if not baseline:
        return None
    change = (value - baseline) / baseline
    return f"+{percent(change)}" if change > 0 else percent(change)


def run_fairness(run: MatchingRun) -> list[dict]:
    """The run's fairness report (``bangfu.matching_runs.fairness``) as the rows of its table,
    one per township: names for codes, the gain over first come, first served, each provider
    kind's share of the needs served, and the needs nobody can serve by category, each with the
    catalogue item that would buy the service. Figures only: no person is named."""
    townships = (run.fairness or {}).get("townships", [])
    codes = [row["code"] for row in townships]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    category_ids = {int(pk) for row in townships for pk in row["no_candidate"]}
    categories = {
        category.pk: category_name(category)
        for category in ServiceCategory.objects.filter(pk__in=category_ids)
    }
    links = _catalogue_links(category_ids)
    rows = []
    for row in townships:
        served = row["served"]
        rows.append(
            {
                **row,
                "name": names.get(row["code"], row["code"]),
                "gain_served": served - row["fcfs_served"],
                "gain_protected": row["protected_served"] - row["fcfs_protected_served"],
                "gain_value_text": _signed_percent(row["value"], row["fcfs_value"]),
                "kinds": [
                    (ProviderKind(kind).label, n, percent(n / served))
                    for kind, n in row["by_kind"].items()
                    if n
                ],
                "unmet": [
                    (categories.get(int(pk), pk), n, links.get(int(pk)))
                    for pk, n in row["no_candidate"].items()
                ],
            }
        )
    return rows
