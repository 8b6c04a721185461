"""A public help request reaches the desk of the township it names (and the assistant of the
village, if it names one), waits on their to-do list until a person acknowledges it, and is
triaged there: calls logged, a household linked, referred through the intake case, or closed
with a reason (served, another department with its transfer slip, not eligible, a duplicate,
unreachable after the policy's number of failed calls). The public status page says only what
happened, and the requester hears of each step by SMS (a fake gateway on loopback)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bangfu.core.todos import todos_for
from bangfu.referrals import services
from bangfu.referrals.models import HelpRequest, IntakeCase, RequesterMessage
from bangfu.referrals.services import help_requests as triage
from bangfu.referrals.services.help_requests import help_requests_tell_progress
from bangfu.regions.models import PolicyValue
from tests import fake_sms_gateway
from tests.factories import (
    HouseholdFactory,
    NeedFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    member_of,
    region_chain,
)
from tests.referrals.conftest import Role

sms_gateway = fake_sms_gateway.sms_gateway  # the fixture
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NAME, PHONE = "慕容求助", "13912340001"
STORY = "家中老人卧床，子女在外务工，无人照料，希望上门帮助。"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


class EnglishClient(Client):
    """A browser whose user chose English with the language switch, and keeps it across a
    logout: pages default to Chinese, and the tests assert the msgids."""

    def request(self, **request):
        self.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return super().request(**request)


@pytest.fixture
def client():
    return EnglishClient()


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Runs what a block queues for after the commit (the SMS tasks), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def submit(client, place, *, village=None, phone=PHONE, address="10.0.0.1") -> HelpRequest:
    response = client.post(
        "/help/",
        {
            "name": NAME,
            "phone": phone,
            "township": place["town"].pk,
            "village": village.pk if village else "",
            "description": STORY,
            "consent": "on",
            "website": "",
        },
        REMOTE_ADDR=address,
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return HelpRequest.objects.latest("pk")


def public_status(client, help_request, phone=PHONE) -> str:
    response = client.post("/help/status/", {"code": help_request.display_code, "phone": phone})
    assert response.status_code == 200
    return response.content.decode()


def done_steps(html: str) -> list[str]:
    return re.findall(r'<li class="done" data-step="(\w+)">', html)


def refer(help_request, desk, household, need, station):
    intake = help_request.intake
    services.intake_link_household(intake=intake, household=household, by=desk)
    services.intake_attach_need(intake=intake, need=need, by=desk)
    return services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)


def complete(referral, station, *, taken_on=False):
    """The station takes the case on (unless it did), serves it once and completes it."""
    if not taken_on:
        services.referral_accept(referral=referral, by=station.staff)
    services.service_session_log(
        referral=referral,
        by=station.staff,
        held_on=timezone.localdate(),
        duration_minutes=60,
        category=referral.need.category,
    )
    return services.referral_complete(referral=referral, by=station.staff, outcome="已上门照料")


def detail(client, help_request):
    return client.get(f"/staff/referrals/help/{help_request.pk}/")


def post(client, help_request, action: str, data=None):
    return client.post(f"/staff/referrals/help/{help_request.pk}/{action}/", data or {})


# --- routing and scoping ---------------------------------------------------------------------


def test_a_request_reaches_the_township_desk_and_the_named_villages_assistant(
    client, place, desk, county_staff, assistant
):
    help_request = submit(client, place, village=place["village"])
    intake = help_request.intake
    assert intake.opened_by is None and intake.source == IntakeCase.Source.PUBLIC_FORM
    assert intake.region == place["village"]
    for user in (desk, county_staff, assistant):  # the desk, the county above, the assistant
        client.force_login(user)
        page = detail(client, help_request)
        assert page.status_code == 200 and PHONE in page.content.decode()
        assert help_request.display_code in client.get("/staff/referrals/help/").content.decode()


def test_an_assistant_sees_only_requests_naming_their_village(client, place, desk, assistant):
    elsewhere = submit(client, place, phone="13912340002")  # no village named
    client.force_login(assistant)
    assert detail(client, elsewhere).status_code == 404
    assert elsewhere.display_code not in client.get("/staff/referrals/help/").content.decode()
    # Positive control: the desk sees it.
    client.force_login(desk)
    assert detail(client, elsewhere).status_code == 200


def test_another_countys_staff_can_neither_read_nor_change_a_request(client, place, desk):
    help_request = submit(client, place)
    other = UserFactory(username="outsider")
    *_above, other_county, _town, _village = region_chain("350502", "001", "001")
    member_of(
        other,
        OrganisationFactory(kind="bureau", name="外县民政局", region=other_county),
        Role.BUREAU_STAFF,
    )
    client.force_login(other)
    assert detail(client, help_request).status_code == 404
    assert post(client, help_request, "acknowledge").status_code == 404
    assert help_request.display_code not in client.get("/staff/referrals/help/").content.decode()
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.NEW
    # Positive control: the township's desk acknowledges it.
    client.force_login(desk)
    assert post(client, help_request, "acknowledge").status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.ACKNOWLEDGED


def test_whoever_no_longer_holds_the_case_neither_reads_nor_triages_its_request(
    client, place, desk, assistant
):
    # The requester names the assistant's village; their household is in another village of
    # the township, whose assistant the case (and the request) moves to.
    village_203 = RegionFactory(
        code="530428101203", name="村203", level=place["village"].level, parent=place["town"]
    )
    household = HouseholdFactory(region=village_203)
    new_assistant = UserFactory(username="assistant_203")
    member_of(
        new_assistant,
        OrganisationFactory(kind="village", name="村203村委会", region=village_203),
        Role.ASSISTANT,
        villages=[village_203],
    )
    help_request = submit(client, place, village=place["village"])
    client.force_login(assistant)
    assert detail(client, help_request).status_code == 200  # positive control: theirs so far
    triage.help_request_attach_household(help_request=help_request, household=household, by=desk)

    assert detail(client, help_request).status_code == 404
    assert post(client, help_request, "calls", {"reached": "no"}).status_code == 404
    assert help_request.display_code not in client.get("/staff/referrals/help/").content.decode()
    with pytest.raises(PermissionDenied):
        triage.help_request_close(help_request=help_request, by=assistant, reason="not_eligible")
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.ACKNOWLEDGED
    assert help_request.contact_attempts.count() == 0
    assert help_request.intake.status == IntakeCase.Status.OPEN
    # Positive controls: the new village's assistant, and the township's desk.
    for user in (new_assistant, desk):
        client.force_login(user)
        assert detail(client, help_request).status_code == 200
    assert post(client, help_request, "calls", {"reached": "yes"}).status_code == 302


def test_a_public_case_is_linked_only_to_a_household_of_the_township_named(
    client, place, county_staff, household
):
    help_request = submit(client, place)
    elsewhere = HouseholdFactory(region=place["other_village"])
    client.force_login(county_staff)  # the county's staff hold both townships
    url = f"/staff/referrals/intake/{help_request.intake_id}/household/"
    refused = client.post(url, {"household": elsewhere.pk})
    assert refused.status_code == 400
    assert "the township the requester named" in refused.content.decode()
    assert IntakeCase.objects.get(pk=help_request.intake_id).household is None
    # Positive control: a household of the township named.
    assert client.post(url, {"household": household.pk}).status_code == 302
    assert IntakeCase.objects.get(pk=help_request.intake_id).household == household


def test_a_public_case_is_opened_by_no_one_only_when_it_came_from_the_form(place, desk):
    with pytest.raises(IntegrityError), transaction.atomic():
        IntakeCase.objects.create(
            source=IntakeCase.Source.HOTLINE, region=place["town"], description="来电"
        )


# --- to-dos ----------------------------------------------------------------------------------


def test_a_new_request_is_on_the_desks_and_the_assistants_to_do_list_until_acknowledged(
    client, place, desk, assistant, station
):
    help_request = submit(client, place, village=place["village"])
    for user in (desk, assistant):
        titles = [todo.title for todo in todos_for(user)]
        assert any(help_request.display_code in title for title in titles), titles
    assert not any(help_request.display_code in t.title for t in todos_for(station.staff))
    triage.help_request_acknowledge(help_request=help_request, by=assistant)
    assert not any(help_request.display_code in t.title for t in todos_for(desk))


def test_a_request_not_acknowledged_in_two_days_is_urgent(client, place, desk):
    help_request = submit(client, place)
    later = help_request.submitted_at + dt.timedelta(days=3)
    (todo,) = [t for t in todos_for(desk, now=later) if help_request.display_code in t.title]
    assert todo.urgent and todo.url == f"/staff/referrals/help/{help_request.pk}/"


# --- the status page tells only what happened -----------------------------------------------


def test_the_status_page_moves_only_when_a_person_acts(
    client, place, desk, engine, station, household, need
):
    help_request = submit(client, place)
    assert done_steps(public_status(client, help_request)) == ["submitted"]
    client.force_login(desk)
    assert detail(client, help_request).status_code == 200  # reading is not acknowledging
    client.logout()
    assert done_steps(public_status(client, help_request)) == ["submitted"]

    client.force_login(desk)
    assert post(client, help_request, "acknowledge").status_code == 302
    client.logout()
    html = public_status(client, help_request)
    assert done_steps(html) == ["submitted", "acknowledged"]
    assert 'id="status-stage">Acknowledged by the township<' in html

    intake = help_request.intake
    services.intake_link_household(intake=intake, household=household, by=desk)
    services.intake_attach_need(intake=intake, need=need, by=desk)
    referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    assert done_steps(public_status(client, help_request))[-1] == "referred"
    services.referral_accept(referral=referral, by=station.staff)
    html = public_status(client, help_request)
    assert done_steps(html)[-1] == "in_service"
    assert 'id="status-outcome"' not in html

    complete(referral, station, taken_on=True)  # which closes the request
    html = public_status(client, help_request)
    assert done_steps(html) == ["submitted", "acknowledged", "referred", "in_service", "closed"]
    assert 'id="status-outcome">Help was given.<' in html
    for detail_ in (NAME, STORY, station.organisation.name, household.registry_number):
        assert detail_ not in html


def test_a_declined_referral_takes_the_request_back_to_the_desk_on_the_status_page(
    client, place, desk, engine, station, household, need
):
    help_request = submit(client, place)
    client.force_login(desk)
    post(client, help_request, "acknowledge")
    client.logout()
    referral = refer(help_request, desk, household, need, station)
    assert done_steps(public_status(client, help_request))[-1] == "referred"  # positive control
    services.referral_decline(referral=referral, by=station.staff, reason="full")
    html = public_status(client, help_request)
    assert done_steps(html) == ["submitted", "acknowledged"]
    assert 'id="status-stage">Acknowledged by the township<' in html


def test_a_closed_request_lists_only_the_steps_it_went_through(client, place, desk):
    help_request = submit(client, place)
    client.force_login(desk)
    response = post(
        client,
        help_request,
        "close",
        {"reason": "not_eligible", "department": "education", "details": "学费减免归教育局"},
    )
    assert response.status_code == 302
    client.logout()
    html = public_status(client, help_request)
    assert done_steps(html) == ["submitted", "acknowledged", "closed"]
    assert 'data-step="referred"' not in html  # never referred: not shown as a step to come
    assert "You may apply to the education bureau (教育)." in html
    assert "学费减免" not in html  # the desk's details are the desk's


# --- triage ------------------------------------------------------------------------------------


def test_a_call_logged_acknowledges_and_is_listed(client, place, desk):
    help_request = submit(client, place)
    client.force_login(desk)
    response = post(client, help_request, "calls", {"reached": "no", "note": "无人接听"})
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.acknowledged_by == desk and help_request.contact_attempts.count() == 1
    assert "无人接听" in detail(client, help_request).content.decode()


def test_unreachable_is_refused_before_the_policys_number_of_failed_calls(client, place, desk):
    help_request = submit(client, place)
    client.force_login(desk)
    for _ in range(2):
        post(client, help_request, "calls", {"reached": "no"})
    post(client, help_request, "calls", {"reached": "yes"})  # reached once: not a failure
    response = post(client, help_request, "close", {"reason": "unreachable"})
    assert response.status_code == 400
    assert "Try to reach the requester 3 times" in response.content.decode()
    assert "(2 failed so far)" in response.content.decode()
    post(client, help_request, "calls", {"reached": "no"})
    assert post(client, help_request, "close", {"reason": "unreachable"}).status_code == 302
    help_request.refresh_from_db()
    assert help_request.close_reason == HelpRequest.CloseReason.UNREACHABLE
    assert help_request.intake.status == IntakeCase.Status.CLOSED


def test_the_page_asks_for_the_calls_the_closing_asks_for_todays_policy(client, place, desk):
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(dt.datetime(2025, 12, 31, 20, 0, tzinfo=shanghai), tick=False):
        help_request = submit(client, place)
    PolicyValue.objects.create(
        key="help_request_contact_attempts",
        region=place["county"],
        year=2026,
        value=1,
        source="县民政局通知",
    )
    with time_machine.travel(dt.datetime(2026, 1, 5, 10, 0, tzinfo=shanghai), tick=False):
        client.force_login(desk)
        assert "needs 1 failed calls (0 so far)" in detail(client, help_request).content.decode()
        post(client, help_request, "calls", {"reached": "no"})
        assert post(client, help_request, "close", {"reason": "unreachable"}).status_code == 302


def test_the_number_of_calls_is_the_regions_policy(client, place, desk):
    help_request = submit(client, place)
    PolicyValue.objects.create(
        key="help_request_contact_attempts",
        region=place["county"],
        year=help_request.submitted_at.year - 1,
        value=1,
        source="县民政局通知",
    )
    client.force_login(desk)
    post(client, help_request, "calls", {"reached": "no"})
    assert post(client, help_request, "close", {"reason": "unreachable"}).status_code == 302


def test_a_transfer_names_its_department_and_prints_a_slip(client, place, desk):
    help_request = submit(client, place)
    client.force_login(desk)
    refused = post(client, help_request, "close", {"reason": "other_department"})
    assert refused.status_code == 400
    assert "Name the department the request goes to." in refused.content.decode()
    slip_url = f"/staff/referrals/help/{help_request.pk}/transfer-slip/"
    assert client.get(slip_url).status_code == 404  # not transferred (yet)
    response = post(
        client,
        help_request,
        "close",
        {"reason": "other_department", "department": "medical_insurance", "details": "住院费用"},
    )
    assert response.status_code == 302
    page = detail(client, help_request).content.decode()
    assert f'id="transfer-slip" href="{slip_url}"' in page
    slip = client.get(slip_url).content.decode()
    assert "medical insurance bureau (医保)" in slip
    for detail_ in (NAME, PHONE, STORY, "住院费用", help_request.display_code):
        assert detail_ in slip  # the department calls the requester
    client.logout()
    html = public_status(client, help_request)
    assert "passed to the medical insurance bureau (医保)" in html and "住院费用" not in html


def test_a_duplicate_names_the_request_it_repeats(client, place, desk):
    first = submit(client, place)
    second = submit(client, place, address="10.0.0.2")
    client.force_login(desk)
    own = post(client, second, "close", {"reason": "duplicate", "duplicate_of": second.code})
    assert own.status_code == 400
    assert "Give the code of the other request" in own.content.decode()
    code = first.display_code.lower()
    assert (
        post(client, second, "close", {"reason": "duplicate", "duplicate_of": code}).status_code
        == 302
    )
    second.refresh_from_db()
    assert second.duplicate_of == first and first.status == HelpRequest.Status.NEW


def test_the_requesters_household_is_linked_from_the_registry_search(
    client, place, desk, household
):
    help_request = submit(client, place)
    other = HouseholdFactory(region=place["other_village"])
    client.force_login(desk)
    refused = post(client, help_request, "household", {"household": other.pk})
    assert refused.status_code == 400  # another township than the request named
    assert post(client, help_request, "household", {"household": household.pk}).status_code == 302
    help_request.refresh_from_db()
    assert help_request.intake.household == household
    assert help_request.intake.region == household.region
    page = detail(client, help_request).content.decode()
    assert f'id="refer" href="/staff/referrals/intake/{help_request.intake_id}/"' in page


def test_a_case_with_a_provider_is_not_closed_for_another_reason(
    client, place, desk, engine, station, household, need
):
    help_request = submit(client, place)
    intake = help_request.intake
    services.intake_link_household(intake=intake, household=household, by=desk)
    services.intake_attach_need(intake=intake, need=need, by=desk)
    services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    client.force_login(desk)
    response = post(client, help_request, "close", {"reason": "not_eligible"})
    assert response.status_code == 400
    assert "The case is with a provider" in response.content.decode()


def test_served_is_refused_while_a_provider_has_the_case(
    client, place, desk, engine, station, household, need
):
    help_request = submit(client, place)
    refer(help_request, desk, household, need, station)  # sent, not yet taken on
    client.force_login(desk)
    response = post(client, help_request, "close", {"reason": "served"})
    assert response.status_code == 400
    assert "closes as served when the provider completes the service" in response.content.decode()
    help_request.refresh_from_db()
    assert help_request.status != HelpRequest.Status.CLOSED
    assert "closed" not in done_steps(public_status(client, help_request))
    # Positive control: a request the desk helped without a provider closes as served.
    helped = submit(client, place, phone="13912340002", address="10.0.0.2")
    assert post(client, helped, "close", {"reason": "served"}).status_code == 302
    assert 'id="status-outcome">Help was given.<' in public_status(client, helped, "13912340002")


def test_completing_the_service_closes_the_request_as_served(
    client, place, desk, engine, station, household, need, sms_gateway, committing
):
    with committing():
        help_request = submit(client, place)
    with committing():
        referral = refer(help_request, desk, household, need, station)  # nobody acknowledged
        complete(referral, station)
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CLOSED
    assert help_request.close_reason == HelpRequest.CloseReason.SERVED
    assert help_request.closed_by == station.staff
    # Acknowledged, in effect, by the desk that referred the case, when it did.
    assert (help_request.acknowledged_at, help_request.acknowledged_by) == (referral.sent_at, desk)
    assert help_request.intake.status == IntakeCase.Status.CLOSED
    assert list(help_request.messages.values_list("step", flat=True)) == ["submitted", "closed"]
    assert sms_gateway.texts[-1] == triage.message_text(help_request, "closed")
    html = public_status(client, help_request)
    assert done_steps(html)[-1] == "closed" and 'id="status-outcome">Help was given.<' in html


def test_the_request_page_and_its_slip_read_the_household_and_the_county_in_their_query(
    client, place, desk, household
):
    help_request = submit(client, place)
    triage.help_request_attach_household(help_request=help_request, household=household, by=desk)
    triage.help_request_close(
        help_request=help_request, by=desk, reason="other_department", department="education"
    )
    client.force_login(desk)
    with CaptureQueriesContext(connection) as page:
        response = detail(client, help_request)
    assert household.registry_number in response.content.decode()  # the household is shown
    with CaptureQueriesContext(connection) as slip:
        response = client.get(f"/staff/referrals/help/{help_request.pk}/transfer-slip/")
    assert place["county"].name in response.content.decode()  # the township's county is shown
    assert not [q for q in page if 'FROM "registry_household"' in q["sql"]]
    region_by_id = 'FROM "regions_region" WHERE "regions_region"."id" ='
    assert not [q for q in slip if region_by_id in q["sql"]]


def test_an_auditor_reads_but_does_not_triage(client, place, desk):
    help_request = submit(client, place)
    auditor = UserFactory(username="auditor")
    member_of(
        auditor,
        OrganisationFactory(kind="bureau", name="审计", region=place["county"]),
        Role.AUDITOR,
    )
    client.force_login(auditor)
    page = detail(client, help_request).content.decode()
    assert 'id="acknowledge"' not in page and PHONE not in page  # masked for this role
    assert post(client, help_request, "acknowledge").status_code == 403
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.NEW


# --- the requester is told of each step by SMS -------------------------------------------------


def test_the_requester_is_texted_each_step_with_the_code_and_no_personal_data(
    client, place, desk, sms_gateway, engine, station, household, need, committing
):
    with committing():
        help_request = submit(client, place)
    client.force_login(desk)
    with committing():
        post(client, help_request, "acknowledge")
    intake = help_request.intake
    with committing():
        services.intake_link_household(intake=intake, household=household, by=desk)
        services.intake_attach_need(intake=intake, need=need, by=desk)
        referral = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    with committing():
        help_requests_tell_progress()  # the periodic pass: what happened on the referral's side
    with committing():
        services.referral_accept(referral=referral, by=station.staff)
    with committing():
        help_requests_tell_progress()
        help_requests_tell_progress()  # twice: nothing is told twice
    with committing():
        complete(referral, station, taken_on=True)
    steps = list(help_request.messages.values_list("step", flat=True))
    assert steps == ["submitted", "acknowledged", "referred", "in_service", "closed"]
    assert len(sms_gateway.received) == 5
    assert {request["body"]["to"] for request in sms_gateway.received} == {PHONE}
    for text in sms_gateway.texts:
        assert help_request.display_code in text
        for detail_ in (NAME, STORY, PHONE, household.registry_number, station.organisation.name):
            assert detail_ not in text
    assert all(message.sent_at for message in help_request.messages.all())


def test_the_periodic_pass_costs_the_same_however_many_requests_were_told(
    client, place, desk, engine, station, sms_gateway, committing
):
    def referred(n: int) -> HelpRequest:
        household = HouseholdFactory(region=place["village"])
        help_request = submit(client, place, phone=f"1391234010{n}", address=f"10.0.1.{n}")
        refer(help_request, desk, household, NeedFactory(household=household), station)
        return help_request

    with committing():
        first = referred(0)
    with committing():
        help_requests_tell_progress()
    assert first.messages.get(step="referred").sent_at  # positive control: the step is told
    with CaptureQueriesContext(connection) as one_told:
        assert help_requests_tell_progress() == 0
    with committing():
        for n in range(1, 4):
            referred(n)
        help_requests_tell_progress()
    assert RequesterMessage.objects.filter(step="referred", sent_at__isnull=False).count() == 4
    with CaptureQueriesContext(connection) as four_told:
        assert help_requests_tell_progress() == 0
    assert len(four_told) == len(one_told) <= 2


def test_a_gateway_that_fails_never_fails_the_request_and_is_tried_again(
    client, place, desk, sms_gateway, committing
):
    sms_gateway.status = 500
    with committing():
        help_request = submit(client, place)  # answered 302 all the same
    (message,) = RequesterMessage.objects.filter(help_request=help_request)
    assert message.sent_at is None and message.error == "gateway answered 500"
    assert message.attempts == 1
    sms_gateway.status = 200
    with committing():
        help_requests_tell_progress()
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2 and message.error == ""
    # Positive control: the township's desk sees the button and the number on the same page,
    # and its acknowledgement goes through.
    client.force_login(desk)
    page = detail(client, help_request).content.decode()
    assert 'id="acknowledge"' in page and PHONE in page
    assert post(client, help_request, "acknowledge").status_code == 302
