"""一键求助: a short public form opens an intake case for the township's desk and returns a
tracking code; the status page, by code and phone, shows progress without personal details.
Spam: honeypot, size limit, rate limits per address and per phone. (The desk's triage and the
status page's steps: tests/referrals/test_help_requests.py.)"""

import re

import pytest
from django.utils import timezone, translation

from bangfu.core.masking import mask_name, mask_phone
from bangfu.referrals.help_progress import STAGES
from bangfu.referrals.models import HelpRequest, IntakeCase

pytestmark = pytest.mark.django_db

NAME, PHONE = "慕容求助", "13912340001"
DESCRIPTION = "家中老人卧床，子女在外务工，无人照料，希望上门帮助。"


@pytest.fixture
def township(county_a, bureau_staff):
    """County A's township; its desk is the county bureau's staff (no township bureau)."""
    return county_a[1]


def ask(client, place, *, address="10.0.0.1", **changes):
    data = {
        "name": NAME,
        "phone": PHONE,
        "township": place.pk,
        "description": DESCRIPTION,
        "consent": "on",
        "website": "",
        **changes,
    }
    return client.post("/help/", data, REMOTE_ADDR=address)


def code_of(response) -> str:
    return code_of_page(response.content.decode())


def code_of_page(html: str) -> str:
    return re.search(r'id="tracking-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', html)[1]


def test_a_request_opens_an_intake_case_for_the_township_and_gives_a_code(
    en_client, township, bureau_staff
):
    response = ask(en_client, township)
    assert response.status_code == 302 and response["Location"] == "/help/received/"
    code = code_of(en_client.get("/help/received/"))
    intake = IntakeCase.objects.get()
    assert intake.source == IntakeCase.Source.PUBLIC_FORM
    assert intake.region == township and intake.status == IntakeCase.Status.OPEN
    assert intake.opened_by is None  # the public opened it, not a member of staff
    assert (intake.caller_name, intake.caller_phone) == (NAME, PHONE)  # whom to call back
    assert intake.description == DESCRIPTION
    help_request = HelpRequest.objects.get()
    assert help_request.intake == intake and help_request.display_code == code
    assert help_request.status == HelpRequest.Status.NEW and help_request.acknowledged_at is None
    assert en_client.get("/help/received/").status_code == 302  # the code is shown once


def test_a_visitors_request_reaches_the_desk_and_its_progress_comes_back(
    client, township, bureau_staff
):
    # Typed the way people type: a phone number in groups, a story over two lines.
    story = (
        "我母亲今年82岁，上周在家摔了一跤，现在下不了床。\n"
        "我在昆明打工，回不去，想请人上门照看几天。"
    )
    response = ask(client, township, name=" 李秀英 ", phone="139-1234 0001", description=story)
    assert response.status_code == 302
    code = code_of(client.get("/help/received/"))
    # The township's desk finds the case, with the code the visitor was given.
    client.force_login(bureau_staff)
    intake = IntakeCase.objects.get()
    case = client.get(f"/staff/referrals/intake/{intake.pk}/").content.decode()
    assert code in case and "李秀英" in case and "13912340001" in case
    client.logout()
    # The visitor looks it up with the code in lower case and the phone written another way.
    status = client.post("/help/status/", {"code": code.lower().replace("-", ""), "phone": PHONE})
    html = status.content.decode()
    with translation.override("zh-hans"):
        received = str(dict(STAGES)["submitted"])
    assert status.status_code == 200 and f'id="status-stage">{received}<' in html
    for detail in ("李秀英", "摔了一跤", PHONE, mask_phone(PHONE)):
        assert detail not in html
    assert township.name in html and timezone.localdate().isoformat() in html


