"""The registry over the API for the roles that read it: the staff search and the list's
filters inside the token's area, households with members masked as their page masks them,
needs and their history, and the audited reveal of an ID number. Another county's household is
never in an answer, and asking for it is a 404 like an id that does not exist."""

import datetime as dt
import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from bangfu.core.masking import mask_name
from bangfu.registry.models import Household, Member, Need, Tier
from bangfu.registry.services import need_update
from tests.api.conftest import bearer
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    make_id_number,
    township_reviewer,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/registry"
HEAD_ID = make_id_number(birth=dt.date(1948, 3, 9), seq=41, male=False)
MARKER_ID = make_id_number(area="350502", birth=dt.date(1951, 7, 2), seq=42, male=False)


@pytest.fixture
def household_a(county_a):
    household = HouseholdFactory(
        region=county_a[2],
        registry_number="530428-0101",
        address="新民村2组8号",
        phone="13987654321",
        tier=Tier.DIBAO,
    )
    MemberFactory(household=household, name="杨桂仙", id_number=HEAD_ID)
    MemberFactory(
        household=household,
        name="杨晓东",
        relation=Member.Relation.GRANDCHILD,
        id_number=make_id_number(birth=dt.date(2014, 9, 1), seq=43),
    )
    return household


@pytest.fixture
def household_b(county_b):
    """County B's household, whose head's name is the marker no county A answer may hold."""
    household = HouseholdFactory(
        region=county_b[2], registry_number="350502-0007", address="海滨街道7号"
    )
    MemberFactory(household=household, name="杨桂芬", id_number=MARKER_ID)
    return household


def _get(client, secret, path, **params):
    response = client.get(f"{BASE}{path}", params, headers=bearer(secret))
    return response, response.content.decode()


def _search(client, secret, q, **filters):
    response = client.post(
        f"{BASE}/households/search/",
        {"q": q, **filters},
        content_type="application/json",
        headers=bearer(secret),
    )
    return response, response.content.decode()


def test_search_finds_by_name_and_registry_number_within_the_area(
    client, staff, outsider_staff, household_a, household_b, make_token
):
    _token, secret = make_token(staff)
    seen = []
    for query in ("杨桂", "yangguixian", "530428-0101", HEAD_ID, HEAD_ID[-6:]):
        response, body = _search(client, secret, query)
        assert response.status_code == 200, query
        seen.append(body)
        assert [row["registry_number"] for row in response.json()["results"]] == ["530428-0101"]
    # County B's household is in no answer, whatever was searched: not its name, its number,
    # its ID number nor its id.
    for query in ("杨桂芬", "350502-0007", MARKER_ID):
        response, body = _search(client, secret, query)
        assert response.json()["results"] == []
        seen.append(body)
    for body in seen:
        assert "350502-0007" not in body and "杨桂芬" not in body and MARKER_ID not in body
    # Positive control: county B's staff find it by the same searches.
    _token, secret_b = make_token(outsider_staff)
    for query in ("杨桂", "350502-0007", MARKER_ID):
        response, _body = _search(client, secret_b, query)
        assert [row["registry_number"] for row in response.json()["results"]] == ["350502-0007"]


def test_the_list_filters_and_masks_the_head(client, staff, household_a, county_a, make_token):
    HouseholdFactory(region=county_a[2], registry_number="530428-0102", tier=Tier.MARGINAL)
    HouseholdFactory(
        region=county_a[2], registry_number="530428-0103", status=Household.Status.EXITED
    )
    _token, secret = make_token(staff)

    def numbers(**params):
        response, _body = _get(client, secret, "/households/", **params)
        assert response.status_code == 200
        return sorted(row["registry_number"] for row in response.json()["results"])

    # As the list page: the exited are left out unless asked for.
    assert numbers() == ["530428-0101", "530428-0102"]
    assert numbers(status="exited") == ["530428-0103"]
    assert numbers(tier="marginal") == ["530428-0102"]
    assert numbers(region="530428101") == ["530428-0101", "530428-0102"]
    assert numbers(region="350502") == []
    response, body = _search(client, secret, "杨桂仙")
    [row] = response.json()["results"]
    assert row["head"] == {
        "masked_name": mask_name("杨桂仙"),
        "masked_id_number": f"{HEAD_ID[:4]}**********{HEAD_ID[-4:]}",
    }
    assert row["member_count"] == 2 and "杨桂仙" not in body and HEAD_ID not in body
    response, _body = _get(client, secret, "/households/", tier="rich", region="53x")
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["errors"]} == {"tier"}


