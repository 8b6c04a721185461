"""The intake desk over the API: the 12349 hotline's service account opens cases on calls,
gives them the household and the need, and reads how they go; nothing outside its area is
found, or said to exist."""

import pytest

from bangfu.accounts.models import Membership, Organisation
from bangfu.api.service_accounts import service_account_create
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase
from bangfu.registry.models import Need
from tests.api.conftest import bearer
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    member_of,
)
from tests.referrals.conftest import FakeEngine, ranked

pytestmark = pytest.mark.django_db
Role = Membership.Role
CASES = "/api/v1/intake/cases/"


@pytest.fixture
def station(county_a):
    station = StationFactory(organisation__region=county_a[1], organisation__name="镇101社工站")
    station.staff = UserFactory(username="station_a1")
    member_of(station.staff, station.organisation, Role.STATION_STAFF)
    return station


@pytest.fixture
def engine(monkeypatch, station):
    fake = FakeEngine()
    fake.candidates = [ranked(station, 0.9)]
    monkeypatch.setattr("bangfu.referrals.ranking.rank_need", fake)
    return fake


@pytest.fixture
def hotline(manager, bureau, make_token, engine):
    """The 12349 hotline's service account at county A's bureau, and its read-write headers."""
    account = service_account_create(
        by=manager,
        organisation=bureau,
        username="hotline_12349",
        display_name="12349热线",
        role=Role.BUREAU_STAFF,
    )
    return bearer(make_token(account.user, "read_write", by=manager)[1])


@pytest.fixture
def household(county_a):
    household = HouseholdFactory(
        region=county_a[2], registry_number="530428-0042", phone="13800001111"
    )
    MemberFactory(household=household, name="欧阳晓明")
    return household


@pytest.fixture
def other_county(county_b, make_token, engine):
    """County B's bureau staff member and their headers."""
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="鲤城区民政局", region=county_b[0]
    )
    user = UserFactory(username="staff_b")
    member_of(user, bureau, Role.BUREAU_STAFF)
    return bearer(make_token(user, "read_write")[1])


def post(client, url, body, headers):
    return client.post(url, body, headers=headers, content_type="application/json")


def test_the_hotline_opens_a_case_with_its_reference_and_reads_its_status(
    english_client, hotline, household, staff, station
):
    call = {
        "source": "hotline",
        "household": "530428-0042",
        "caller_name": "欧阳晓明",
        "caller_phone": "13800001111",
        "description": "12349 来电：老人独居，需要上门照料。",
        "new_need": {"category": "care", "severity": 4, "urgency": "urgent", "notes": "独居"},
        "reference": "HL-20261206-0042",
    }
    response = post(english_client, CASES, call, hotline)
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["source"] == "hotline" and case["status"] == "open"
    assert case["reference"] == "HL-20261206-0042"
    # The hotline's system sends the same call again (a retry): the same case, nothing new.
    again = post(english_client, CASES, call, hotline)
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    assert IntakeCase.objects.filter(reference="HL-20261206-0042").count() == 1
    assert case["household"] == "530428-0042"
    assert case["need"]["category"]["code"] == "care" and case["need"]["urgency"] == "urgent"
    # The caller shown masked, as to a role that may not reveal them.
    assert case["caller_name"] == "欧**明" and case["caller_phone"] == "138****1111"
    assert "13800001111" not in response.content.decode()
    intake = IntakeCase.objects.get(pk=case["id"])
    assert intake.reference == "HL-20261206-0042"
    assert intake.need.status == Need.Status.OPEN

    # The desk refers it; the hotline reads where it stands.
    referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=staff)
    status = english_client.get(f"{CASES}{intake.pk}/", headers=hotline).json()
    assert status["status"] == "referred"
    [sent] = status["referrals"]
    assert sent["id"] == referral.pk and sent["status"] == "sent"
    assert sent["provider"]["name"] == "镇101社工站"


def test_a_caller_not_in_the_registry_is_placed_by_code(english_client, hotline, county_a):
    response = post(
        english_client,
        CASES,
        {
            "source": "hotline",
            "place": county_a[2].code,
            "caller_name": "张三",
            "caller_phone": "13912345678",
            "description": "需要助餐服务",
        },
        hotline,
    )
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["place"]["code"] == county_a[2].code
    assert case["township"]["code"] == county_a[1].code
    assert case["household"] is None and case["need"] is None
    assert case["caller_phone"] == "139****5678"


