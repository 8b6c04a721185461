"""Migration cms 0003 moves the receipts of help requests to referrals (0009), where the desk
triages them: every request keeps its code, phone hash, township and case, and is found again
by its code and phone; its case is no longer credited to a member of staff. Reversed, the
receipts go back to the site."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bangfu.core import crypto
from bangfu.referrals.models import HelpRequest, IntakeCase
from bangfu.referrals.public_intake import public_help_request_status
from tests.factories import UserFactory

BEFORE = [("cms", "0002_create_site"), ("referrals", "0008_intake_from_a_person")]
PHONE = "13912340001"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="data migrations are exercised on PostgreSQL (CI's second stage)",
    ),
]


def migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)


def test_help_requests_move_to_referrals_and_keep_their_code_and_phone(
    committed, county_a, bureau_staff
):
    _county, town, _village = county_a
    clerk = UserFactory(username="clerk")
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    intake = old.get_model("referrals", "IntakeCase").objects.create(
        source="public_form",
        region_id=town.pk,
        description="网上求助 K7QM-3XPA",
        opened_by_id=clerk.pk,
    )
    submitted = timezone.now()
    old.get_model("cms", "HelpRequest").objects.create(
        code="K7QM3XPA",
        phone_hash=crypto.lookup_hash(PHONE),
        township_id=town.pk,
        intake_id=intake.pk,
        consented_at=submitted,
        created_at=submitted,
    )

    leaves = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    moved = HelpRequest.objects.get()
    assert (moved.code, moved.township_id, moved.intake_id) == ("K7QM3XPA", town.pk, intake.pk)
    assert moved.submitted_at == submitted and moved.status == HelpRequest.Status.NEW
    assert IntakeCase.objects.get(pk=intake.pk).opened_by is None
    status = public_help_request_status(code="k7qm-3xpa", phone=PHONE)
    assert status.stage == "submitted"

    back = migrate(BEFORE).loader.project_state(BEFORE).apps
    receipt = back.get_model("cms", "HelpRequest").objects.get()
    assert (receipt.code, receipt.intake_id) == ("K7QM3XPA", intake.pk)
    case = back.get_model("referrals", "IntakeCase").objects.get(pk=intake.pk)
    assert case.opened_by_id == bureau_staff.pk  # the township's desk, as before
    migrate(leaves.loader.graph.leaf_nodes())
    assert HelpRequest.objects.get().code == "K7QM3XPA"
