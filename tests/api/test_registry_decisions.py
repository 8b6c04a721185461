"""The benefits system's status decisions over the API: a preview that writes nothing, all or
nothing with every problem named by row and field, a batch recorded as the registry records a
decision (and shown on the household's page), for those who decide statuses, with a token that
may write. A household of another county is "not found in your area", as one that does not
exist."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from bangfu.regions.models import PolicyValue
from bangfu.registry.models import Household, Member, StatusDecision, Tier
from tests.api.conftest import bearer
from tests.factories import HouseholdFactory, MemberFactory, make_id_number, township_reviewer

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/status-decisions/"
HEAD_ID = make_id_number(birth=dt.date(1944, 11, 23), seq=51)
DAY = dt.date(2026, 11, 1).isoformat()


@pytest.fixture
def household_a(county_a):
    household = HouseholdFactory(region=county_a[2], registry_number="530428-0101", tier=Tier.DIBAO)
    MemberFactory(household=household, name="李德明", id_number=HEAD_ID)
    return household


@pytest.fixture
def household_b(county_b):
    household = HouseholdFactory(region=county_b[2], registry_number="350502-0007")
    MemberFactory(household=household, name="陈阿婆")
    return household


def _rows():
    """The decisions of the county's benefits system for one household: it moves from 低保 to
    低保边缘, and its head becomes 特困."""
    return [
        {
            "registry_number": "530428-0101",
            "status": "marginal",
            "decided_on": DAY,
            "decision_number": "元民低〔2026〕12号",
        },
        {
            "id_number": HEAD_ID,
            "status": "特困",
            "decided_on": DAY,
            "decision_number": "元民特〔2026〕3号",
        },
    ]


def _post(client, secret, body, **query):
    url = URL + ("?preview=1" if query.get("preview") else "")
    return client.post(url, body, content_type="application/json", headers=bearer(secret))


def test_a_preview_shows_what_would_change_and_writes_nothing(
    english_client, manager, household_a, make_token
):
    _token, secret = make_token(manager, "read_write")
    for response in (
        _post(english_client, secret, {"rows": _rows()}, preview=True),
        _post(english_client, secret, {"rows": _rows(), "preview": True}),
    ):
        assert response.status_code == 200
        data = response.json()
        assert data["preview"] is True and data["errors"] == []
        assert (data["rows"], data["changed"], data["unchanged"]) == (2, 2, 0)
        household_change, member_change = data["changes"]
        assert household_change["from_status"] == "dibao"
        assert household_change["to_status"] == "marginal"
        assert household_change["kind"] == "adjust" and household_change["member"] == ""
        assert member_change["to_status"] == "tekun" and member_change["kind"] == "enrol"
        assert member_change["member"] == "李*明" and HEAD_ID not in response.content.decode()
    assert not StatusDecision.objects.exists()
    household_a.refresh_from_db()
    assert (household_a.household_tier, household_a.tier) == ("dibao", "dibao")
    assert not household_a.members.filter(personal_status="tekun").exists()


def test_a_bad_row_is_named_by_row_and_field_and_nothing_is_written(
    english_client, manager, household_a, household_b, make_token
):
    _token, secret = make_token(manager, "read_write")
    good, _member = _rows()
    rows = [
        good,
        {**good, "registry_number": "530428-0102", "status": "临时救助"},
        {**good, "registry_number": "350502-0007"},  # county B's
        {**good, "registry_number": "530428-0999"},  # nobody's
        {**good, "registry_number": "", "id_number": "53042819440231001X"},
        {**good, "registry_number": "530428-0101", "decided_on": "2026-13-01"},
    ]
    HouseholdFactory(region=household_a.region, registry_number="530428-0102")
    response = _post(english_client, secret, {"rows": rows})
    assert response.status_code == 400
    errors = {error["field"]: error for error in response.json()["errors"]}
    assert set(errors) == {
        "rows[1].status",
        "rows[2].registry_number",
        "rows[3].registry_number",
        "rows[4].id_number",
        "rows[5].decided_on",
    }
    assert "Temporary assistance" in errors["rows[1].status"]["message"]
    # County B's household answers as one that does not exist.
    assert errors["rows[2].registry_number"] == {
        **errors["rows[3].registry_number"],
        "field": "rows[2].registry_number",
    }
    assert errors["rows[2].registry_number"]["message"] == "Not found in your area."
    # Nothing written, not even the good row.
    assert not StatusDecision.objects.exists()
    household_a.refresh_from_db()
    assert household_a.household_tier == "dibao"
    # The number held elsewhere is audited as the ledger import audits it.
    refused = LogEntry.objects.get_for_object(household_b).get(action=LogEntry.Action.ACCESS)
    assert refused.actor == manager
    assert refused.additional_data == {"identity_refused": "api_status_decisions"}
    # The same request as a preview lists the same problems, with 200.
    preview = _post(english_client, secret, {"rows": rows}, preview=True)
    assert preview.status_code == 200
    assert {error["field"] for error in preview.json()["errors"]} == set(errors)


def test_a_good_batch_is_recorded_and_shown_on_the_household_page(
    client, manager, household_a, make_token
):
    _token, secret = make_token(manager, "read_write")
    response = _post(client, secret, {"rows": _rows()})
    assert response.status_code == 200
    data = response.json()
    assert (data["preview"], data["changed"], data["unchanged"]) == (False, 2, 0)
    household_a.refresh_from_db()
    assert (household_a.household_tier, household_a.tier) == ("marginal", Tier.TEKUN)
    head = Member.objects.get(id_number_hash=household_a.members.get().id_number_hash)
    assert head.personal_status == "tekun"
    decisions = StatusDecision.objects.order_by("pk")
    assert [(d.state, d.source, d.reference, d.decided_by) for d in decisions] == [
        ("confirmed", "staff", "元民低〔2026〕12号", manager),
        ("confirmed", "staff", "元民特〔2026〕3号", manager),
    ]
    assert decisions[0].effective_on == dt.date(2026, 11, 1)
    # The household's page shows them.
    client.force_login(manager)
    page = client.get(f"/staff/households/{household_a.pk}/").content.decode()
    assert "元民低〔2026〕12号" in page and "元民特〔2026〕3号" in page
    client.logout()
    # Sent again, the batch changes nothing.
    again = _post(client, secret, {"rows": _rows()})
    assert again.status_code == 200
    assert (again.json()["changed"], again.json()["unchanged"]) == (0, 2)
    assert StatusDecision.objects.count() == 2


def test_a_read_token_may_not_record_decisions(english_client, manager, household_a, make_token):
    _token, read_secret = make_token(manager, "read")
    response = _post(english_client, read_secret, {"rows": _rows()})
    assert response.status_code == 403
    assert [error["code"] for error in response.json()["errors"]] == ["token_scope"]
    assert not StatusDecision.objects.exists()
    # Positive control: the same user's read-write token records them.
    _token, secret = make_token(manager, "read_write")
    assert _post(english_client, secret, {"rows": _rows()}).status_code == 200
    assert StatusDecision.objects.count() == 2


def test_only_those_who_decide_statuses_record_decisions(
    english_client, staff, station_staff, manager, household_a, make_token
):
    for user in (staff, station_staff):
        _token, secret = make_token(user, "read_write")
        response = _post(english_client, secret, {"rows": _rows()})
        assert response.status_code == 403, user
    assert not StatusDecision.objects.exists()
    assert Household.objects.get(pk=household_a.pk).household_tier == "dibao"
    _token, secret = make_token(manager, "read_write")
    assert _post(english_client, secret, {"rows": _rows()}).status_code == 200


def test_a_township_reviewer_decides_what_the_policy_leaves_to_the_township(
    english_client, county_a, household_a, make_token
):
    PolicyValue.objects.create(
        key="status_confirmed_at_county", region=county_a[0], year=2000, value=["tekun"]
    )
    reviewer = township_reviewer(county_a[1], "reviewer_a")
    _token, secret = make_token(reviewer, "read_write")
    response = _post(english_client, secret, {"rows": _rows()})
    # 特困 is the county's to decide: its row is refused, and so the whole batch.
    assert response.status_code == 400
    [refusal] = response.json()["errors"]
    assert (refusal["field"], refusal["code"]) == ("rows[1].status", "permission_denied")
    assert not StatusDecision.objects.exists()
    # The household's own status is the township's: that row alone is recorded.
    household_row, _member_row = _rows()
    response = _post(english_client, secret, {"rows": [household_row]})
    assert response.status_code == 200 and response.json()["changed"] == 1
    assert StatusDecision.objects.get().decided_by == reviewer
