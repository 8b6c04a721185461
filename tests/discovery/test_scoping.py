"""Who sees what: assistants the warnings and tasks of their villages, bureau staff their
region, station staff, volunteers and charity staff nothing; another area's detail is a 404."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery.importing import import_crosscheck
from bangfu.discovery.models import CandidatePerson, Flag, Rule, Source, Task
from tests.discovery.conftest import MEDICAL, csv_upload, person_id
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
)
from tests.sql import joins

PAGES = ["dashboard", "flag-list", "task-list", "overdue", "standards"]


@pytest.fixture
def warnings_everywhere(place, bureau):
    """One medical warning in each of the three villages."""
    rows = [
        [person_id(), name, place[key].code, 2026, "50000"]
        for key, name in (
            ("village", "甲村人"),
            ("village_b", "乙村人"),
            ("other_village", "丙村人"),
        )
    ]
    report = import_crosscheck(
        csv_upload(MEDICAL, rows), source=Source.MEDICAL, filename="m.csv", by=bureau
    )
    assert report.flags_created == 3
    return {flag.candidate.name: flag for flag in Flag.objects.select_related("candidate")}


def names_on(client, page: str) -> set[str]:
    response = client.get(reverse(f"discovery:{page}"))
    assert response.status_code == 200
    items = response.context.get("flags") or response.context.get("tasks") or []
    return {(item.candidate.name) for item in items}


def test_every_queryset_is_scoped_by_village(
    place, bureau, assistant, other_assistant, warnings_everywhere
):
    assert Flag.objects.for_user(bureau).count() == 3
    assert {f.candidate.name for f in Flag.objects.for_user(assistant)} == {"甲村人", "乙村人"}
    assert {t.candidate.name for t in Task.objects.for_user(other_assistant)} == {"丙村人"}
    assert CandidatePerson.objects.for_user(other_assistant).count() == 1


def test_assistants_and_bureau_see_their_area_on_every_list(
    place, bureau, assistant, other_assistant, warnings_everywhere, client
):
    client.force_login(assistant)
    assert names_on(client, "task-list") == {"甲村人", "乙村人"}
    client.force_login(other_assistant)
    assert names_on(client, "task-list") == {"丙村人"}
    client.force_login(bureau)
    flags = client.get(reverse("discovery:flag-list")).context["flags"]
    assert {flag.candidate.name for flag in flags} == {"甲村人", "乙村人", "丙村人"}
    body = client.get(reverse("discovery:flag-list")).content.decode()
    assert "甲*人" in body and "甲村人" not in body  # names masked in lists


def test_details_outside_the_area_are_not_found(
    place, other_assistant, warnings_everywhere, client
):
    flag = warnings_everywhere["甲村人"]
    client.force_login(other_assistant)
    assert client.get(reverse("discovery:flag-detail", args=[flag.pk])).status_code == 404
    assert client.get(reverse("discovery:task-detail", args=[flag.task_id])).status_code == 404
    mine = warnings_everywhere["丙村人"]
    page = client.get(reverse("discovery:flag-detail", args=[mine.pk]))
    assert page.status_code == 200 and "丙村人" in page.content.decode()


def test_another_countys_bureau_sees_nothing(place, warnings_everywhere, client):
    *_above, county_b, _town, _village = region_chain("350502", "001", "001")
    bureau_b = UserFactory(username="bureau_b")
    member_of(
        bureau_b,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=county_b),
        Membership.Role.BUREAU_STAFF,
    )
    client.force_login(bureau_b)
    assert names_on(client, "flag-list") == set()
    for flag in warnings_everywhere.values():
        assert client.get(reverse("discovery:flag-detail", args=[flag.pk])).status_code == 404
    assert client.get(reverse("discovery:import")).context["imports"].count() == 0


def test_providers_and_charities_have_nothing_here(
    place, assistant, outsiders, warnings_everywhere, client
):
    for user in outsiders:
        client.force_login(user)
        for page in PAGES:
            assert client.get(reverse(f"discovery:{page}")).status_code == 403, (user, page)
        home = client.get(reverse("registry:household-list")).content.decode()
        assert reverse("discovery:dashboard") not in home
    client.force_login(assistant)
    home = client.get(reverse("registry:household-list")).content.decode()
    assert reverse("discovery:dashboard") in home


def test_the_warning_list_narrows_to_a_place_typed_by_code_within_the_area(
    place, bureau, assistant, warnings_everywhere, client
):
    """The place is typed (a province has a thousand townships), a township or a village; a
    place outside the user's area is refused, not searched."""
    client.force_login(bureau)
    url = reverse("discovery:flag-list")

    def listed(code: str) -> set[str]:
        response = client.get(url, {"place": code})
        return {flag.candidate.name for flag in response.context["flags"]}

    assert listed(place["town"].code) == {"甲村人", "乙村人"}
    assert listed(place["village_b"].code) == {"乙村人"}
    assert listed(place["other_village"].code) == {"丙村人"}
    page = client.get(url, {"filters": "1"}).content.decode()
    assert 'name="place"' in page and "<option" not in page.split('name="place"')[1][:200]
    # The assistant's villages are 201 and 202: township 102's village is not theirs to choose.
    client.force_login(assistant)
    response = client.get(url, {"place": place["other_village"].code})
    assert response.context["form"].errors["place"]
    assert listed(place["village"].code) == {"甲村人"}


