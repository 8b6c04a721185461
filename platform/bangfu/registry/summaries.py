"""What the household list shows and sorts by, kept on the household's own row: its number of
members, of open needs, and the highest priority among the open needs (``Household.
SUMMARY_FIELDS``).

Counted per row at read time, a province sorted by members or by priority counted every
household before it could show the first 25. Kept by the writes instead: a member or need
saved or deleted one at a time refreshes its household (the receivers below); the paths that
write in bulk (a ledger import, ``needs_reprioritise``, the demo's and the benchmark's builders)
call ``refresh_household_summaries`` with the households they touched. A path that forgets is
healed by ``summaries_repair``, which the tallies' refresh runs every ten minutes on the next
slice of the registry.
"""

from collections.abc import Iterable

from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save

from bangfu.core.kept import next_slice, refresh_kept
from bangfu.regions.models import Region, counties_of
from bangfu.registry.models import Household, Member, Need

# Households a repair checks per run (a run takes well under a second at this size).
REPAIR_BATCH = 20_000
# The cache key of the last household (primary key) the previous repair checked.
REPAIR_CURSOR = "registry:summaries-repair-after"


def _counted(rows: QuerySet) -> Coalesce:
    return Coalesce(
        Subquery(
            rows.filter(household=OuterRef("pk"))
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def summary_expressions() -> dict:
    """The summaries of the household of the outer query, as the members and needs stored now
    give them: the definitions both the refresh and the repair use."""
    open_needs = Need.objects.filter(household=OuterRef("pk"), status__in=Need.OPEN_STATUSES)
    return {
        "member_count": _counted(Member.objects.all()),
        "open_need_count": _counted(Need.objects.filter(status__in=Need.OPEN_STATUSES)),
        "top_open_priority": Subquery(
            open_needs.order_by().values("household").annotate(top=Max("priority")).values("top")
        ),
    }


def refresh_household_summaries(household_ids: Iterable[int] | QuerySet) -> int:
    """Recount the summaries of the given households (ids, or a queryset of their ids); returns
    the number of rows written."""
    return refresh_kept(Household.objects.all(), household_ids, summary_expressions())


def summaries_repair(*, batch_size: int = REPAIR_BATCH, after: int | None = None) -> int:
    """Check the summaries and the county (the household's, its members' and its needs') of
    the next ``batch_size`` households after the last one the previous run checked (``after``:
    after that primary key instead), and put right those that drifted; after the last
    household it starts again from the first. Returns the number of households put right."""
    rows, drifted = next_slice(
        Household.objects.all(),
        summary_expressions(),
        cursor=REPAIR_CURSOR,
        batch_size=batch_size,
        after=after,
        also=("region_id", "county_id"),
    )
    refresh_household_summaries(drifted)
    counties = counties_of(Region.objects.filter(pk__in={row[1] for row in rows}))
    moved: dict[int, list[int]] = {}
    for pk, region_id, county_id in rows:
        if counties[region_id].pk != county_id:
            moved.setdefault(counties[region_id].pk, []).append(pk)
    for county_id, pks in moved.items():
        Household.objects.filter(pk__in=pks).update(county_id=county_id)
    # Members and needs follow their household's county (``Household.save``); a path that
    # moved a household without them is put right here.
    if rows:
        first, last = rows[0][0], rows[-1][0]  # in key order
        for model in (Member, Need):
            model.objects.filter(household__gte=first, household__lte=last).exclude(
                county=F("household__county")
            ).update(
                county=Subquery(Household.objects.filter(pk=OuterRef("household")).values("county"))
            )
    return len(set(drifted) | {pk for pks in moved.values() for pk in pks})


def _household_of(instance) -> int | None:
    """The household of a member or need, unless the row was loaded without it (a bulk
    delete of ``only("pk")`` rows, whose caller refreshes the households itself)."""
    if "household_id" in instance.get_deferred_fields():
        return None
    return instance.household_id


def _member_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    # A member's count changes only when a member is added or moves to another household.
    if created or update_fields is None or "household" in update_fields:
        refresh_household_summaries([instance.household_id])


def _need_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or update_fields is None or {"household", "status", "priority"} & {*update_fields}:
        refresh_household_summaries([instance.household_id])


def _deleted(sender, instance, **kwargs) -> None:
    household_id = _household_of(instance)
    if household_id is not None:
        refresh_household_summaries([household_id])


def connect_receivers() -> None:
    """Keep the summaries on single-row saves and deletes (called from ``RegistryConfig.ready``)."""
    post_save.connect(_member_saved, sender=Member, dispatch_uid="summaries:member:save")
    post_save.connect(_need_saved, sender=Need, dispatch_uid="summaries:need:save")
    for model in (Member, Need):
        uid = f"summaries:{model._meta.label}:delete"
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
