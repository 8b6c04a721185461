"""An imported ledger leaves an audit trail like a form's: one entry per household and person
created, each tied to the file's import record, none holding a name or an ID number."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from bangfu.registry.models import Household, LedgerImport, Member
from tests.factories import make_id_number
from tests.registry.test_views import ledger_file, ledger_row, staff_client  # noqa: F401

pytestmark = pytest.mark.django_db

PEOPLE = [  # registry number, name, relation: three households, five people
    ("530428-0500", "赵大山", "户主"),
    ("530428-0500", "钱小花", "配偶"),
    ("530428-0501", "孙有福", "户主"),
    ("530428-0502", "周桂英", "户主"),
    ("530428-0502", "吴明亮", "子女"),
]


def ledger(village):
    rows = [
        ledger_row(
            village,
            registry_number=number,
            name=name,
            relation=relation,
            id_number=make_id_number(seq=410 + index, male=index % 2 == 0),
        )
        for index, (number, name, relation) in enumerate(PEOPLE)
    ]
    return rows, ledger_file(rows)


def created_entries(model):
    return LogEntry.objects.filter(
        action=LogEntry.Action.CREATE, content_type=ContentType.objects.get_for_model(model)
    )


def test_every_household_and_person_imported_gets_its_own_entry(
    staff_client,  # noqa: F811
    bureau_staff,
    county_a,
):
    rows, upload = ledger(county_a[2])

    response = staff_client.post(reverse("registry:household-import"), {"file": upload})

    assert response.context["report"].ok, response.context["report"].errors
    record = LedgerImport.objects.get()
    households, members = created_entries(Household), created_entries(Member)
    assert households.count() == 3 and members.count() == 5
    assert {e.object_id for e in households} == set(Household.objects.values_list("pk", flat=True))
    assert {e.object_id for e in members} == set(Member.objects.values_list("pk", flat=True))
    for entry in (*households, *members):
        assert entry.additional_data == {"ledger_import": record.pk}
        assert entry.actor == bureau_staff
        assert entry.remote_addr == "127.0.0.1"
    # named as auditlog names them itself: the registry number, a member's masked name
    assert households.filter(object_repr="530428-0501").exists()
    logged = " ".join(f"{entry.object_repr} {entry.changes}" for entry in members)
    for row in rows:
        assert row["id_number"] not in logged and row["name"] not in logged


def test_a_dry_run_writes_no_entry(
    staff_client,  # noqa: F811
    county_a,
):
    _rows, upload = ledger(county_a[2])

    response = staff_client.post(
        reverse("registry:household-import"), {"file": upload, "dry_run": "on"}
    )

    assert response.context["report"].households_created == 3  # checked, would create three
    assert not LogEntry.objects.filter(action=LogEntry.Action.CREATE).exists()
