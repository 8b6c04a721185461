"""The migration that encrypted the phones already stored (registry 0005, referrals 0004), and
back."""

import pytest

from bangfu.core import crypto
from bangfu.core.phones import phone_lookup_hash
from bangfu.referrals.models import IntakeCase
from bangfu.registry.models import Household
from tests.migrating import ON_POSTGRESQL, migrate
from tests.sql import stored

pytestmark = ON_POSTGRESQL

PHONE = "13912345678"
BEFORE = [("registry", "0004_file_import_base"), ("referrals", "0003_project_referrals")]


@pytest.mark.long
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
