"""What the desk's lists of cases sort by, kept on the case's own row: the urgency of its need
(``urgency_rank``), the need's priority (``need_priority``) and the deadline its live referral
waits on (``due_at``), ``IntakeCase.ORDER_FIELDS``.

Read through the need and the referrals, a province's desk joined every referred case of its
area to its need and its live referral, and sorted them all, before it could show the first
100. Kept by the writes instead, the lists read their first rows from an index in their order
(migration ``0013_desk_order``). The referral services refresh the case whose status, need or
live referral they change; a need saved one at a time refreshes its cases (the receiver below),
and the registry's bulk reprioritising (``needs_reprioritise``, which ``need_update`` runs too)
calls ``registry.hooks.on_needs_reprioritised``, to which this app adds ``refresh_for_needs``.
A path that forgets is healed by ``desk_order_repair``, which beat runs every ten minutes on the
next slice of cases, as the household summaries are (``registry.summaries``).
"""

from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save

from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.models.intake import NO_URGENCY_RANK
from bangfu.referrals.selectors.order import current_due, urgency_rank
from bangfu.registry.models import Need

# Cases per UPDATE of a refresh given a list (SQLite takes at most 32,766 parameters).
REFRESH_CHUNK = 5000
# Cases a repair checks per run.
REPAIR_BATCH = 20_000
# The cache key of the last case (primary key) the previous repair checked.
REPAIR_CURSOR = "referrals:desk-order-repair-after"


def order_expressions() -> dict:
    """The kept keys of the case of the outer query, as its need and referrals stored now give
    them: the definitions both the refresh and the repair use."""
    need = Need.objects.filter(pk=OuterRef("need_id")).order_by()
    live = Referral.objects.live().filter(intake=OuterRef("pk")).order_by()
    return {
        "urgency_rank": Coalesce(
            Subquery(need.annotate(rank=urgency_rank()).values("rank"), IntegerField()),
            NO_URGENCY_RANK,
        ),
        "need_priority": Subquery(need.values("priority")),
        "due_at": Subquery(live.annotate(due=current_due()).values("due")[:1]),
    }


def refresh_desk_order(case_ids: Iterable[int] | QuerySet) -> int:
    """Read again the kept keys of the given cases (ids, or a queryset of their ids), in one
    UPDATE per ``REFRESH_CHUNK`` cases; returns the number of rows written."""
    if isinstance(case_ids, QuerySet):
        return IntakeCase.objects.filter(pk__in=case_ids).update(**order_expressions())
    ids = sorted(set(case_ids))
    return sum(
        IntakeCase.objects.filter(pk__in=ids[start : start + REFRESH_CHUNK]).update(
            **order_expressions()
        )
        for start in range(0, len(ids), REFRESH_CHUNK)
    )


def refresh_for_needs(need_ids: Iterable[int]) -> int:
    """Read again the kept keys of the cases of the given needs (their urgency or priority
    changed); returns the number of rows written."""
    ids = sorted(set(need_ids))
    return sum(
        IntakeCase.objects.filter(need__in=ids[start : start + REFRESH_CHUNK]).update(
            **order_expressions()
        )
        for start in range(0, len(ids), REFRESH_CHUNK)
    )


def desk_order_repair(*, batch_size: int = REPAIR_BATCH, after: int | None = None) -> int:
    """Check the kept keys of the next ``batch_size`` cases after the last one the previous run
    checked (``after``: after that primary key instead), and put right those that drifted;
    after the last case it starts again from the first. Returns the number of cases put right."""
    if after is None:
        after = cache.get(REPAIR_CURSOR, 0)
    names = IntakeCase.ORDER_FIELDS
    rows = list(
        IntakeCase.objects.filter(pk__gt=after)
        .order_by("pk")
        .annotate(**{f"read_{name}": value for name, value in order_expressions().items()})
        .values_list("pk", *names, *(f"read_{name}" for name in names))[:batch_size]
    )
    cache.set(REPAIR_CURSOR, rows[-1][0] if len(rows) == batch_size else 0, timeout=None)
    width = len(names)
    drifted = [row[0] for row in rows if row[1 : 1 + width] != row[1 + width :]]
    refresh_desk_order(drifted)
    return len(drifted)


def _need_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    # A new need has no case yet; a need's other fields do not order the desk.
    if kwargs.get("raw") or created:
        return
    if update_fields is None or {"urgency", "priority"} & {*update_fields}:
        refresh_for_needs([instance.pk])


def connect_receivers() -> None:
    """Keep the keys on single-row saves of a need (called from ``ReferralsConfig.ready``)."""
    post_save.connect(_need_saved, sender=Need, dispatch_uid="desk-order:need:save")
