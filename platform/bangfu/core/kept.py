"""Values kept on a row that other rows decide (a household's counts of members and needs, an
intake case's sort keys): written by an UPDATE from their one definition, so that a list reads
and sorts them from an index, and checked against that definition a slice of rows at a time,
so that a write path that forgot to refresh them is put right.

The definitions are query expressions of the outer row (``OuterRef("pk")``), one per kept
field; the app that keeps the values owns them (``registry.summaries``, ``referrals.desk_order``).
"""

from collections.abc import Iterable, Mapping

from django.core.cache import cache
from django.db.models import QuerySet

# Rows per UPDATE given a list of keys (SQLite takes at most 32,766 parameters).
REFRESH_CHUNK = 5000


def refresh_kept(rows: QuerySet, keys: Iterable[int] | QuerySet, values: Mapping, *, by="pk"):
    """Write ``values`` (field: expression) on the rows of ``rows`` whose ``by`` is in ``keys``
    (a list, or a queryset of keys), one UPDATE per ``REFRESH_CHUNK`` keys; returns the number
    of rows written."""
    lookup = f"{by}__in"
    if isinstance(keys, QuerySet):
        return rows.filter(**{lookup: keys}).update(**values)
    keys = sorted(set(keys))
    return sum(
        rows.filter(**{lookup: keys[start : start + REFRESH_CHUNK]}).update(**values)
        for start in range(0, len(keys), REFRESH_CHUNK)
    )


def next_slice(
    rows: QuerySet,
    values: Mapping,
    *,
    cursor: str,
    batch_size: int,
    after: int | None = None,
    also: tuple[str, ...] = (),
) -> tuple[list[tuple], list[int]]:
    """The next ``batch_size`` rows after the last one the previous call read (its key kept in
    the cache under ``cursor``; ``after``: after that key instead), from the first again once
    the last was read. Returns those rows as (key, *``also``) and the keys of the rows whose
    kept values differ from ``values`` read afresh."""
    if after is None:
        after = cache.get(cursor, 0)
    names = list(values)
    read = list(
        rows.filter(pk__gt=after)
        .order_by("pk")
        .annotate(**{f"fresh_{name}": value for name, value in values.items()})
        .values_list("pk", *also, *names, *(f"fresh_{name}" for name in names))[:batch_size]
    )
    cache.set(cursor, read[-1][0] if len(read) == batch_size else 0, timeout=None)
    start, width = 1 + len(also), len(names)
    drifted = [row[0] for row in read if row[start : start + width] != row[start + width :]]
    return [row[:start] for row in read], drifted