def test_the_status_page_shows_progress_without_personal_details(en_client, township):
    ask(en_client, township)
    code = code_of(en_client.get("/help/received/"))
    response = en_client.post("/help/status/", {"code": code.lower(), "phone": "139 1234 0001"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="status-stage">Submitted<' in html and township.name in html
    assert '<li class="done" data-step="submitted">' in html
    assert '<li class="done" data-step="acknowledged">' not in html  # nobody has, yet
    for detail in (NAME, mask_name(NAME), PHONE, mask_phone(PHONE), DESCRIPTION):
        assert detail not in html


def test_the_status_page_has_the_code_at_hand_without_it_in_the_url(en_client, township):
    ask(en_client, township)
    received = en_client.get("/help/received/").content.decode()
    code = code_of_page(received)
    link = re.search(r'id="check-progress" href="([^"]+)"', received)[1]
    assert link == "/help/status/"  # neither the code nor the phone travel in the URL
    form = en_client.get(link).content.decode()
    assert f'name="code" value="{code}"' in form  # this browser's session remembers it
    assert 'name="phone" value' not in form  # the phone is typed again, never carried


def test_a_code_in_the_url_fills_nothing_in(client, township):
    # Another browser, with someone's code in a link: the form stays empty.
    form = client.get("/help/status/?code=K7QM-3XPA").content.decode()
    field = re.search(r'<input[^>]*name="code"[^>]*>', form)[0]
    assert "value" not in field


def test_the_village_named_lets_its_assistant_see_the_request(en_client, county_a, bureau_staff):
    _county, township, village = county_a
    assert ask(en_client, township, village=village.pk).status_code == 302
    help_request = HelpRequest.objects.get()
    assert help_request.village == village and help_request.intake.region == village


def test_a_village_of_another_township_is_refused(en_client, county_a, county_b, bureau_staff):
    response = ask(en_client, county_a[1], village=county_b[2].pk)
    assert response.status_code == 400
    assert "This village is not in the township you chose." in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_a_wrong_phone_or_code_finds_nothing(en_client, township):
    ask(en_client, township)
    code = code_of(en_client.get("/help/received/"))
    for data in ({"code": code, "phone": "13912340002"}, {"code": "AAAA-BBBB", "phone": PHONE}):
        response = en_client.post("/help/status/", data)
        assert response.status_code == 404
        assert "No request matches this code and phone number." in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"consent": ""}, "We can only help if we may contact you."),
        ({"phone": "12345"}, "Enter a mobile number (11 digits) or a landline"),
        ({"description": "太难了"}, "at least 10 characters"),
        ({"name": "x" * 21}, "at most 20 characters"),
        ({"township": ""}, "This field is required."),
    ],
    ids=["consent", "phone", "too-short", "too-long-name", "township"],
)
def test_bad_input_gets_a_clear_error_and_opens_nothing(en_client, township, changes, field_error):
    response = ask(en_client, township, **changes)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not IntakeCase.objects.exists()


def test_the_honeypot_stops_a_bot(en_client, township):
    response = ask(en_client, township, website="http://spam.example")
    assert response.status_code == 400
    assert not IntakeCase.objects.exists()


def test_an_oversized_request_is_refused(en_client, township):
    response = ask(en_client, township, description="帮" * 5000)
    assert response.status_code == 413
    assert not IntakeCase.objects.exists()


def test_one_address_is_limited(en_client, township):
    statuses = [ask(en_client, township, phone="").status_code for _ in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    assert "Too many attempts" in ask(en_client, township).content.decode()
    assert ask(en_client, township, address="10.0.0.2").status_code == 302  # another address


def test_one_phone_is_limited_whatever_the_address(en_client, township):
    codes = [ask(en_client, township, address=f"10.0.1.{n}").status_code for n in range(4)]
    assert codes == [302, 302, 302, 429]
    assert IntakeCase.objects.count() == 3


def test_a_township_without_a_desk_asks_to_call_12349(en_client, county_b):
    response = ask(en_client, county_b[1])
    assert response.status_code == 400
    assert "please call 12349" in response.content.decode()
    assert not IntakeCase.objects.exists()
