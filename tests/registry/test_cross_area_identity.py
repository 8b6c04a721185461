"""A taken ID number or registry number teaches nothing about other areas.

County A's clerk tries the numbers of a neighbouring county of the same city (530402). Inside
A the answer names the household, as ever; outside it the answer is one neutral sentence, the
refusal is audited, the city's bureau (the lowest region covering both counties) gets a
duplicate-registration warning naming both households, and a clerk refused too often in a day
raises one alert to their own bureau.
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery.models import Flag, Rule
from bangfu.regions.models import PolicyValue
from bangfu.registry.identity import AUDIT_KEY, Source
from bangfu.registry.models import Household, Member
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    make_id_number,
    member_of,
    region_chain,
)
from tests.registry.test_views import ledger_file, ledger_row, member_data

NEUTRAL_ID = (
    "This ID number must be verified by the county civil-affairs bureau before it can be "
    "registered."
)
NEUTRAL_NUMBER = "This registry number cannot be used here; ask the county civil-affairs bureau."
NEIGHBOUR_NAME = "司马邻县"
NEIGHBOUR_ID = make_id_number(area="530402", birth=dt.date(1971, 2, 3), seq=7)
# The neighbour household moved from county A and kept the number A gave it.
NEIGHBOUR_NUMBER = "530428-0777"
NEIGHBOUR_PLACES = ("县530402", "镇001", "村001")


@pytest.fixture
def client(client, settings):
    """Pages in English, as the assertions read them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def neighbour(county_a):
    """A household of county 530402, in the same city as county A."""
    *_above, _county, _town, village = region_chain("530402", "001", "001")
    home = HouseholdFactory(region=village, registry_number=NEIGHBOUR_NUMBER)
    MemberFactory(household=home, name=NEIGHBOUR_NAME, id_number=NEIGHBOUR_ID)
    return home


@pytest.fixture
def city_staff(county_a):
    city = county_a[0].parent
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="玉溪市民政局", region=city)
    user = UserFactory(username="city_staff")
    member_of(user, bureau, Membership.Role.BUREAU_STAFF)
    return user


def assert_nothing_of_the_neighbour(body: str) -> None:
    for trace in (NEIGHBOUR_NUMBER, NEIGHBOUR_NAME, "司**县", *NEIGHBOUR_PLACES):
        assert trace not in body, trace
    assert "outside your area" not in body


def county_a_city(household):
    return household.region.parent.parent.parent


def refusals(user, source: str):
    return LogEntry.objects.filter(actor=user, additional_data__has_key=AUDIT_KEY).filter(
        additional_data__identity_refused=source
    )


def test_the_member_form_refuses_another_countys_person_neutrally_and_warns_the_city(
    client, bureau_staff, household_a, neighbour, city_staff
):
    client.force_login(bureau_staff)

    response = client.post(
        reverse("registry:member-create", args=[household_a.pk]),
        member_data(name="司马邻县", id_number=NEIGHBOUR_ID),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [NEUTRAL_ID]
    assert_nothing_of_the_neighbour(response.content.decode().replace('value="司马邻县"', ""))
    assert household_a.members.count() == 1
    # Audited: who, when, where, and the member it hit, but no number nor name in clear.
    person = neighbour.members.get()
    (entry,) = refusals(bureau_staff, Source.MEMBER_FORM)
    assert entry.content_type == ContentType.objects.get_for_model(Member)
    assert entry.object_pk == str(person.pk) and entry.timestamp is not None
    logged = f"{entry.object_repr} {entry.changes} {entry.additional_data}"
    assert NEIGHBOUR_ID not in logged and NEIGHBOUR_NAME not in logged
    # The city's bureau, above both counties, is told about both households.
    (flag,) = Flag.objects.filter(rule=Rule.DUPLICATE_REGISTRATION)
    assert flag.region == county_a_city(household_a)
    assert (flag.household, flag.member) == (neighbour, person)
    client.force_login(city_staff)
    warnings = client.get(reverse("discovery:flag-list")).content.decode()
    assert NEIGHBOUR_NUMBER in warnings and household_a.registry_number in warnings
    # ... and neither county's own bureau reads the other's household there.
    client.force_login(bureau_staff)
    assert NEIGHBOUR_NUMBER not in client.get(reverse("discovery:flag-list")).content.decode()


def test_a_person_registered_in_the_users_own_area_is_named(client, bureau_staff, household_a):
    other = HouseholdFactory(region=household_a.region, registry_number="530428-0002")
    client.force_login(bureau_staff)

    response = client.post(
        reverse("registry:member-create", args=[other.pk]),
        member_data(id_number=household_a.members.get().id_number),
    )

    (error,) = response.context["form"].errors["id_number"]
    assert error == "This person is already registered in household 530428-0001."
    assert not LogEntry.objects.filter(additional_data__has_key=AUDIT_KEY).exists()
    assert not Flag.objects.exists()


def test_correcting_a_members_id_number_to_another_countys_is_refused_neutrally(
    client, bureau_staff, household_a, neighbour
):
    member = household_a.members.get()
    data = member_data(name=member.name, relation=Member.Relation.HEAD, new_id_number=NEIGHBOUR_ID)
    del data["id_number"]
    client.force_login(bureau_staff)

    response = client.post(reverse("registry:member-update", args=[member.pk]), data)

    assert response.context["form"].errors["new_id_number"] == [NEUTRAL_ID]
    assert_nothing_of_the_neighbour(response.content.decode())
    assert refusals(bureau_staff, Source.MEMBER_FORM).count() == 1


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "import"])
def test_the_ledger_import_refuses_another_countys_person_neutrally(
    dry_run, client, bureau_staff, county_a, household_a, neighbour
):
    _county, _town, village = county_a
    rows = [
        ledger_row(village, registry_number="530428-0600", id_number=NEIGHBOUR_ID),
        # In A's own area the clerk is told where the person is, as before.
        ledger_row(
            village, registry_number="530428-0601", id_number=household_a.members.get().id_number
        ),
    ]
    client.force_login(bureau_staff)

    response = client.post(
        reverse("registry:household-import"),
        {"file": ledger_file(rows), "dry_run": "on" if dry_run else ""},
    )

    reasons = {error.row: error.reason for error in response.context["report"].errors}
    assert reasons == {
        2: NEUTRAL_ID,
        3: "This person is already registered in household 530428-0001.",
    }
    assert_nothing_of_the_neighbour(response.content.decode())
    assert not Household.objects.filter(registry_number__startswith="530428-06").exists()
    source = Source.LEDGER_DRY_RUN if dry_run else Source.LEDGER_IMPORT
    assert refusals(bureau_staff, source).count() == 1
    (flag,) = Flag.objects.filter(rule=Rule.DUPLICATE_REGISTRATION)
    assert flag.household == neighbour and flag.evidence["attempt"] == "530428-0600"
    assert flag.region == county_a_city(household_a)


