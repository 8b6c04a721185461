"""The household list pages by key: "next" walks every household once, in order, while the
registry changes between clicks; cursors are opaque and checked; the count is bounded."""

import datetime as dt
from urllib.parse import parse_qs, urlencode

import pytest
from django.test import Client
from django.urls import reverse

from bangfu.core.keyset import CURSOR
from bangfu.registry.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.postgres

LIST_URL = reverse("registry:household-list")


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr("bangfu.registry.views.PAGE_SIZE", 4)


def _walk(client, params: dict, *, between=None) -> list[str]:
    """The registry numbers of every page reached by "next" (``between`` runs after page 1)."""
    seen, query, pages = [], urlencode(params), 0
    while True:
        response = client.get(f"{LIST_URL}?{query}")
        assert response.status_code == 200
        seen += [household.registry_number for household in response.context["households"]]
        pages += 1
        if pages == 1 and between:
            between()
        query = response.context["page_obj"].next_query
        if not query:
            return seen


def _in_list_order(sort: str) -> list[str]:
    """The list's order, said in Python: by registry number; or by next review, latest first,
    NULLs last, the primary key breaking ties."""
    households = list(Household.objects.all())
    if sort == "number":
        households.sort(key=lambda h: h.registry_number)
    else:
        households.sort(
            key=lambda h: (
                h.next_review_due is None,
                -(h.next_review_due or dt.date.min).toordinal(),
                h.pk,
            )
        )
    return [household.registry_number for household in households]


@pytest.fixture
def registry(county_a):
    """Eleven households; reviews on three dates (ties) and none for some (NULLs)."""
    _county, _town, village = county_a
    days = [dt.date(2027, 1, 1), dt.date(2027, 2, 1), None, dt.date(2027, 3, 1)]
    for number in range(10, 21):
        HouseholdFactory(
            region=village,
            registry_number=f"530428-{number:04d}",
            next_review_due=days[number % len(days)],
        )
    return village


@pytest.mark.parametrize(
    ("sort", "before", "after"),
    [
        # registry number: "0001" sorts before page 1's last row, "0099" after it.
        ("number", ("530428-0001", None), ("530428-0099", None)),
        # next review, latest first: a later date sorts before the cursor, none after it.
        ("-review", ("530428-0002", dt.date(2027, 12, 1)), ("530428-0098", None)),
    ],
)
def test_next_returns_each_household_once_in_order_while_households_are_added(
    staff_client, registry, sort, before, after
):
    expected_before = _in_list_order(sort)

    def add_two():
        for number, review in (before, after):
            HouseholdFactory(region=registry, registry_number=number, next_review_due=review)

    walked = _walk(staff_client, {"sort": sort}, between=add_two)

    # every household there at the start once, in order; the one added behind the reader is
    # not shown, the one added ahead of them is, at its place
    assert walked == [number for number in _in_list_order(sort) if number != before[0]]
    assert sorted(set(walked) - {after[0]}) == sorted(expected_before)
    assert len(walked) == len(set(walked))


def test_previous_returns_the_page_before(staff_client, registry):
    first = staff_client.get(LIST_URL, {"sort": "-review"})
    second = staff_client.get(f"{LIST_URL}?{first.context['page_obj'].next_query}")
    back = staff_client.get(f"{LIST_URL}?{second.context['page_obj'].previous_query}")

    assert list(back.context["households"]) == list(first.context["households"])
    assert second.context["households"][0] not in first.context["households"]


def test_a_tampered_or_stale_cursor_gives_the_first_page(staff_client, registry):
    first = staff_client.get(LIST_URL)
    next_query = first.context["page_obj"].next_query
    cursor = parse_qs(next_query)[CURSOR][0]
    tampered = cursor[:20] + ("A" if cursor[20] != "A" else "B") + cursor[21:]

    second = staff_client.get(LIST_URL, {CURSOR: cursor})  # positive control
    forged = staff_client.get(LIST_URL, {CURSOR: tampered})
    garbage = staff_client.get(LIST_URL, {CURSOR: "not a cursor"})
    other_sort = staff_client.get(LIST_URL, {CURSOR: cursor, "sort": "-number"})

    page_one = list(first.context["households"])
    assert list(second.context["households"]) != page_one
    for response in (forged, garbage):
        assert response.status_code == 200
        assert list(response.context["households"]) == page_one
    assert other_sort.context["households"][0].registry_number == "530428-0020"


def test_the_cursor_shows_no_sort_value(staff_client, registry):
    first = staff_client.get(LIST_URL)

    last = first.context["households"][-1]
    next_query = first.context["page_obj"].next_query
    assert CURSOR in next_query and last.registry_number not in next_query


def test_the_count_is_exact_up_to_the_limit_and_bounded_above_it(staff_client, registry, settings):
    settings.LIST_EXACT_COUNT_LIMIT = 20
    exact = staff_client.get(LIST_URL).content.decode()
    settings.LIST_EXACT_COUNT_LIMIT = 10
    bounded = staff_client.get(LIST_URL).content.decode()

    assert "11 households" in exact
    assert "10+ households" in bounded and "11 households" not in bounded


def test_walking_the_list_keeps_to_the_users_area(staff_client, outsider_staff, registry, county_b):
    _county, _town, village_b = county_b
    HouseholdFactory(region=village_b, registry_number="350502-0001")
    other = Client()
    other.force_login(outsider_staff)

    walked_a = _walk(staff_client, {"sort": "number"})
    walked_b = _walk(other, {"sort": "number"})

    assert "350502-0001" not in walked_a and len(walked_a) == 11
    assert walked_b == ["350502-0001"]  # positive control: B's staff see it
