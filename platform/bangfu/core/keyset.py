"""Pages of a staff list by key ("seek"), not by OFFSET, with a count bounded above a threshold.

A page is the rows after (or before) the last (first) row of the page the user came from, in
the list's own order with the primary key as the tiebreak: page 7 of a million rows costs what
page 1 costs, and a row added or removed between two clicks neither repeats nor skips a row.

The cursor in the link holds that row's sort values and primary key, encrypted and
authenticated with the field cipher (``bangfu.core.crypto``): a list sorted by a personal
column (a name, a date of birth) puts nothing readable in the URL, and a cursor changed by hand
does not decrypt. It also holds a digest of the list's filters and sort, so a cursor from
another list, another search or another sort is stale. A cursor that is tampered with or stale
gives the first page.

Why not django-cursor-pagination: it takes orderings as field names only (no annotations with
their NULLs placement, no ``Case``), compares every value as text (9 sorts after 10), and its
cursor is plain base64 of the values.
"""

import datetime as dt
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import Col

from bangfu.core import crypto

CURSOR = "cursor"
_AFTER, _BEFORE = "after", "before"


@dataclass(frozen=True)
class _Term:
    """One column of the order: an annotation of the page's queryset, its direction, and where
    NULLs go (None for a column that cannot be NULL)."""

    alias: str
    expression: object
    descending: bool
    nulls_last: bool | None

    def order(self) -> OrderBy:
        if self.nulls_last is None:
            return OrderBy(F(self.alias), descending=self.descending)
        placement = "nulls_last" if self.nulls_last else "nulls_first"
        return OrderBy(F(self.alias), descending=self.descending, **{placement: True})

    def reversed(self) -> "_Term":
        flipped = None if self.nulls_last is None else not self.nulls_last
        return _Term(self.alias, self.expression, not self.descending, flipped)

    def beyond(self, value) -> Q | None:
        """Rows that come after ``value`` in this column (None: no row)."""
        if value is None:
            return Q(**{f"{self.alias}__isnull": False}) if self.nulls_last is False else None
        after = Q(**{f"{self.alias}__{'lt' if self.descending else 'gt'}": value})
        return after | Q(**{f"{self.alias}__isnull": True}) if self.nulls_last else after

    def bound(self, value) -> Q:
        """The index range of the rows with a value after ``value`` (NULLs are left out)."""
        if value is None:
            return Q()
        return Q(**{f"{self.alias}__{'lte' if self.descending else 'gte'}": value})

    def equal(self, value) -> Q:
        return Q(**{f"{self.alias}__isnull": True} if value is None else {self.alias: value})


def _own_column(queryset: QuerySet, expression):
    """The field of the list's own table that ``expression`` names, if it names one (a column
    reached through a join may be NULL when the join finds no row, whatever its field says)."""
    if isinstance(expression, F) and LOOKUP_SEP not in expression.name:
        resolved = queryset.query.chain().resolve_ref(expression.name)
        if isinstance(resolved, Col):
            return resolved.target
    return None


def _terms(queryset: QuerySet) -> list[_Term]:
    """The queryset's order as terms, up to the first unique column (the primary key is added
    when the order has none)."""
    terms = []
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    for position, item in enumerate([*ordering, "pk"]):
        if isinstance(item, str):
            item = F(item[1:]).desc() if item.startswith("-") else F(item).asc()
        elif not isinstance(item, OrderBy):
            item = item.asc()
        field = _own_column(queryset, item.expression)
        nulls_last = None  # a column that cannot be NULL
        if field is None or field.null:
            # Explicit, so that SQLite orders as PostgreSQL does (NULLs above every value).
            nulls_last = item.nulls_last or (not item.nulls_first and not item.descending)
        terms.append(_Term(f"keyset_{position}", item.expression, item.descending, nulls_last))
        if field is not None and nulls_last is None and (field.primary_key or field.unique):
            break  # what follows a unique column never decides
    return terms


def _after(terms: list[_Term], values: list) -> list[Q]:
    """Rows strictly after ``values`` in the order of ``terms``, in one part or two, in order.

    The first column's range is stated on its own so that PostgreSQL reads it from the index.
    An index range cannot say "from here on, or NULL": when NULLs follow the cursor's value, they
    are a second part, read once the first runs out.
    """
    alternatives, equal = [], Q()
    for term, value in zip(terms, values, strict=True):
        beyond = term.beyond(value)
        if beyond is not None:
            alternatives.append(equal & beyond)
        equal &= term.equal(value)
    if not alternatives:
        return [Q(pk__in=[])]
    first, value = terms[0], values[0]
    with_values = first.bound(value) & reduce(or_, alternatives)
    if value is not None and first.nulls_last:
        return [with_values, Q(**{f"{first.alias}__isnull": True})]
    return [with_values]


