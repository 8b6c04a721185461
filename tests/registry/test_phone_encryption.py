"""Households' phone numbers are encrypted at rest like ID numbers, with a keyed hash of the
number for exact searches (the migration that encrypted the phones already stored:
``test_phone_encryption_migration``)."""

import pytest
from django.urls import reverse

from bangfu.core import crypto
from bangfu.core.phones import phone_lookup_hash
from bangfu.registry.models import Household
from tests.factories import HouseholdFactory
from tests.sql import stored

PHONE = "13912345678"


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