def test_a_household_shows_members_masked_as_its_page(
    client, staff, county_a, household_a, household_b, outsider_staff, make_token
):
    reviewer = township_reviewer(county_a[1], "reviewer_a")
    _token, staff_secret = make_token(staff)
    _token, reviewer_secret = make_token(reviewer)
    response, body = _get(client, staff_secret, f"/households/{household_a.pk}/")
    assert response.status_code == 200
    data = response.json()
    head = next(member for member in data["members"] if member["relation"] == "head")
    # Staff who may reveal read names in clear, as on the page; ID numbers stay masked.
    assert head["name"] == "杨桂仙"
    assert head["masked_id_number"] == HEAD_ID[:4] + "*" * 10 + HEAD_ID[-4:]
    assert HEAD_ID not in body and data["phone"] == "13987654321"
    assert data["masked_phone"] == "139****4321"
    # The township's reviewer reads the registry masked.
    response, body = _get(client, reviewer_secret, f"/households/{household_a.pk}/")
    assert response.status_code == 200
    names = {member["name"] for member in response.json()["members"]}
    assert names == {mask_name("杨桂仙"), mask_name("杨晓东")}
    assert "杨桂仙" not in body and HEAD_ID not in body
    # The read is audited, as the page's.
    assert (
        LogEntry.objects.get_for_object(household_a)
        .filter(action=LogEntry.Action.ACCESS, actor=staff)
        .exists()
    )
    # Another county's household: the same 404 as an id that does not exist.
    other, _body = _get(client, staff_secret, f"/households/{household_b.pk}/")
    missing, _body = _get(client, staff_secret, f"/households/{household_b.pk + 1000}/")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    _token, secret_b = make_token(outsider_staff)
    response, _body = _get(client, secret_b, f"/households/{household_b.pk}/")
    assert response.status_code == 200 and response.json()["registry_number"] == "350502-0007"


def test_needs_and_their_history(client, staff, outsider_staff, household_a, make_token):
    need = NeedFactory(household=household_a, urgency=Need.Urgency.URGENT, severity=4)
    with set_actor(staff):  # as the need's page does it, in a request of staff
        need_update(need=need, by=staff, status=Need.Status.MET)
    _token, secret = make_token(staff)
    response, _body = _get(client, secret, f"/households/{household_a.pk}/needs/")
    assert response.status_code == 200
    [listed] = response.json()
    assert listed["id"] == need.pk and listed["status"] == "met" and listed["severity"] == 4
    response, _body = _get(client, secret, f"/needs/{need.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["registry_number"] == "530428-0101" and data["closed_on"] is not None
    assert [entry["action"] for entry in data["history"]] == ["recorded", "changed"]
    changed = data["history"][1]
    assert changed["changes"]["status"] == ["open", "met"] and changed["by"] == str(staff)
    # Outside the area: 404, for the need as for the household's list.
    _token, secret_b = make_token(outsider_staff)
    assert _get(client, secret_b, f"/needs/{need.pk}/")[0].status_code == 404
    assert _get(client, secret_b, f"/households/{household_a.pk}/needs/")[0].status_code == 404


def test_reveal_is_audited_for_a_role_that_may_and_refused_to_others(
    client, staff, station_staff, outsider_staff, county_a, household_a, make_token
):
    head = household_a.members.get(relation=Member.Relation.HEAD)
    url = f"{BASE}/members/{head.pk}/reveal/"
    _token, secret = make_token(staff, "read_write")
    response = client.post(url, headers=bearer(secret))
    assert response.status_code == 200
    assert response.json() == {"member_id": head.pk, "id_number": HEAD_ID}
    assert "no-store" in response["Cache-Control"]
    [entry] = LogEntry.objects.get_for_object(head).filter(action=LogEntry.Action.ACCESS)
    assert entry.actor == staff
    assert entry.additional_data == {"revealed": "id_number", "household": "530428-0101"}
    # Refused: a station's staff (403), the township's reviewer, who reads masked (403),
    # another county's staff (404, as for a member that does not exist); none is audited.
    reviewer = township_reviewer(county_a[1], "reviewer_a")
    for user, status in ((station_staff, 403), (reviewer, 403), (outsider_staff, 404)):
        _token, other_secret = make_token(user, "read_write")
        response = client.post(url, headers=bearer(other_secret))
        assert response.status_code == status, user
        assert HEAD_ID not in json.dumps(response.json())
    assert LogEntry.objects.get_for_object(head).filter(action=LogEntry.Action.ACCESS).count() == 1
    missing = client.post(f"{BASE}/members/{head.pk + 1000}/reveal/", headers=bearer(other_secret))
    assert missing.status_code == 404


def test_a_station_user_reads_no_household(client, station_staff, staff, household_a, make_token):
    _token, secret = make_token(station_staff)
    for path in ("/households/", f"/households/{household_a.pk}/"):
        response, body = _get(client, secret, path)
        assert response.status_code == 403 and "530428-0101" not in body
    # Positive control: the county's staff read both.
    _token, staff_secret = make_token(staff)
    for path in ("/households/", f"/households/{household_a.pk}/"):
        assert _get(client, staff_secret, path)[0].status_code == 200


def test_a_search_is_posted_never_put_in_a_url_and_a_read_token_may_post_it(
    client, staff, household_a, make_token
):
    _token, secret = make_token(staff, scope="read")
    response, body = _get(client, secret, "/households/", q=HEAD_ID)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "q" and HEAD_ID not in body
    # Positive control: the same words posted, by the same read token, find the household.
    response, _body = _search(client, secret, HEAD_ID)
    assert response.status_code == 200
    assert [row["registry_number"] for row in response.json()["results"]] == ["530428-0101"]
    assert response.json()["more"] is False
