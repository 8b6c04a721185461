"""Each role lands on its own to-do list, over HTTP: what waits for its action, urgent first,
then the longest overdue; many similar items in one counted line; nothing from outside its area."""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.discovery.models import Task
from bangfu.offers.models import Charity, Offer
from bangfu.procurement.models import Filing
from bangfu.referrals.models import IntakeCase, Referral, ServiceSession
from bangfu.registry.models import Need
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    ProjectFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    charity_with_staff,
    member_of,
    region_chain,
)

pytestmark = pytest.mark.django_db

Role = Membership.Role
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning: "this week" began on Monday 30 November.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
TODOS = re.compile(r'<li class="todo[^"]*">.*?<a href="([^"]+)">', re.S)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(days: float, hour: int = 10) -> dt.datetime:
    """``days`` from NOW (negative: ago), at ``hour``."""
    return (NOW + dt.timedelta(days=days)).replace(hour=hour)


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def landing(user):
    response = browser(user).get(reverse("home"))
    assert response.status_code == 200, response.status_code
    return response


def links(response) -> list[str]:
    """The to-dos' links, in the order the page lists them."""
    return [html.unescape(url) for url in TODOS.findall(response.content.decode())]


def user_with(role, organisation, username, villages=()):
    user = UserFactory(username=username)
    member_of(user, organisation, role, villages=villages)
    return user


@pytest.fixture
def place(db):
    *_above, county, town, village = region_chain("530428", "101", "201")
    *_above, other_county, _other_town, other_village = region_chain("350502", "001", "001")
    second_village = RegionFactory(
        code="530428101202", name="村202", level=village.level, parent=town
    )
    return {
        "city": county.parent,
        "county": county,
        "town": town,
        "village": village,
        "second_village": second_village,
        "other_county": other_county,
        "other_village": other_village,
    }


def a_need(village, number: str, urgency=Need.Urgency.ROUTINE) -> Need:
    household = HouseholdFactory(region=village, registry_number=number)
    MemberFactory(household=household, name="欧阳晓明")
    return NeedFactory(household=household, urgency=urgency)


def a_case(need, by, opened_at) -> IntakeCase:
    return IntakeCase.objects.create(
        source=IntakeCase.Source.VISIT,
        region=need.household.region,
        need=need,
        opened_by=by,
        opened_at=opened_at,
    )


# --- the desk ------------------------------------------------------------------------------


@pytest.fixture
def desk(place):
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="镇101民政办", region=place["town"]
    )
    return user_with(Role.BUREAU_STAFF, bureau, "desk")


def test_the_desk_lands_on_its_cases_without_a_referral_urgent_first(place, desk):
    old = a_case(a_need(place["village"], "530428-0001"), desk, at(-9))
    newer = a_case(a_need(place["village"], "530428-0002"), desk, at(-2))
    urgent = a_case(
        a_need(place["second_village"], "530428-0003", Need.Urgency.EMERGENCY), desk, at(0, 9)
    )
    outsider = UserFactory(username="outsider")
    elsewhere = a_case(a_need(place["other_village"], "350502-0001"), outsider, at(-30))

    response = landing(desk)

    assert response.context["urgent"] == 1
    detail = "/staff/referrals/intake/{}/"
    assert links(response) == [detail.format(c.pk) for c in (urgent, old, newer)]
    body = response.content.decode()
    assert f"Refer case {urgent.pk}" in body and "村202" in body
    assert "欧阳晓明" not in body  # the list names the case and the village, never a person
    # Positive control: the other county's case exists and is waiting, only not this desk's.
    assert elsewhere.status == IntakeCase.Status.OPEN
    assert detail.format(elsewhere.pk) not in body


def test_many_routine_cases_become_one_counted_line_and_urgent_ones_stay_apart(
    place, desk, django_assert_max_num_queries
):
    for number in range(12):
        a_case(a_need(place["village"], f"530428-01{number:02d}"), desk, at(-number))
    urgent = a_case(a_need(place["village"], "530428-0200", Need.Urgency.URGENT), desk, at(-1))

    client = browser(desk)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("home"))

    todos = response.context["todos"]
    assert [todo.count for todo in todos] == [1, 12]
    assert todos[0].url == f"/staff/referrals/intake/{urgent.pk}/"
    assert todos[1].url == reverse("referrals:intake-list") + "#h-waiting"
    assert todos[1].due_at == at(-11)  # as overdue as the longest waiting of them
    assert '<span class="todo-count">12</span>' in response.content.decode()


def test_the_city_oversees_the_desks_below_it_without_being_one(place, desk):
    city_bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=place["city"])
    city = user_with(Role.BUREAU_STAFF, city_bureau, "city")
    case = a_case(a_need(place["village"], "530428-0001"), desk, at(-3))

    assert links(landing(city)) == []
    # Positive control: the township's desk has it.
    assert links(landing(desk)) == [f"/staff/referrals/intake/{case.pk}/"]