def _encode(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _list_digest(request) -> str:
    query = request.GET.copy()
    query.pop(CURSOR, None)
    query.pop("page", None)
    text = f"{request.path}?{'&'.join(sorted(query.urlencode().split('&')))}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cursor(request, direction: str, values: list) -> str:
    payload = {"d": direction, "l": _list_digest(request), "v": [_encode(v) for v in values]}
    return crypto.encrypt(json.dumps(payload, separators=(",", ":")))


def _read_cursor(request, size: int) -> tuple[str, list] | None:
    token = request.GET.get(CURSOR, "")
    if not token:
        return None
    try:
        payload = json.loads(crypto.decrypt(token))
        direction, digest, values = payload["d"], payload["l"], payload["v"]
    except (ValueError, TypeError, KeyError):
        return None
    fits = direction in (_AFTER, _BEFORE) and isinstance(values, list) and len(values) == size
    return (direction, values) if fits and digest == _list_digest(request) else None


def count_up_to(queryset: QuerySet, limit: int) -> int:
    """The number of rows, counted up to ``limit + 1`` at most (a count above ``limit`` means
    "more than ``limit``"): ``SELECT count(*) FROM (SELECT … LIMIT limit + 1)``."""
    return queryset.order_by().values("pk")[: limit + 1].count()


@dataclass
class KeysetPage:
    """One page: its rows (model objects, or the dicts of a ``values()`` queryset), the query
    strings of the first, previous and next pages (empty when there is none), and the list's
    count (``count_exceeds``: more than ``count_limit``)."""

    object_list: list
    is_first: bool
    first_query: str
    previous_query: str
    next_query: str
    count: int
    count_limit: int

    @property
    def count_exceeds(self) -> bool:
        return self.count > self.count_limit

    @property
    def has_other_pages(self) -> bool:
        return bool(self.previous_query or self.next_query) or not self.is_first

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _value(row, alias: str):
    return row[alias] if isinstance(row, dict) else getattr(row, alias)


def _read(rows: QuerySet, walk: list[_Term], values, wanted: int, shown: str) -> list:
    """Up to ``wanted`` rows after ``values`` (None: from the start) in the order of ``walk``;
    with ``shown``, rows whose column ``shown`` is false are read past and left out."""
    found = []
    while len(found) < wanted:
        asked, read, last = wanted - len(found), 0, None
        for part in _after(walk, values) if values is not None else [Q()]:
            batch = list(rows.filter(part)[: asked - read])
            read += len(batch)
            last = batch[-1] if batch else last
            found += [row for row in batch if not shown or _value(row, shown)]
            if read == asked:
                break
        if read < asked or not shown:
            break  # the list ran out (or nothing was left out)
        values = [_value(last, term.alias) for term in walk]
    return found


def keyset_page(request, queryset: QuerySet, *, per_page: int, shown: str = "") -> KeysetPage:
    """The page of ``queryset`` (ordered as the list shows it) that the request's cursor names;
    the first page without a cursor or with one that is tampered with or stale.

    ``shown`` names a boolean column of ``queryset``: its rows where it is false are not the
    list's, neither shown nor counted. It is for a condition that PostgreSQL would misjudge in
    the query's WHERE (taking it for independent of another, when one nearly implies the
    other), and so sort every row the other condition finds for one page's few: asked in the
    SELECT list instead, it is checked on the rows read in the index's order."""
    terms = _terms(queryset)
    cursor = _read_cursor(request, len(terms))
    direction, values = cursor if cursor else (_AFTER, None)
    walk = terms if direction == _AFTER else [term.reversed() for term in terms]
    rows = queryset.annotate(**{term.alias: term.expression for term in terms}).order_by(
        *(term.order() for term in walk)
    )
    rows = _read(rows, walk, values, per_page + 1, shown)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if direction == _BEFORE:
        rows.reverse()
    has_previous = more if direction == _BEFORE else values is not None
    has_next = more if direction == _AFTER else values is not None

    def link(direction: str, row) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        query.pop(CURSOR, None)
        if direction:
            query[CURSOR] = _cursor(request, direction, [_value(row, t.alias) for t in terms])
        return query.urlencode()

    limit = settings.LIST_EXACT_COUNT_LIMIT
    return KeysetPage(
        object_list=rows,
        is_first=values is None,
        first_query=link("", None),
        previous_query=link(_BEFORE, rows[0]) if rows and has_previous else "",
        next_query=link(_AFTER, rows[-1]) if rows and has_next else "",
        count=count_up_to(queryset.filter(**{shown: True}) if shown else queryset, limit),
        count_limit=limit,
    )
