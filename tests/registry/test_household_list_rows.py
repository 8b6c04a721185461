"""The household list and the people search read plain rows: the markup the model objects
rendered, and no model object (nor query) per row."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from bangfu.core.masking import mask_phone
from bangfu.regions.models import Region
from bangfu.registry import selectors
from bangfu.registry.models import Household, Member
from tests.factories import HouseholdFactory, MemberFactory, make_id_number
from tests.sql import reads

pytestmark = pytest.mark.django_db

LIST_URL = reverse("registry:household-list")
SEARCH_URL = reverse("registry:search")
# The rows as the pages rendered them from the model objects before they read plain rows.
FIXTURES = Path(__file__).parent
LIST_OBJECT_ROWS = (FIXTURES / "household_object_rows.html").read_text()
SEARCH_OBJECT_ROWS = (FIXTURES / "search_object_rows.html").read_text()

ROW_MODELS = (Household, Member, Region)


def person(household, name: str, relation, seq: int, **fields) -> Member:
    birth = dt.date(1940 + seq % 60, 1 + seq % 12, 1 + seq % 28)
    return MemberFactory(
        household=household,
        name=name,
        relation=relation,
        id_number=make_id_number(birth=birth, seq=seq),
        **fields,
    )


@pytest.fixture
def households(county_a):
    """A page of every kind of row: with and without members, a head that is not the first in
    the members' order, no head at all, exited and suspended, a review overdue and none due, no
    open need, a phone; keyed by registry number."""
    _county, _town, village = county_a
    today = timezone.localdate()

    def household(number: str, **fields) -> Household:
        return HouseholdFactory(region=village, registry_number=f"530428-{number}", **fields)

    made = {
        "head-only": household("00001", phone="13987654321"),
        "child-first": household(
            "00002", tier="tekun", next_review_due=today - dt.timedelta(days=3)
        ),
        "no-head": household("00003", status=Household.Status.EXITED),
        "empty": household("00004", status=Household.Status.SUSPENDED),
        "priority": household("00005", next_review_due=today + dt.timedelta(days=30)),
    }
    person(made["head-only"], "杨桂仙", Member.Relation.HEAD, 1)
    # "child" comes before "head" in the members' order: the head is still the head.
    person(made["child-first"], "杨小红", Member.Relation.CHILD, 2)
    person(made["child-first"], "欧阳晓明", Member.Relation.HEAD, 3)
    person(made["no-head"], "杨丽", Member.Relation.GRANDCHILD, 4)
    person(made["no-head"], "王芳", Member.Relation.CHILD, 5)
    person(made["priority"], "李文杰", Member.Relation.HEAD, 6)
    # The summaries as the writes of needs leave them (``registry.summaries``).
    Household.objects.filter(pk=made["priority"].pk).update(
        open_need_count=2, top_open_priority=Decimal("57.50")
    )
    Household.objects.filter(pk=made["child-first"].pk).update(
        open_need_count=1, top_open_priority=Decimal("40")
    )
    return made


def tbody(page: str) -> str:
    (rows,) = re.findall(r"<tbody>\n(.*?)  </tbody>", page, re.S)
    return rows


def render(template: str, context: dict) -> str:
    """The rows of a fixture, less the line of its labels (which renders empty)."""
    labels, rows = Template(template).render(Context(context)).split("\n", 1)
    assert labels == ""
    return rows


def list_object_rows(user, page: str) -> str:
    """The list's rows rendered from model objects as the page did before, in the page's order."""
    by_number = {
        household.registry_number: household
        for household in selectors.household_list(user).filter(region__code__startswith="530428")
    }
    numbers = re.findall(r'/">(530428-\d+)</a>', page)
    households = [by_number[number] for number in numbers]
    return render(LIST_OBJECT_ROWS, {"households": households, "today": timezone.localdate()})


def test_the_list_shows_the_rows_the_model_objects_showed(staff_client, bureau_staff, households):
    page = staff_client.get(LIST_URL).content.decode()
    exited = staff_client.get(LIST_URL, {"status": "exited"}).content.decode()

    rows = tbody(page)
    assert rows.count("<tr>") == 4
    assert "欧**明" in rows and "杨*红" not in rows  # the head, not the first member
    assert "no members yet" in rows and "overdue" in rows and "57.50<" in rows and "40<" in rows
    assert rows == list_object_rows(bureau_staff, page)
    assert tbody(exited).count("<tr>") == 1
    assert "王*<br>" in tbody(exited)  # no head: the first in the members' order (a child)
    assert tbody(exited) == list_object_rows(bureau_staff, exited)


def test_a_list_cell_shown_otherwise_would_be_noticed(staff_client, bureau_staff, households):
    # the positive control of the one above: one cell of the object rows shown otherwise
    page = staff_client.get(LIST_URL).content.decode()
    objects = list_object_rows(bureau_staff, page)
    assert tbody(page) == objects
    assert tbody(page) != objects.replace("57.50<", "57.5<")


def search_object_rows(page: str, matched: dict, matched_on: str) -> str:
    """The search's rows rendered from model objects as the page did before, in the page's
    order; ``matched``: the member each household was found by, by registry number."""
    households = Household.objects.select_related("region__parent").prefetch_related("members")
    by_number = {household.registry_number: household for household in households}
    found = [
        (
            household,
            matched.get(number),
            matched_on,
            mask_phone(household.phone) if household.phone else "",
        )
        for number in re.findall(r'/">(530428-\d+)</a>', page)
        if (household := by_number[number])
    ]
    return render(SEARCH_OBJECT_ROWS, {"found": found})


def search(client, query: str) -> str:
    return client.post(SEARCH_URL, {"q": query}, follow=True).content.decode()


def found_by_name() -> dict:
    """The member each household is found by when searching for 杨."""
    members = Member.objects.filter(name__startswith="杨").select_related("household")
    return {member.household.registry_number: member for member in members}


def test_the_search_shows_the_rows_the_model_objects_showed(staff_client, households):
    by_name = search(staff_client, "杨")
    by_number = search(staff_client, "530428-0000")

    assert tbody(by_name).count("<tr>") == 3
    assert "杨*红<br>" in tbody(by_name)  # a member found who is not the head
    assert tbody(by_name) == search_object_rows(by_name, found_by_name(), "name")
    assert tbody(by_number).count("<tr>") == 5
    assert "138****4321" not in by_number and "139****4321" in by_number
    assert tbody(by_number) == search_object_rows(by_number, {}, "registry number")


def test_a_search_cell_shown_otherwise_would_be_noticed(staff_client, households):
    # the positive control of the one above: the head shown where the member found was
    page = search(staff_client, "杨")
    heads = {
        household.registry_number: household.head
        for household in Household.objects.prefetch_related("members")
    }
    assert tbody(page) == search_object_rows(page, found_by_name(), "name")
    assert tbody(page) != search_object_rows(page, heads, "name")


def more_households(county_a, count: int, start: int) -> None:
    _county, _town, village = county_a
    for n in range(start, start + count):
        household = HouseholdFactory(region=village, registry_number=f"530428-1{n:04d}")
        person(household, "杨建国", Member.Relation.CHILD, 100 + n)
        person(household, "张秀英", Member.Relation.HEAD, 200 + n)


def test_the_pages_read_as_often_and_build_no_object_per_row_at_any_size(staff_client, county_a):
    pages = {
        "list": lambda: staff_client.get(LIST_URL),
        "search": lambda: search(staff_client, "杨"),
    }
    more_households(county_a, 5, 0)
    few = {name: reads(ROW_MODELS, fetch) for name, fetch in pages.items()}
    more_households(county_a, 20, 5)
    many = {name: reads(ROW_MODELS, fetch) for name, fetch in pages.items()}

    assert staff_client.get(LIST_URL).content.decode().count("张*英") == 25
    assert search(staff_client, "杨").count("杨*国") == 25
    assert many == few
    # the regions of the user's area, read by the scope and the filters, not one per row
    assert few["list"][1] <= 5 and few["search"][1] <= 2


def test_rows_read_per_row_would_be_noticed(staff_client, bureau_staff, county_a):
    # the positive control of the one above: heads read without the prefetch, and the objects
    # the list read before, grow with the rows
    def per_row():
        households = selectors.households_for(bureau_staff)
        return [household.head for household in households]

    def as_objects():
        return [household.head for household in selectors.household_list(bureau_staff)[:25]]

    more_households(county_a, 5, 0)
    few = reads(ROW_MODELS, per_row)[0], reads(ROW_MODELS, as_objects)[1]
    more_households(county_a, 20, 5)
    many = reads(ROW_MODELS, per_row)[0], reads(ROW_MODELS, as_objects)[1]
    assert many[0] == few[0] + 20
    assert many[1] >= few[1] + 20 * 4