def _bureau_of(region, username: str):
    user = UserFactory(username=username)
    member_of(
        user,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=region),
        Membership.Role.BUREAU_STAFF,
    )
    return user


def test_the_dashboard_divides_a_province_by_city_and_a_county_by_township(
    place, bureau, warnings_everywhere, client
):
    """One level below the user's area: a province's thousand townships would fill a page."""
    province = place["county"].parent.parent
    client.force_login(_bureau_of(province, "province"))
    response = client.get(reverse("discovery:dashboard"))
    rows = [(row.place.name, row.found) for row in response.context["places"]]
    assert rows == [(place["county"].parent.name, 3)]
    # The city's row leads to the warning list narrowed to the city: all three warnings.
    link = reverse("discovery:flag-list") + f"?place={place['county'].parent.code}"
    assert link in response.content.decode()
    assert len(client.get(link).context["flags"]) == 3

    client.force_login(bureau)  # the county's bureau: by township, as before
    rows = {
        row.place.name: row.found
        for row in client.get(reverse("discovery:dashboard")).context["places"]
    }
    assert rows == {place["town"].name: 2, place["other_town"].name: 1}


def test_the_warning_list_names_household_heads_without_a_query_per_row(
    place, bureau, client, django_assert_max_num_queries
):
    """A household's warning names its head: read for the whole page at once."""

    def warnings(count: int, start: int) -> None:
        for n in range(start, start + count):
            home = HouseholdFactory(region=place["village"], registry_number=f"530428-{n:05d}")
            MemberFactory(household=home, name=f"户主{n}", relation="head")
            Flag.objects.create(
                rule=Rule.DIBAO_REVIEW_DUE,
                key=f"head:{n}",
                region=place["village"],
                household=home,
                fired_on=dt.date(2026, 11, 1),
            )

    client.force_login(bureau)
    url = reverse("discovery:flag-list")
    warnings(3, 1)
    with django_assert_max_num_queries(40) as few:
        assert len(client.get(url).context["flags"]) == 3
    warnings(12, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert len(page.context["flags"]) == 15
    assert "户*1" in page.content.decode()  # masked as every list shows names


def test_the_warning_list_reads_its_rows_with_few_joins(
    place, bureau, warnings_everywhere, client, django_assert_max_num_queries
):
    """PostgreSQL planned the list's join of eleven tables for 25–50 ms (it ran in 1): the people
    a warning names come in queries of their own, and the list still names them."""
    home = HouseholdFactory(region=place["village"], registry_number="530428-00900")
    head = MemberFactory(household=home, name="户主九", relation="head")
    Flag.objects.create(
        rule=Rule.DIBAO_REVIEW_DUE,
        key="member:900",
        region=place["village"],
        household=home,
        member=head,
        fired_on=dt.date(2026, 11, 1),
    )
    client.force_login(bureau)
    with django_assert_max_num_queries(40) as captured:
        page = client.get(reverse("discovery:flag-list"))
    text = page.content.decode()
    assert "户*九" in text and "甲*人" in text  # a member's and a candidate's masked names
    rows = [q["sql"] for q in captured.captured_queries if 'FROM "discovery_flag"' in q["sql"]]
    listed = [sql for sql in rows if "LIMIT" in sql]
    assert listed and max(map(joins, listed)) <= 4

    # Positive control: a warning's own page reads its record and verifier too, in one query.
    flag = warnings_everywhere["甲村人"]
    with django_assert_max_num_queries(60) as captured:
        assert client.get(reverse("discovery:flag-detail", args=[flag.pk])).status_code == 200
    detail = [q["sql"] for q in captured.captured_queries if 'FROM "discovery_flag"' in q["sql"]]
    assert max(map(joins, detail)) > 4


def test_the_dashboard_reads_the_tallies_and_says_when_they_were_counted(
    place, bureau, warnings_everywhere, client
):
    """The same figures from the ten-minute tallies as counted live, each area its own."""
    client.force_login(bureau)
    live = client.get(reverse("discovery:dashboard")).context
    assert live["as_of"] is None
    Task.objects.filter(flag=warnings_everywhere["乙村人"]).update(
        status=Task.Status.DONE,
        outcome=Task.Outcome.DISMISSED,
        dismiss_reason="not_eligible",
        completed_on=dt.date(2026, 11, 2),
    )
    call_command("refresh_tallies")

    tallied = client.get(reverse("discovery:dashboard"))
    assert tallied.context["as_of"] is not None
    assert "dashboard-as-of" in tallied.content.decode()
    counts = {row.place.name: (row.found, row.verified) for row in tallied.context["places"]}
    assert counts == {place["town"].name: (2, 1), place["other_town"].name: (1, 0)}
    assert [r for r in tallied.context["rules"] if r[2]] == [r for r in live["rules"] if r[2]]
    # Another county's bureau reads no row of these tallies; county A's read all three.
    *_above, county_b, _town, _village = region_chain("350502", "001", "001")
    client.force_login(_bureau_of(county_b, "bureau_b"))
    elsewhere = client.get(reverse("discovery:dashboard")).context
    assert elsewhere["places"] == [] and elsewhere["totals"]["found"] == 0
    assert elsewhere["as_of"] is not None
