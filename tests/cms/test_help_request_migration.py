"""Migration cms 0003 moves the receipts of help requests to referrals (0009), where the desk
triages them: every request keeps its code, phone hash, township and case, and is found again
by its code and phone; its case is no longer credited to a member of staff. Each request is
as far along as its case went, so the desk's to-do list holds only those nobody acted on and
no status page goes back. Reversed, the receipts go back to the site."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bangfu.core import crypto
from bangfu.core.todos import todos_for
from bangfu.referrals.models import HelpRequest, IntakeCase
from bangfu.referrals.public_intake import public_help_request_status
from tests.factories import HouseholdFactory, NeedFactory, StationFactory, UserFactory
from tests.migrating import ON_POSTGRESQL, migrate

BEFORE = [("cms", "0002_create_site"), ("referrals", "0008_intake_from_a_person")]
PHONE = "13912340001"

pytestmark = ON_POSTGRESQL


@pytest.mark.long
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


@pytest.mark.long
def test_a_moved_request_is_as_far_along_as_its_case_went(
    committed, county_a, bureau_staff, in_english
):
    _county, town, village = county_a
    clerk = UserFactory(username="clerk")
    old = migrate(BEFORE).loader.project_state(BEFORE).apps
    station = StationFactory(organisation__region=town)
    opened = timezone.now() - dt.timedelta(days=30)
    sent, closed = opened + dt.timedelta(days=1), opened + dt.timedelta(days=10)

    def case(code: str, status: str = "open", referral: tuple[str, str] | None = None) -> None:
        household = HouseholdFactory(region=village)
        need = NeedFactory(household=household)
        intake = old.get_model("referrals", "IntakeCase").objects.create(
            source="public_form",
            region_id=village.pk,
            household_id=household.pk,
            need_id=need.pk,
            description="网上求助",
            opened_by_id=clerk.pk,
            opened_at=opened,
            status=status,
            closed_at=closed if status == "closed" else None,
        )
        if referral is not None:
            old.get_model("referrals", "Referral").objects.create(
                intake_id=intake.pk,
                need_id=need.pk,
                provider_id=station.provider_id,
                sent_by_id=clerk.pk,
                sent_at=sent,
                accept_due_at=sent + dt.timedelta(days=2),
                status=referral[0],
                close_reason=referral[1],
            )
        old.get_model("cms", "HelpRequest").objects.create(
            code=code,
            phone_hash=crypto.lookup_hash(PHONE),
            township_id=town.pk,
            intake_id=intake.pk,
            consented_at=opened,
            created_at=opened,
        )

    case("NEWWAITS")
    case("SENTPROV", "referred", ("sent", ""))
    case("SERVEDOK", "closed", ("completed", ""))
    case("REFUSEDX", "closed", ("closed", "household_refused"))

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    moved = {row.code: row for row in HelpRequest.objects.all()}
    waiting = moved["NEWWAITS"]
    assert (waiting.status, waiting.acknowledged_at) == (HelpRequest.Status.NEW, None)
    for code in ("SENTPROV", "REFUSEDX"):  # the desk closes the refused one with its reason
        row = moved[code]
        assert row.status == HelpRequest.Status.ACKNOWLEDGED
        assert (row.acknowledged_at, row.acknowledged_by_id) == (sent, clerk.pk)
    served = moved["SERVEDOK"]
    assert (served.status, served.close_reason) == ("closed", HelpRequest.CloseReason.SERVED)
    assert (served.acknowledged_at, served.closed_at) == (sent, closed)
    status = public_help_request_status(code="SERV-EDOK", phone=PHONE)
    assert (status.stage, status.outcome) == ("closed", "Help was given.")
    titles = " ".join(todo.title for todo in todos_for(bureau_staff))
    assert waiting.display_code in titles  # positive control: nobody acted on it
    for code in ("SENTPROV", "SERVEDOK", "REFUSEDX"):
        assert moved[code].display_code not in titles