def test_the_desk_rules_apply_to_a_call(english_client, hotline, county_a):
    response = post(english_client, CASES, {"source": "hotline", "description": "求助"}, hotline)
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"caller_name", "caller_phone", "place"} <= fields
    assert not IntakeCase.objects.exists()


def test_a_refused_step_writes_nothing(english_client, hotline, county_a):
    # A need cannot be recorded for a caller whose household is not linked: no case either.
    response = post(
        english_client,
        CASES,
        {
            "source": "hotline",
            "place": county_a[1].code,
            "caller_name": "张三",
            "caller_phone": "13912345678",
            "description": "需要助餐服务",
            "new_need": {"category": "care", "severity": 3, "urgency": "routine"},
        },
        hotline,
    )
    assert response.status_code == 400
    assert "Link the caller's household" in response.json()["errors"][0]["message"]
    assert not IntakeCase.objects.exists()


def test_another_county_cannot_name_a_household_of_county_a(
    english_client, hotline, other_county, household, county_b
):
    unknown = post(
        english_client,
        CASES,
        {"source": "hotline", "household": "530428-9999", "description": "求助"},
        other_county,
    )
    refused = post(
        english_client,
        CASES,
        {"source": "hotline", "household": "530428-0042", "description": "求助"},
        other_county,
    )
    assert refused.status_code == unknown.status_code == 400
    # Refused as a number that does not exist is: nothing says it is county A's.
    assert refused.json() == unknown.json()
    assert refused.json()["errors"][0]["field"] == "household"
    assert not IntakeCase.objects.exists()

    # Their own call, in county B, cannot be linked to it either.
    own = post(
        english_client,
        CASES,
        {
            "source": "hotline",
            "place": county_b[2].code,
            "caller_name": "王五",
            "caller_phone": "13700001111",
            "description": "求助",
        },
        other_county,
    )
    assert own.status_code == 201
    link = f"{CASES}{own.json()['id']}/household/"
    linked = post(english_client, link, {"household": "530428-0042"}, other_county)
    assert linked.status_code == 400
    assert (
        linked.json()
        == post(english_client, link, {"household": "530428-9999"}, other_county).json()
    )
    assert IntakeCase.objects.get(pk=own.json()["id"]).household is None

    # Positive control: county A's hotline opens a case on it.
    opened = post(
        english_client,
        CASES,
        {"source": "hotline", "household": "530428-0042", "description": "求助"},
        hotline,
    )
    assert opened.status_code == 201
    # And county B cannot read that case.
    assert (
        english_client.get(f"{CASES}{opened.json()['id']}/", headers=other_county).status_code
        == 404
    )
    assert english_client.get(f"{CASES}{opened.json()['id']}/", headers=hotline).status_code == 200


def test_a_call_is_linked_then_given_an_open_need(english_client, hotline, household, county_a):
    opened = post(
        english_client,
        CASES,
        {
            "source": "hotline",
            "place": county_a[2].code,
            "caller_name": "欧阳晓明",
            "caller_phone": "13800001111",
            "description": "需要上门照料",
        },
        hotline,
    )
    url = f"{CASES}{opened.json()['id']}/"
    linked = post(english_client, f"{url}household/", {"household": "530428-0042"}, hotline)
    assert linked.status_code == 200 and linked.json()["household"] == "530428-0042"
    need = NeedFactory(household=household)
    given = post(english_client, f"{url}need/", {"need": need.pk}, hotline)
    assert given.status_code == 200, given.json()
    assert given.json()["need"]["id"] == need.pk


def test_a_station_is_refused_the_intake_desk(
    english_client, station, hotline, make_token, county_a
):
    call = {
        "source": "hotline",
        "place": county_a[2].code,
        "caller_name": "张三",
        "caller_phone": "13912345678",
        "description": "求助",
    }
    refused = post(english_client, CASES, call, bearer(make_token(station.staff, "read_write")[1]))
    assert refused.status_code == 403
    assert not IntakeCase.objects.exists()
    assert post(english_client, CASES, call, hotline).status_code == 201


def test_a_read_token_may_not_open_a_case(english_client, staff, make_token, county_a):
    call = {
        "source": "hotline",
        "place": county_a[2].code,
        "caller_name": "张三",
        "caller_phone": "13912345678",
        "description": "求助",
    }
    refused = post(english_client, CASES, call, bearer(make_token(staff, "read")[1]))
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "token_scope"
    assert (
        post(english_client, CASES, call, bearer(make_token(staff, "read_write")[1])).status_code
        == 201
    )