def test_a_registry_number_held_outside_the_area_is_refused_neutrally_in_the_ledger(
    client, bureau_staff, county_a, household_a, neighbour
):
    _county, _town, village = county_a
    rows = [
        ledger_row(village, registry_number=NEIGHBOUR_NUMBER),
        ledger_row(village, registry_number="530428-0001", id_number=make_id_number(seq=402)),
    ]
    client.force_login(bureau_staff)

    response = client.post(reverse("registry:household-import"), {"file": ledger_file(rows)})

    reasons = {error.row: error.reason for error in response.context["report"].errors}
    assert reasons[2] == NEUTRAL_NUMBER
    # Inside the area the number names the household the row updates (here: a second head).
    assert reasons[3].startswith("Household 530428-0001 already has a registered head")
    body = response.content.decode()
    assert "outside your area" not in body and "县530402" not in body
    (entry,) = refusals(bureau_staff, Source.LEDGER_IMPORT)
    assert entry.content_type == ContentType.objects.get_for_model(Household)
    # A number is not a person: no duplicate-registration warning.
    assert not Flag.objects.exists()


def test_the_household_form_refuses_a_registry_number_held_outside_the_area_neutrally(
    client, bureau_staff, county_a, household_a, neighbour
):
    _county, _town, village = county_a
    client.force_login(bureau_staff)

    def register(number: str):
        return client.post(
            reverse("registry:household-create"),
            {
                "registry_number": number,
                "region": village.pk,
                "address": "和平路 3 号",
                "phone": "13812345678",
                "residence": "rural",
                "status": Household.Status.ACTIVE,
            },
        )

    outside = register(NEIGHBOUR_NUMBER)
    inside = register("530428-0001")

    assert outside.context["form"].errors["registry_number"] == [NEUTRAL_NUMBER]
    assert_nothing_of_the_neighbour(
        outside.content.decode().replace(f'value="{NEIGHBOUR_NUMBER}"', "")
    )
    assert inside.context["form"].errors["registry_number"] == [
        "Household 530428-0001 is already registered."
    ]
    assert refusals(bureau_staff, Source.HOUSEHOLD_FORM).count() == 1
    assert Household.objects.filter(region=village).count() == 1


def test_refusals_past_the_days_threshold_alert_the_users_bureau_once(
    client, bureau_staff, county_a, household_a
):
    county, _town, village = county_a
    PolicyValue.objects.create(
        key="identity_refusals_alert_per_day", region=county, year=2020, value=3
    )
    assistant = UserFactory(username="assistant_a")
    station = OrganisationFactory(kind=Organisation.Kind.STATION, region=county_a[1])
    member_of(assistant, station, Membership.Role.ASSISTANT, villages=[village])
    *_above, _county_b, _town_b, village_b = region_chain("350502", "001", "001")
    numbers = [make_id_number(area="350502", seq=seq) for seq in range(30, 35)]
    for number in numbers:
        MemberFactory(household__region=village_b, id_number=number)
    client.force_login(assistant)
    url = reverse("registry:member-create", args=[household_a.pk])

    for number in numbers[:2]:
        client.post(url, member_data(id_number=number))
    assert not Flag.objects.filter(rule=Rule.IDENTITY_PROBING).exists()
    for number in numbers[2:]:
        client.post(url, member_data(id_number=number))

    (alert,) = Flag.objects.filter(rule=Rule.IDENTITY_PROBING)
    assert alert.flagged_user == assistant
    assert alert.evidence["refusals"] == 5 and alert.evidence["threshold"] == 3
    # The alert is the county bureau's, not the assistant's to read in their village.
    assert alert.region == county
    alerted = "5 ID or registry numbers held outside their area were refused"
    assert alerted not in client.get(reverse("discovery:flag-list")).content.decode()
    client.force_login(bureau_staff)
    assert alerted in client.get(reverse("discovery:flag-list")).content.decode()