def test_a_case_with_a_referral_is_not_a_to_do(place, desk):
    case = a_case(a_need(place["village"], "530428-0001"), desk, at(-3))
    case.status = IntakeCase.Status.REFERRED
    case.save(update_fields=["status"])

    response = landing(desk)

    assert links(response) == []
    assert "Nothing waits for you now." in response.content.decode()


# --- the assistant -------------------------------------------------------------------------


def test_the_assistant_lands_on_visits_and_verifications_of_their_villages(place):
    committee = OrganisationFactory(
        kind=Organisation.Kind.VILLAGE_COMMITTEE, name="村201村委会", region=place["village"]
    )
    assistant = user_with(Role.ASSISTANT, committee, "assistant", villages=[place["village"]])
    colleague = user_with(Role.ASSISTANT, committee, "colleague", villages=[place["village"]])
    household = HouseholdFactory(region=place["village"], registry_number="530428-0001")
    other = HouseholdFactory(region=place["second_village"], registry_number="530428-0002")
    today = NOW.date()

    def task(kind, due_in, **fields):
        fields.setdefault("household", household)
        return Task.objects.create(
            kind=kind,
            region=fields["household"].region,
            due_on=today + dt.timedelta(due_in),
            **fields,
        )

    overdue_visit = task(Task.Kind.VISIT, -4, period_start=dt.date(2026, 11, 1))
    verification = task(Task.Kind.VERIFY, 3, assignee=assistant)
    task(Task.Kind.REVIEW, 30, period_start=dt.date(2026, 12, 1))  # not this week's work
    task(Task.Kind.VERIFY, 1, assignee=colleague)  # a colleague's
    outside = task(Task.Kind.VISIT, -10, household=other, period_start=dt.date(2026, 11, 1))

    response = landing(assistant)

    detail = "/staff/discovery/tasks/{}/"
    assert links(response) == [detail.format(overdue_visit.pk), detail.format(verification.pk)]
    body = response.content.decode()
    assert "Visit 530428-0001 in 村201" in body
    # Positive control: the task in the village they are not assigned is open and overdue.
    assert outside.is_overdue(today) and detail.format(outside.pk) not in body


# --- the providers -------------------------------------------------------------------------


@pytest.fixture
def station(place):
    station = StationFactory(organisation__region=place["town"], organisation__name="镇101社工站")
    station.staff = user_with(Role.STATION_STAFF, station.organisation, "station_staff")
    return station


def a_referral(need, provider_id, by, status, **fields) -> Referral:
    case = a_case(need, by, at(-10))
    case.status = IntakeCase.Status.REFERRED
    case.save(update_fields=["status"])
    return Referral.objects.create(
        intake=case,
        need=need,
        provider_id=provider_id,
        status=status,
        sent_by=by,
        sent_at=at(-5),
        accept_due_at=fields.pop("accept_due_at", at(-3)),
        **fields,
    )


def test_the_station_lands_on_referrals_to_answer_and_cases_without_a_session(place, desk, station):
    village = place["village"]
    answer_late = a_referral(
        a_need(village, "530428-0001"),
        station.provider_id,
        desk,
        Referral.Status.SENT,
        accept_due_at=at(-1),
    )
    answer_soon = a_referral(
        a_need(village, "530428-0002", Need.Urgency.URGENT),
        station.provider_id,
        desk,
        Referral.Status.SENT,
        accept_due_at=at(0, 14),
    )
    to_start = a_referral(
        a_need(village, "530428-0003"),
        station.provider_id,
        desk,
        Referral.Status.ACCEPTED,
        accepted_at=at(-4),
        service_due_at=at(1),
    )
    quiet = a_referral(
        a_need(village, "530428-0004"),
        station.provider_id,
        desk,
        Referral.Status.IN_SERVICE,
        accepted_at=at(-20),
    )
    busy = a_referral(
        a_need(village, "530428-0005"),
        station.provider_id,
        desk,
        Referral.Status.IN_SERVICE,
        accepted_at=at(-20),
    )
    for referral, held_on in ((quiet, dt.date(2026, 11, 27)), (busy, dt.date(2026, 11, 30))):
        ServiceSession.objects.create(
            referral=referral,
            held_on=held_on,
            duration_minutes=60,
            category=referral.need.category,
            provided_by=station.staff,
        )
    other_station = StationFactory(organisation__region=place["town"])
    theirs = a_referral(
        a_need(village, "530428-0006"), other_station.provider_id, desk, Referral.Status.SENT
    )

    response = landing(station.staff)

    case = "/portal/{}/"
    # Urgent first; then the answer overdue since yesterday, the first session due tomorrow,
    # and the case with no session since last week, due by Sunday night.
    assert links(response) == [
        case.format(r.pk) for r in (answer_soon, answer_late, to_start, quiet)
    ]
    # Positive control: the other station's referral waits for an answer too.
    assert theirs.status == Referral.Status.SENT
    assert case.format(theirs.pk) not in response.content.decode()


