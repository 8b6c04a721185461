"""What needs a user's action, gathered from every app: each app registers its sources in its own
``todos`` module (found by ``CoreConfig.ready``), a source saying what it asks of a user. The
landing page shows the list, so every role starts the day on what waits for it rather than on a
registry it would have to search.

A source answers only for the user it is given (through that app's ``for_user`` selectors) and
keeps to a handful of queries: many similar items become one line with a count and a link to the
filtered list, so the list stays readable at a county's volume."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time

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


def each_or_grouped(rows, *, each: Callable[[object], Todo], grouped: Todo) -> list[Todo]:
    """Each row of ``rows`` (a queryset ordered most pressing first) as its own to-do while
    there are few; beyond ``EACH_UP_TO``, the one line ``grouped`` (linking to the filtered list)
    with their count, as due and as urgent as the most pressing of them. Two queries at most."""
    first = list(rows[: EACH_UP_TO + 1])
    if len(first) <= EACH_UP_TO:
        return [each(row) for row in first]
    lead = each(first[0])
    return [replace(grouped, count=rows.count(), due_at=lead.due_at, urgent=lead.urgent)]
