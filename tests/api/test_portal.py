"""The providers' portal over the API: a station's and a volunteer's referrals, their answers,
sessions and outcomes, through the services the portal pages call, with real tokens."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.core.masking import mask_id_number
from bangfu.providers.models import Station
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import Member, Need
from tests.api.conftest import bearer
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    member_of,
)
from tests.referrals.conftest import FakeEngine, ranked
from tests.referrals.projects import agency_with_staff, buyer_of

pytestmark = pytest.mark.django_db
Role = Membership.Role
INBOX = "/api/v1/portal/referrals/"


def case_url(referral, action: str = "") -> str:
    return f"{INBOX}{referral.pk}/{action + '/' if action else ''}"


def station_of(town, username: str, capacity: int = 2) -> Station:
    station = StationFactory(
        organisation__region=town, organisation__name=f"{town.name}社工站", capacity=capacity
    )
    station.staff = UserFactory(username=username)
    member_of(station.staff, station.organisation, Role.STATION_STAFF)
    return station


@pytest.fixture
def desk(county_a):
    _county, town, _village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="镇101民政办", region=town)
    user = UserFactory(username="desk_a")
    member_of(user, bureau, Role.BUREAU_STAFF)
    return user


@pytest.fixture
def station(county_a):
    return station_of(county_a[1], "station_a1")


@pytest.fixture
def other_station(county_a):
    return station_of(county_a[1], "station_a2")


@pytest.fixture
def volunteer(county_a):
    return VolunteerFactory(user=UserFactory(username="volunteer_a"), home_region=county_a[2])


@pytest.fixture
def engine(monkeypatch, station, other_station, volunteer):
    fake = FakeEngine()
    fake.candidates = [ranked(station, 0.9), ranked(other_station, 0.7), ranked(volunteer, 0.5)]
    monkeypatch.setattr("bangfu.referrals.ranking.rank_need", fake)
    return fake


def household_need(village, *, number: str, phone: str, address: str, head: str) -> Need:
    household = HouseholdFactory(
        region=village, registry_number=number, phone=phone, address=address
    )
    MemberFactory(household=household, name=head, monthly_income="321.45")
    return NeedFactory(household=household, preferred_times="上午")


def send(desk, need, provider) -> Referral:
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
    return services.referral_send(intake=intake, provider_id=provider.provider_id, by=desk)


@pytest.fixture
def referral(engine, desk, station, county_a):
    need = household_need(
        county_a[2],
        number="530428-0042",
        phone="13800001111",
        address="村201 幸福路8号",
        head="欧阳晓明",
    )
    return send(desk, need, station)


@pytest.fixture
def tokens(make_token):
    """``tokens(user, scope="read_write")``: the headers presenting a new token of ``user``."""

    def headers(user, scope="read_write"):
        return bearer(make_token(user, scope)[1])

    return headers


def accept(client, referral, headers):
    return client.post(
        case_url(referral, "accept"), headers=headers, content_type="application/json"
    )


def test_a_station_sees_its_referral_and_accepts_it_the_desk_page_shows_it(
    english_client, referral, station, desk, tokens
):
    headers = tokens(station.staff)
    inbox = english_client.get(INBOX, headers=headers)
    assert inbox.status_code == 200
    [row] = inbox.json()["results"]
    assert row["id"] == referral.pk and row["status"] == "sent"
    assert row["village"] == "村201" and row["category"]["code"] == "care"
    assert row["due_at"] is not None and row["session_count"] == 0

    before = english_client.get(case_url(referral), headers=headers).json()
    assert before["sheet"]["phone"] is None and before["sheet"]["address"] is None
    assert before["session_categories"] == []

    response = accept(english_client, referral, headers)
    assert response.status_code == 200
    case = response.json()
    assert case["status"] == "accepted"
    # Accepted, the household's contact is shown, as on the case page.
    assert case["sheet"]["phone"] == "13800001111"
    assert case["sheet"]["contact_name"] == "欧阳晓明"
    assert [event["action"] for event in case["events"]] == ["sent", "accepted"]
    assert case["events"][1]["by"] == str(station.staff)

    # The intake desk's page shows the same referral accepted.
    page = Client()
    page.force_login(desk)
    body = page.get(f"/staff/referrals/{referral.pk}/").content.decode()
    assert 'class="badge status-accepted"' in body


def test_the_case_never_shows_income_or_an_id_number(english_client, referral, station, tokens):
    member = Member.objects.get(household=referral.need.household)
    headers = tokens(station.staff)
    accept(english_client, referral, headers)
    text = english_client.get(case_url(referral), headers=headers).content.decode()
    for secret in ("321.45", member.id_number, mask_id_number(member.id_number)):
        assert secret not in text


def test_another_station_gets_404_and_changes_nothing(
    english_client, referral, station, other_station, tokens
):
    headers = tokens(other_station.staff)
    assert english_client.get(INBOX, headers=headers).json()["results"] == []
    assert english_client.get(case_url(referral), headers=headers).status_code == 404
    refused = accept(english_client, referral, headers)
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["code"] == "not_found"
    declined = english_client.post(
        case_url(referral, "decline"),
        {"reason": "full"},
        headers=headers,
        content_type="application/json",
    )
    assert declined.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
    # Positive control: the station it was sent to reads it.
    assert english_client.get(case_url(referral), headers=tokens(station.staff)).status_code == 200


def test_desk_staff_are_refused_the_portal(english_client, referral, desk, station, tokens):
    response = english_client.get(INBOX, headers=tokens(desk))
    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["code"] == "not_a_provider"
    assert english_client.get(INBOX, headers=tokens(station.staff)).status_code == 200


def test_a_volunteer_sees_only_their_tasks(
    english_client, referral, engine, desk, volunteer, county_a, tokens
):
    need = household_need(
        county_a[2],
        number="530428-0043",
        phone="13800002222",
        address="村201 和平路2号",
        head="李秀英",
    )
    task = send(desk, need, volunteer)
    rows = english_client.get(INBOX, headers=tokens(volunteer.user)).json()["results"]
    assert [row["id"] for row in rows] == [task.pk]
    assert rows[0]["provider"]["kind"] == "volunteer"


def test_the_inbox_filters_as_the_portal_page_does(
    english_client, referral, engine, desk, station, county_a, tokens
):
    headers = tokens(station.staff)
    accept(english_client, referral, headers)
    need = household_need(
        county_a[2],
        number="530428-0044",
        phone="13800003333",
        address="村201 团结路5号",
        head="张建国",
    )
    pending = send(desk, need, station)

    def ids(**query):
        response = english_client.get(INBOX, query, headers=headers)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert sorted(ids()) == sorted([referral.pk, pending.pk])
    assert ids(status="sent") == [pending.pk]
    assert ids(status="accepted") == [referral.pk]
    assert ids(overdue="true") == []
    Referral.objects.filter(pk=pending.pk).update(accept_due_at=timezone.now())
    assert ids(overdue="true") == [pending.pk]
    assert ids(township=county_a[1].pk) == ids()
    refused = english_client.get(INBOX, {"status": "lost"}, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "status"


def test_a_read_token_may_not_accept(english_client, referral, station, tokens):
    refused = accept(english_client, referral, tokens(station.staff, "read"))
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "token_scope"
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
    assert accept(english_client, referral, tokens(station.staff)).status_code == 200


def test_a_full_station_is_answered_409_and_nothing_changes(
    english_client, referral, station, tokens
):
    Station.objects.filter(pk=station.pk).update(capacity=0)
    refused = accept(english_client, referral, tokens(station.staff))
    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    assert error["code"] == "capacity_full"
    assert "is full: 0 open cases of 0" in error["message"]
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
    assert not referral.events.filter(action="accepted").exists()


def test_accepting_twice_is_a_conflict(english_client, referral, station, tokens):
    headers = tokens(station.staff)
    assert accept(english_client, referral, headers).status_code == 200
    again = accept(english_client, referral, headers)
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "wrong_status"


def test_declining_with_a_reason_sends_the_case_back(english_client, referral, station, tokens):
    headers = tokens(station.staff)
    missing = english_client.post(
        case_url(referral, "decline"),
        {"reason": "other", "note": ""},
        headers=headers,
        content_type="application/json",
    )
    assert missing.status_code == 400
    assert missing.json()["errors"] == [
        {"field": "note", "code": "invalid", "message": "Say why you decline."}
    ]
    response = english_client.post(
        case_url(referral, "decline"),
        {"reason": "outside_area", "note": "不在服务范围"},
        headers=headers,
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    assert response.json()["decline_reason"] == "outside_area"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decline_note == "不在服务范围"
    assert IntakeCase.objects.get(pk=referral.intake_id).status == IntakeCase.Status.OPEN
    # Declined, the referral is no longer the station's to read.
    assert english_client.get(case_url(referral), headers=headers).status_code == 404


def test_sessions_then_completion_with_an_outcome(english_client, referral, station, tokens):
    headers = tokens(station.staff)
    accept(english_client, referral, headers)
    category = english_client.get(case_url(referral), headers=headers).json()["session_categories"][
        0
    ]
    future = english_client.post(
        case_url(referral, "sessions"),
        {
            "held_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat(),
            "duration_minutes": 60,
            "category": category["id"],
        },
        headers=headers,
        content_type="application/json",
    )
    assert future.status_code == 400
    assert future.json()["errors"][0]["field"] == "held_on"
    for notes in ("上门照料", "陪同复诊"):
        logged = english_client.post(
            case_url(referral, "sessions"),
            {
                "held_on": timezone.localdate().isoformat(),
                "duration_minutes": 75,
                "category": category["id"],
                "notes": notes,
            },
            headers=headers,
            content_type="application/json",
        )
        assert logged.status_code == 201, logged.json()
    case = logged.json()
    assert case["status"] == "in_service"
    assert [session["notes"] for session in case["sessions"]] == ["上门照料", "陪同复诊"]

    empty = english_client.post(
        case_url(referral, "complete"),
        {"outcome": " "},
        headers=headers,
        content_type="application/json",
    )
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "outcome"
    done = english_client.post(
        case_url(referral, "complete"),
        {"outcome": "生活能自理"},
        headers=headers,
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    referral.refresh_from_db()
    assert referral.outcome_note == "生活能自理"
    assert Need.objects.get(pk=referral.need_id).status == Need.Status.MET


def test_a_session_before_acceptance_is_a_conflict(english_client, referral, station, tokens):
    response = english_client.post(
        case_url(referral, "sessions"),
        {
            "held_on": timezone.localdate().isoformat(),
            "duration_minutes": 30,
            "category": referral.need.category_id,
        },
        headers=tokens(station.staff),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "refused"
    assert not referral.sessions.exists()


def test_an_agency_sees_its_projects_referrals_and_no_one_elses(
    english_client, engine, desk, station, county_a, tokens
):
    county = county_a[0]
    agency, agency_staff = agency_with_staff(
        county, name="元江县阳光社会工作服务中心", username="agency_a"
    )
    _other, other_agency_staff = agency_with_staff(
        county, name="元江县另一家社工机构", username="agency_a2"
    )
    project = buyer_of(county).project(
        agency=agency, starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 12, 31)
    )
    need = household_need(
        county_a[2],
        number="530428-0045",
        phone="13800004444",
        address="村201 光明路1号",
        head="王桂兰",
    )
    referral = send(desk, need, project)

    rows = english_client.get(INBOX, headers=tokens(agency_staff)).json()["results"]
    assert [(row["id"], row["provider"]["kind"]) for row in rows] == [(referral.pk, "project")]
    for outsider in (station.staff, other_agency_staff):
        headers = tokens(outsider)
        assert english_client.get(INBOX, headers=headers).json()["results"] == []
        assert accept(english_client, referral, headers).status_code == 404
    assert accept(english_client, referral, tokens(agency_staff)).json()["status"] == "accepted"
