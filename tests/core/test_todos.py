"""The to-do list's contract: sources registered by the apps, their order, and the grouping of
many similar items into one counted line."""

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from bangfu.core import todos
from bangfu.core.todos import Todo, each_or_grouped, todos_for
from bangfu.regions.models import Region
from tests.core.todo_reference import one_part_at_a_time
from tests.factories import RegionFactory, UserFactory

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def days(n: float) -> dt.datetime:
    return NOW + dt.timedelta(days=n)


@pytest.fixture
def sources(monkeypatch):
    """An empty registry for the test's own sources."""
    registered: list = []
    monkeypatch.setattr(todos, "SOURCES", registered)
    return registered


def test_every_app_with_work_registers_its_sources():
    names = {f"{source.__module__}.{source.__name__}" for source in todos.SOURCES}
    assert {
        "bangfu.referrals.todos.cases_without_referral",
        "bangfu.referrals.todos.referrals_to_answer_or_serve",
        "bangfu.discovery.todos.visits_and_verifications",
        "bangfu.offers.todos.approvals",
        "bangfu.procurement.todos.projects_to_approve",
        "bangfu.procurement.todos.filings_to_answer",
    } <= names


@pytest.mark.django_db
def test_urgent_first_then_the_longest_overdue_then_the_soonest_due(sources):
    user = UserFactory()
    routine_late = Todo(group="A", title="late", url="/a", due_at=days(-3))
    routine_later = Todo(group="A", title="later", url="/b", due_at=days(-1))
    undated = Todo(group="B", title="whenever", url="/c")
    soon = Todo(group="B", title="soon", url="/d", due_at=days(2))
    urgent = Todo(group="C", title="urgent", url="/e", due_at=days(1), urgent=True)
    todos.register(lambda user, now: [soon, undated, routine_later])
    todos.register(lambda user, now: [urgent, routine_late])

    assert todos_for(user, NOW) == [urgent, routine_late, routine_later, soon, undated]


@pytest.mark.django_db
def test_sources_are_asked_for_the_user_and_the_moment(sources):
    user = UserFactory()
    asked = []
    todos.register(lambda who, now: asked.append((who, now)) or [])

    todos_for(user, NOW)

    assert asked == [(user, NOW)]


def test_anonymous_visitors_have_no_list(sources):
    from django.contrib.auth.models import AnonymousUser

    todos.register(lambda user, now: [Todo(group="A", title="x", url="/")])

    assert todos_for(AnonymousUser(), NOW) == []


def _regions(n: int):
    for number in range(n):
        RegionFactory(code=f"{number + 11}", name=f"省T{number}")
    return Region.objects.filter(name__startswith="省T").order_by("code")


def _each(region) -> Todo:
    return Todo(
        group="Regions",
        title=region.name,
        url=f"/r/{region.pk}",
        due_at=days(int(region.code) - 20),
        urgent=region.code == "11",
    )


GROUPED = Todo(group="Regions", title="Regions to look at", url="/r/")


def _grouped(code: str) -> Todo:
    """The grouped line, as due and as urgent as the region of ``code`` would be."""
    lead = _each(Region(code=code))
    return replace(GROUPED, due_at=lead.due_at, urgent=lead.urgent)


ONE_PART = [(Q(), _grouped)]


@pytest.mark.django_db
def test_a_few_items_are_listed_one_by_one(django_assert_num_queries):
    rows = _regions(todos.EACH_UP_TO)

    with django_assert_num_queries(1):
        listed = each_or_grouped(rows, each=_each, parts=ONE_PART, first="code")

    assert [todo.title for todo in listed] == [f"省T{n}" for n in range(todos.EACH_UP_TO)]


@pytest.mark.django_db
def test_more_become_one_line_with_their_count_as_pressing_as_the_first(
    django_assert_num_queries,
):
    rows = _regions(todos.EACH_UP_TO + 7)

    with django_assert_num_queries(2):
        grouped = each_or_grouped(rows, each=_each, parts=ONE_PART, first="code")

    assert grouped == [
        Todo(
            group="Regions",
            title="Regions to look at",
            url="/r/",
            due_at=days(-9),
            urgent=True,
            count=todos.EACH_UP_TO + 7,
        )
    ]


# Regions 11-22 and 30-31 (12 and 2 rows: one part grouped, one listed), 40-41 (listed), none
# in the 50s: four parts.
PARTS = [
    (Q(code__startswith="1") | Q(code__startswith="2"), _grouped),
    (Q(code__startswith="3"), _grouped),
    (Q(code__startswith="4"), _grouped),
    (Q(code__startswith="5"), _grouped),
]


@pytest.fixture
def parted():
    for code in [*range(11, 23), 30, 31, 40, 41]:
        RegionFactory(code=str(code), name=f"省T{code}")
    return Region.objects.filter(name__startswith="省T").order_by("code")


@pytest.mark.django_db
def test_several_parts_are_counted_in_one_query_and_listed_in_one_more(
    parted, django_assert_num_queries
):
    with django_assert_num_queries(2):
        found = each_or_grouped(parted, each=_each, parts=PARTS, first="code")

    assert found == one_part_at_a_time(parted, each=_each, parts=PARTS, first="code")
    assert [(todo.title, todo.count) for todo in found] == [
        ("Regions to look at", 12),
        *[(f"省T{code}", 1) for code in (30, 31, 40, 41)],
    ]


@pytest.mark.django_db
def test_parts_with_many_rows_read_none_of_them(parted, django_assert_num_queries):
    # Regions 11-16 and 17-22: six rows each, so each part is one counted line.
    many = [
        (Q(code__gte="11", code__lte="16"), _grouped),
        (Q(code__gte="17", code__lte="22"), _grouped),
    ]
    with django_assert_num_queries(1):
        found = each_or_grouped(parted, each=_each, parts=many, first="code")

    assert found == one_part_at_a_time(parted, each=_each, parts=many, first="code")
    assert [(todo.title, todo.count) for todo in found] == [("Regions to look at", 6)] * 2
    # Positive control: the part-at-a-time way reads the rows of each part, then counts them.
    with (
        pytest.raises(pytest.fail.Exception, match="Expected to perform 1 queries"),
        django_assert_num_queries(1),
    ):
        one_part_at_a_time(parted, each=_each, parts=many, first="code")
