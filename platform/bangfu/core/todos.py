"""What needs a user's action, gathered from every app: each app registers its sources in its own
``todos`` module (found by ``CoreConfig.ready``), a source saying what it asks of a user. The
landing page shows the list, so every role starts the day on what waits for it rather than on a
registry it would have to search.

A source answers only for the user it is given (through that app's ``for_user`` selectors) and
keeps to a handful of queries: many similar items become one line with a count and a link to the
filtered list, so the list stays readable at a county's volume."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from django.db.models import Case, Count, Min, Q, Value, When
from django.utils import timezone


@dataclass(frozen=True)
class Todo:
    group: str  # translated heading, e.g. "New help requests"
    title: str  # what to do; no more personal data than the role's lists show
    url: str  # the page where the action is done
    due_at: datetime | None = None
    urgent: bool = False
    count: int = 1  # a grouped line ("12 cases without a referral") may stand for many


# Up to this many similar items are listed one by one; more become one line with their count.
EACH_UP_TO = 5

Source = Callable[[object, datetime], Iterable[Todo]]

# A part's one line when it has many rows, given the least value of the field its rows are
# ordered by (None when they are not).
Grouped = Callable[[object], Todo]

SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source; usable as a decorator."""
    SOURCES.append(source)
    return source


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in the site's time zone: when a task due that day is due."""
    return timezone.make_aware(datetime.combine(day, time.max))


def _order(todo: Todo) -> tuple:
    # Urgent first; then by due date, the longest overdue first and the undated last.
    return (not todo.urgent, todo.due_at is None, todo.due_at or datetime.min)


def todos_for(user, now: datetime | None = None) -> list[Todo]:
    """Every source's to-dos for ``user``: urgent first, then most overdue, then due soonest."""
    if user is None or not user.is_authenticated:
        return []
    now = now or timezone.now()
    todos = [todo for source in SOURCES for todo in source(user, now)]
    return sorted(todos, key=_order)


def each_or_grouped(
    rows, *, each: Callable[[object], Todo], parts: Sequence[tuple[Q, Grouped]], first: str = ""
) -> list[Todo]:
    """The rows of each part of ``rows`` (a queryset ordered most pressing first, by ``first``
    when given; a part is the rows its condition selects), each as its own to-do while the part
    has few; beyond ``EACH_UP_TO``, the part's one grouped line (linking to the filtered list)
    with their count, made from the least value of ``first`` among them: what makes the most
    pressing one due.

    Two queries at most. One part: up to ``EACH_UP_TO + 1`` rows, then their count if there are
    more. Several (which do not overlap): one grouped count of every part, then the rows of the
    parts few enough to list, so parts with many rows read none."""
    if len(parts) == 1:
        ((where, grouped),) = parts
        rows = rows.filter(where)
        listed = list(rows[: EACH_UP_TO + 1])
        if len(listed) <= EACH_UP_TO:
            return [each(row) for row in listed]
        return [replace(grouped(getattr(listed[0], first) if first else None), count=rows.count())]
    # One CASE naming each row's part, grouped by: composing it costs a fraction of a filtered
    # count and a filtered least value per part.
    rows = rows.annotate(
        todo_part=Case(*(When(where, then=Value(index)) for index, (where, _) in enumerate(parts)))
    )
    tally = {
        row["todo_part"]: row
        for row in rows.order_by()
        .values("todo_part")
        .annotate(count=Count("pk"), **({"least": Min(first)} if first else {}))
    }
    # Rows of no part are counted under None, and never listed.
    few = [
        index for index, row in tally.items() if index is not None and row["count"] <= EACH_UP_TO
    ]
    shown = defaultdict(list)
    if few:
        for row in rows.filter(todo_part__in=few):
            shown[row.todo_part].append(row)
    found = []
    for index, (_, grouped) in enumerate(parts):
        count = tally.get(index, {}).get("count", 0)
        if count > EACH_UP_TO:
            found.append(replace(grouped(tally[index].get("least")), count=count))
        else:
            found += [each(row) for row in shown[index]]
    return found
