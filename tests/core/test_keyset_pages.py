"""Pages by key (bangfu.core.keyset) for any order a list uses: annotations, both directions,
NULLs first or last, ties broken by the primary key."""

import datetime as dt
import random

import pytest
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Right
from django.test import RequestFactory

from bangfu.core.keyset import CURSOR, count_up_to, keyset_page
from bangfu.registry.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.postgres

PATH = "/households/"


@pytest.fixture
def households(county_a):
    _county, _town, village = county_a
    chance = random.Random(7)
    for number in range(23):
        day = chance.choice([None, dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 3)])
        HouseholdFactory(region=village, registry_number=f"K-{number:03d}", next_review_due=day)
    return Household.objects.all()


def _get(query: str = "", path: str = PATH):
    return RequestFactory().get(f"{path}?{query}")


def _walk(queryset, link: str, query: str = "", shown: str = "") -> list[list[int]]:
    pages = []
    while True:
        page = keyset_page(_get(query), queryset, per_page=5, shown=shown)
        pages.append([household.pk for household in page])
        query = getattr(page, link)
        if not query:
            return pages


ORDERS = {
    "review, NULLs first": [F("next_review_due").asc(nulls_first=True)],
    "review descending, NULLs last": [F("next_review_due").desc(nulls_last=True), "-pk"],
    "annotation": ["-number_tail", "registry_number"],
}


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
def test_next_then_previous_walk_the_same_pages(households, order):
    queryset = households.annotate(number_tail=Right("registry_number", 1)).order_by(*order)
    expected = [household.pk for household in queryset.order_by(*order, "pk")]

    forward = _walk(queryset, "next_query")
    backward = _walk(queryset, "previous_query", _query_of_last(queryset))

    assert [pk for page in forward for pk in page] == expected
    assert [len(page) for page in forward] == [5, 5, 5, 5, 3]
    assert backward[::-1] == forward


def _query_of_last(queryset, shown: str = "") -> str:
    query = ""
    while True:
        page = keyset_page(_get(query), queryset, per_page=5, shown=shown)
        if not page.next_query:
            return query
        query = page.next_query


def test_a_cursor_of_another_list_is_stale(households):
    queryset = households.order_by("registry_number")
    second = keyset_page(_get(), queryset, per_page=5).next_query

    elsewhere = keyset_page(_get(second, path="/elsewhere/"), queryset, per_page=5)
    here = keyset_page(_get(second), queryset, per_page=5)

    assert elsewhere.object_list[0].registry_number == "K-000"
    assert here.object_list[0].registry_number == "K-005"  # positive control
    assert elsewhere.is_first and not here.is_first and CURSOR in here.previous_query


def test_the_count_stops_above_its_limit(households):
    assert count_up_to(households, 100) == 23
    assert count_up_to(households, 10) == 11


# Seven in a row (more than a page), one at a page's end, and the list's last.
HIDDEN = [f"K-{n:03d}" for n in (3, 4, 5, 6, 7, 8, 9, 14, 22)]


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
def test_rows_not_shown_are_read_past_on_every_page_and_not_counted(households, order):
    shown = ExpressionWrapper(~Q(registry_number__in=HIDDEN), output_field=BooleanField())
    queryset = households.annotate(number_tail=Right("registry_number", 1), listed=shown).order_by(
        *order
    )
    everything = [household.pk for household in queryset.order_by(*order, "pk")]
    hidden = set(households.filter(registry_number__in=HIDDEN).values_list("pk", flat=True))
    expected = [pk for pk in everything if pk not in hidden]

    forward = _walk(queryset, "next_query", shown="listed")
    backward = _walk(queryset, "previous_query", _query_of_last(queryset, "listed"), "listed")

    assert [pk for page in forward for pk in page] == expected
    assert [len(page) for page in forward] == [5, 5, 4]
    assert backward[::-1] == forward
    assert keyset_page(_get(), queryset, per_page=5, shown="listed").count == 14
    # positive control: without ``shown`` the same queryset lists and counts them all
    assert [pk for page in _walk(queryset, "next_query") for pk in page] == everything
    assert keyset_page(_get(), queryset, per_page=5).count == 23
