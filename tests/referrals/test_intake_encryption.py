"""A call's description at the intake desk (the caller's name, phone and situation, as the
public help form writes it) is encrypted at rest and shown in clear to the desk's staff; roles
that may not reveal a person see the caller masked, and each page that shows the caller in clear
(the case, the help request, its transfer slip) leaves an audited access of the case."""

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.referrals.models import HelpRequest, IntakeCase
from bangfu.referrals.services import help_requests as triage
from tests.factories import OrganisationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

NAME, PHONE = "慕容求助", "13912340001"
MASKED = ("慕**助", "139****0001")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def ask_for_help(client, township) -> HelpRequest:
    response = client.post(
        "/help/",
        {
            "name": NAME,
            "phone": PHONE,
            "township": township.pk,
            "description": "家中老人卧床，无人照料。",
            "consent": "on",
            "website": "",
        },
    )
    assert response.status_code == 302
    return HelpRequest.objects.get()


def accesses() -> list[tuple[str, str]]:
    """The audited readings of a person: (who, what was read)."""
    return [
        (entry.actor.username, entry.object_repr)
        for entry in LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")
    ]


@pytest.fixture
def auditor(county_a):
    county, _town, _village = county_a
    user = UserFactory(username="auditor_a")
    audit = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="审计", region=county)
    member_of(user, audit, Membership.Role.AUDITOR)
    return user


def test_a_help_request_reaches_the_desk_readable_but_is_stored_encrypted(
    client, county_a, bureau_staff
):
    _county, township, _village = county_a
    ask_for_help(client, township)
    intake = IntakeCase.objects.get()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT description, caller_name, caller_phone FROM referrals_intakecase WHERE id = %s",
            [intake.pk],
        )
        raw = " ".join(cursor.fetchone())
    assert PHONE not in raw and "慕容" not in raw
    client.force_login(bureau_staff)
    page = client.get(reverse("referrals:intake-detail", args=[intake.pk])).content.decode()

    assert intake.caller_phone == PHONE and intake.caller_name == NAME
    assert intake.description == "家中老人卧床，无人照料。"
    assert "无人照料" not in raw
    assert PHONE in page  # the desk calls the person back


def test_an_auditor_reads_the_caller_masked_and_the_desks_reading_is_audited(
    client, county_a, bureau_staff, auditor
):
    _county, township, _village = county_a
    help_request = ask_for_help(client, township)
    intake = help_request.intake
    pages = (
        reverse("referrals:intake-detail", args=[intake.pk]),
        reverse("referrals:help-detail", args=[help_request.pk]),
    )
    client.force_login(auditor)
    for url in pages:
        page = client.get(url).content.decode()
        assert all(masked in page for masked in MASKED), url
        assert NAME not in page and PHONE not in page, url
    assert accesses() == []

    # Positive control: the desk calls the person back, and each reading is on record.
    client.force_login(bureau_staff)
    for url in pages:
        page = client.get(url).content.decode()
        assert NAME in page and f'href="tel:{PHONE}"' in page, url
    assert accesses() == [("bureau_a", str(intake))] * 2


def test_printing_the_transfer_slip_is_an_audited_reading_of_the_caller(
    client, county_a, bureau_staff
):
    _county, township, _village = county_a
    help_request = ask_for_help(client, township)
    triage.help_request_close(
        help_request=help_request,
        by=bureau_staff,
        reason=HelpRequest.CloseReason.OTHER_DEPARTMENT,
        department=HelpRequest.Department.MEDICAL_INSURANCE,
    )
    client.force_login(bureau_staff)

    slip = client.get(reverse("referrals:help-transfer-slip", args=[help_request.pk]))

    assert NAME in slip.content.decode() and PHONE in slip.content.decode()
    assert accesses() == [("bureau_a", str(help_request.intake))]
