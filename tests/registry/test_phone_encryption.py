"""Households' phone numbers are encrypted at rest like ID numbers, with a keyed hash of the
number for exact searches; the migration encrypts the phones already stored, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from bangfu.core import crypto
from bangfu.core.phones import phone_lookup_hash
from bangfu.referrals.models import IntakeCase
from bangfu.registry.models import Household
from tests.factories import HouseholdFactory

PHONE = "13912345678"
BEFORE = [("registry", "0004_file_import_base"), ("referrals", "0003_project_referrals")]


def stored(table: str, column: str, pk: int) -> str:
    """The column of one row as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_phone_registered_through_the_form_is_stored_encrypted(client, bureau_staff, county_a):
    client.force_login(bureau_staff)
    _county, _town, village = county_a

    client.post(
        reverse("registry:household-create"),
        {
            "registry_number": "530428-0100",
            "region": village.pk,
            "address": "和平路 3 号",
            "phone": "139 1234 5678",
            "residence": "rural",
            "status": Household.Status.ACTIVE,
        },
    )

    household = Household.objects.get(registry_number="530428-0100")
    raw = stored("registry_household", "phone", household.pk)
    assert "1234" not in raw and crypto.decrypt(raw) == household.phone
    assert household.phone.replace(" ", "") == PHONE
    assert stored("registry_household", "phone_hash", household.pk) == phone_lookup_hash(PHONE)


@pytest.mark.django_db
def test_households_created_in_bulk_get_their_phone_hash(county_a):
    # the ledger import and the demo create households with bulk_create
    _county, _town, village = county_a
    Household.objects.bulk_create(
        [
            Household(registry_number="530428-0200", region=village, address="1", phone=PHONE),
            Household(registry_number="530428-0201", region=village, address="2", phone=""),
        ]
    )

    found = Household.objects.filter(phone_hash=phone_lookup_hash("+86 139-1234-5678"))
    assert [h.registry_number for h in found] == ["530428-0200"]
    assert Household.objects.get(registry_number="530428-0201").phone_hash == ""


@pytest.mark.django_db
def test_changing_the_phone_changes_its_hash(county_a):
    household = HouseholdFactory(region=county_a[2], phone=PHONE)
    household.phone = "0877-6012345"
    household.save()

    assert not Household.objects.filter(phone_hash=phone_lookup_hash(PHONE)).exists()
    assert Household.objects.get(phone_hash=phone_lookup_hash("08776012345")) == household


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_the_migration_encrypts_the_phones_already_stored_and_reverses(
    committed, county_a, bureau_staff
):
    _county, town, village = county_a
    executor = migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    household = old.get_model("registry", "Household").objects.create(
        registry_number="530428-0300",
        region_id=village.pk,
        address="老街 1 号",
        phone="139 1234-5678",
    )
    old.get_model("registry", "Household").objects.create(
        registry_number="530428-0301", region_id=village.pk, address="老街 2 号", phone=""
    )
    call = f"来电人张大爷，电话 {PHONE}，需要上门照料。"
    intake = old.get_model("referrals", "IntakeCase").objects.create(
        source="hotline", region_id=town.pk, description=call, opened_by_id=bureau_staff.pk
    )
    assert stored("registry_household", "phone", household.pk) == "139 1234-5678"  # in clear

    migrate(executor.loader.graph.leaf_nodes())

    raw_phone = stored("registry_household", "phone", household.pk)
    raw_call = stored("referrals_intakecase", "description", intake.pk)
    assert "1234" not in raw_phone and PHONE not in raw_call
    assert crypto.decrypt(raw_phone) == "139 1234-5678" and crypto.decrypt(raw_call) == call
    found = Household.objects.get(phone_hash=phone_lookup_hash(PHONE))
    assert found.pk == household.pk and found.phone == "139 1234-5678"
    assert Household.objects.get(registry_number="530428-0301").phone_hash == ""
    assert IntakeCase.objects.get(pk=intake.pk).description == call

    # and back: the phones are clear again, in a column as narrow as before
    executor = migrate(BEFORE)
    assert stored("registry_household", "phone", household.pk) == "139 1234-5678"
    assert stored("referrals_intakecase", "description", intake.pk) == call
    migrate(executor.loader.graph.leaf_nodes())
    assert Household.objects.get(pk=household.pk).phone == "139 1234-5678"
