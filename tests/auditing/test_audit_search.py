"""The audit administrator's search of the audit log (by household, action, time, IP address and
user) and its export, which holds the same rows and is itself audited."""

import datetime as dt
import io

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bangfu.accounts import security
from bangfu.registry.models import Household
from bangfu.registry.services import member_identity_reveal
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reveals(county_a, bureau_staff, household_a):
    """Bureau staff revealed the ID number of household A's member 3 days ago, and of a member
    of another household of the village 20 days ago."""
    _county, _town, village = county_a
    other = HouseholdFactory(region=village, registry_number="530428-0002")
    MemberFactory(household=other, name="李四")
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=20), tick=False):
        member_identity_reveal(member=other.members.get(), by=bureau_staff)
    with time_machine.travel(now - dt.timedelta(days=3), tick=False):
        member_identity_reveal(member=household_a.members.get(), by=bureau_staff)
    return household_a, other


def rows_of(response) -> list[str]:
    return [entry.object_repr for entry in response.context["entries"]]


def test_a_household_search_finds_the_reveal_of_its_members_id_number(client, auditadmin, reveals):
    household, other = reveals
    member = household.members.get()
    client.force_login(auditadmin)
    response = client.get(
        reverse("audit:search"), {"household": household.registry_number, "action": "id_reveal"}
    )
    entries = response.context["entries"]
    assert [entry.object_id for entry in entries] == [member.pk]
    assert entries[0].actor.username == "bureau_a"
    page = response.content.decode()
    # The row names the member masked, never their name or ID number in full.
    assert member.name not in page and member.id_number not in page
    assert entries[0].object_repr in page
    # Control: the other household's search finds its own reveal.
    response = client.get(reverse("audit:search"), {"household": other.registry_number})
    found = {(e.content_type.model, e.object_id, e.action) for e in response.context["entries"]}
    neighbour = other.members.get().pk
    assert found == {
        ("household", other.pk, LogEntry.Action.CREATE),
        ("member", neighbour, LogEntry.Action.CREATE),
        ("member", neighbour, LogEntry.Action.ACCESS),
    }


def test_a_search_by_time_keeps_the_days_asked_for(client, auditadmin, reveals):
    household, _other = reveals
    client.force_login(auditadmin)
    today = timezone.localdate()
    recent = client.get(
        reverse("audit:search"),
        {"action": "id_reveal", "since": (today - dt.timedelta(days=7)).isoformat()},
    )
    assert [e.object_id for e in recent.context["entries"]] == [household.members.get().pk]
    everything = client.get(reverse("audit:search"), {"action": "id_reveal"})
    assert len(everything.context["entries"]) == 2
    older = client.get(
        reverse("audit:search"),
        {"action": "id_reveal", "until": (today - dt.timedelta(days=10)).isoformat()},
    )
    assert len(older.context["entries"]) == 1


def test_a_search_by_ip_address_and_user(client, auditadmin, bureau_staff, household_a):
    LogEntry.objects.log_create(
        household_a,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=bureau_staff,
        remote_addr="10.20.30.40",
    )
    LogEntry.objects.log_create(
        household_a,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=bureau_staff,
        remote_addr="10.20.30.41",
    )
    client.force_login(auditadmin)
    response = client.get(reverse("audit:search"), {"ip": "10.20.30.40"})
    assert [e.remote_addr for e in response.context["entries"]] == ["10.20.30.40"]
    by_user = client.get(reverse("audit:search"), {"actor": "bureau_a", "action": "access"})
    assert len(by_user.context["entries"]) == 2
    nobody = client.get(reverse("audit:search"), {"actor": "auditadmin", "action": "access"})
    assert nobody.context["entries"] == []


def test_an_unknown_registry_number_is_refused_by_name(english_client, auditadmin):
    client = english_client
    client.force_login(auditadmin)
    response = client.get(reverse("audit:search"), {"household": "530428-9999"})
    assert response.context["entries"] == []
    assert "No household has this registry number." in response.content.decode()


def test_pages_go_back_in_time_without_a_count(client, auditadmin, bureau_staff, household_a):
    for _ in range(55):
        LogEntry.objects.log_create(
            household_a, force_log=True, action=LogEntry.Action.ACCESS, actor=bureau_staff
        )
    client.force_login(auditadmin)
    first = client.get(reverse("audit:search"), {"action": "access"})
    assert len(first.context["entries"]) == 50
    second = client.get(
        reverse("audit:search"), {"action": "access", "before": first.context["next_before"]}
    )
    assert len(second.context["entries"]) == 5 and second.context["next_before"] is None
    seen = {e.pk for e in first.context["entries"]} | {e.pk for e in second.context["entries"]}
    assert len(seen) == 55


def test_the_export_holds_the_searched_rows_and_is_audited(client, auditadmin, reveals):
    household, _other = reveals
    client.force_login(auditadmin)
    search = {"household": household.registry_number, "action": "id_reveal"}
    shown = client.get(reverse("audit:search"), search).context["entries"]
    response = client.get(reverse("audit:export"), search)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(row[2], row[6], row[7]) for row in rows] == [
        (entry.actor.username, entry.object_repr, entry.cid or None) for entry in shown
    ]
    export = LogEntry.objects.get(actor=auditadmin, additional_data__export="audit_log")
    assert export.additional_data["filters"] == search
    assert export.additional_data["rows"] == 1


def test_entries_say_what_happened_in_words_not_keys(
    english_client, auditadmin, secadmin, bureau_staff, household_a
):
    client = english_client
    security.lockout_clear(user=bureau_staff, by=secadmin)
    LogEntry.objects.log_create(
        household_a,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        actor=bureau_staff,
        changes={"registry_number": ["530428-0001", "530428-0009"]},
    )
    client.force_login(auditadmin)
    events = client.get(reverse("audit:security")).content.decode()
    assert "security event: lockout lifted" in events and "lockout_cleared" not in events
    client.get(reverse("audit:export"))  # an export, then the search that lists it
    whats = [entry.what for entry in client.get(reverse("audit:search")).context["entries"]]
    field = str(Household._meta.get_field("registry_number").verbose_name)
    assert whats[:3] == ["access: audit log", f"update: {field}", "security event: lockout lifted"]