def test_a_volunteer_lands_on_their_own_tasks(place, desk):
    volunteer = VolunteerFactory(
        user=UserFactory(username="volunteer"), home_region=place["village"]
    )
    mine = a_referral(
        a_need(place["village"], "530428-0001"), volunteer.provider_id, desk, Referral.Status.SENT
    )

    response = landing(volunteer.user)

    assert links(response) == [f"/portal/{mine.pk}/"]


def test_many_referrals_to_answer_are_one_line_linking_to_the_filtered_inbox(place, desk, station):
    for number in range(7):
        a_referral(
            a_need(place["village"], f"530428-00{number:02d}"),
            station.provider_id,
            desk,
            Referral.Status.SENT,
            accept_due_at=at(number - 3),
        )

    todos = landing(station.staff).context["todos"]

    assert [(todo.count, todo.url) for todo in todos] == [(7, "/portal/?status=sent")]
    assert todos[0].due_at == at(-3)


# --- the manager and the city --------------------------------------------------------------


def test_the_manager_lands_on_approvals_of_their_county_only(place):
    county = place["county"]
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    manager = user_with(Role.BUREAU_MANAGER, bureau, "manager")
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, name="服务机构", region=county)
    submitted = ProjectFactory(region=county, agency=agency, status="submitted")
    ProjectFactory(region=county, agency=agency, status="in_progress")
    elsewhere = ProjectFactory(region=place["other_county"], agency=agency, status="submitted")
    charity, _staff = charity_with_staff(county)
    offer = OfferFactory(charity=charity, status=Offer.Status.PENDING, submitted_at=at(-6))
    newcomer, _staff = charity_with_staff(
        county, name="新慈善会", username="newcomer", approved=False
    )
    newcomer.registered_at = at(-1)
    newcomer.save(update_fields=["registered_at"])

    response = landing(manager)

    found = links(response)
    assert reverse("offers:detail", args=[offer.pk]) in found
    assert reverse("offers:charity", args=[newcomer.pk]) in found
    assert reverse("procurement:project-detail", args=[submitted.pk]) in found
    assert found.index(reverse("offers:detail", args=[offer.pk])) < found.index(
        reverse("offers:charity", args=[newcomer.pk])
    )  # waiting six days before waiting one
    # Positive control: the other county's project waits for its own manager.
    assert reverse("procurement:project-detail", args=[elsewhere.pk]) not in found
    assert newcomer.status == Charity.Status.PENDING


def test_the_city_lands_on_the_filings_sent_to_it(place):
    city_bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="玉溪市民政局", region=place["city"]
    )
    city = user_with(Role.BUREAU_STAFF, city_bureau, "city")
    county_user = UserFactory(username="county")
    agency = OrganisationFactory(kind=Organisation.Kind.AGENCY, region=place["county"])
    project = ProjectFactory(region=place["county"], agency=agency, status="submitted")
    filing = Filing.objects.create(
        project=project, filed_with=place["city"], sent_by=county_user, sent_at=at(-2)
    )
    other_project = ProjectFactory(region=place["other_county"], agency=agency, status="submitted")
    other = Filing.objects.create(
        project=other_project, filed_with=place["other_county"].parent, sent_by=county_user
    )

    found = links(landing(city))

    assert found == [
        reverse("procurement:filing-inbox")
        + f"?year=2026&region={place['city'].pk}&status=sent#filing-{filing.pk}"
    ]
    assert other.status == Filing.Status.SENT  # waiting, but in another city's inbox


# --- those with nothing of their own -------------------------------------------------------


def test_auditors_and_charities_still_go_to_their_pages(place):
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, region=place["county"])
    auditor = user_with(Role.AUDITOR, bureau, "auditor")
    _charity, charity_staff = charity_with_staff(place["county"])

    assert browser(auditor).get(reverse("home"))["Location"] == reverse("registry:household-list")
    assert browser(charity_staff).get(reverse("home"))["Location"] == reverse("charity:home")


def test_the_station_start_page_reads_its_providers_once_and_no_household_contact(
    place, desk, station
):
    for number, status in enumerate(
        (Referral.Status.SENT, Referral.Status.ACCEPTED, Referral.Status.IN_SERVICE)
    ):
        a_referral(
            a_need(place["village"], f"530428-00{number}"),
            station.provider_id,
            desk,
            status,
            accepted_at=None if status == Referral.Status.SENT else at(-2),
            service_due_at=at(1) if status == Referral.Status.ACCEPTED else None,
        )
    client = browser(station.staff)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(links(response)) == 3  # positive control: the three lines read the referrals
    queries = [query["sql"] for query in captured.captured_queries]
    # Both providers' to-dos read the referrals the station answers for: its providers once.
    assert sum(sql.startswith('SELECT "providers_provider"') for sql in queries) == 1
    # The lines name the service and the village: the household's phone is not even read.
    assert any('"registry_household"' in sql for sql in queries)
    assert not any('"registry_household"."phone"' in sql for sql in queries)
