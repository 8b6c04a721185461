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

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save

from bangfu.core.kept import next_slice, refresh_kept
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.referrals.models.intake import NO_URGENCY_RANK
from bangfu.referrals.selectors.order import current_due, urgency_rank
from bangfu.registry.models import Need

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
    """Read again the kept keys of the given cases (ids, or a queryset of their ids); returns
    the number of rows written."""
    return refresh_kept(IntakeCase.objects.all(), case_ids, order_expressions())


def refresh_for_needs(need_ids: Iterable[int]) -> int:
    """Read again the kept keys of the cases of the given needs (their urgency or priority
    changed); returns the number of rows written."""
    return refresh_kept(IntakeCase.objects.all(), need_ids, order_expressions(), by="need")


def desk_order_repair(*, batch_size: int = REPAIR_BATCH, after: int | None = None) -> int:
    """Check the kept keys of the next ``batch_size`` cases after the last one the previous run
    checked (``after``: after that primary key instead), and put right those that drifted;
    after the last case it starts again from the first. Returns the number of cases put right."""
    _rows, drifted = next_slice(
        IntakeCase.objects.all(),
        order_expressions(),
        cursor=REPAIR_CURSOR,
        batch_size=batch_size,
        after=after,
    )
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
