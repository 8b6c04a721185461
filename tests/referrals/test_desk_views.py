"""The intake desk, the referral page and the bureau's dashboard over HTTP."""

import io

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from bangfu.providers.services import provider_sync
from bangfu.referrals import services
from bangfu.referrals.models import Feedback, IntakeCase, Notification, Referral
from bangfu.registry.models import Need
from tests.referrals.conftest import need_status

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(user)
    return client


def complete(referral, station):
    services.referral_accept(referral=referral, by=station.staff)
    services.service_session_log(
        referral=referral,
        by=station.staff,
        held_on=timezone.localdate(),
        duration_minutes=60,
        category=referral.need.category,
    )
    return services.referral_complete(referral=referral, by=station.staff, outcome="完成")


def test_the_desk_lists_needs_waiting_and_opens_a_case(engine, assistant, need):
    client = browser(assistant)
    page = client.get("/staff/referrals/").content.decode()
    assert f"/staff/referrals/intake/new/?need={need.pk}" in page
    form = client.get(f"/staff/referrals/intake/new/?need={need.pk}").content.decode()
    assert f'<input type="hidden" name="need" value="{need.pk}">' in form
    assert '<select name="need"' not in form
    response = client.post(
        "/staff/referrals/intake/new/", {"need": need.pk, "source": "visit", "description": ""}
    )
    intake = IntakeCase.objects.get()
    assert response["Location"] == f"/staff/referrals/intake/{intake.pk}/"
    assert intake.opened_by == assistant and intake.need == need


def test_a_hotline_call_without_a_need_is_opened_on_its_township(engine, desk, place):
    client = browser(desk)
    response = client.post(
        "/staff/referrals/intake/new/",
        {
            "source": "hotline",
            "caller_name": "李四",
            "caller_phone": "13812345678",
            "place": place["town"].code,
            "description": "12349来电求助",
        },
    )
    assert response.status_code == 302
    intake = IntakeCase.objects.get()
    assert intake.region == place["town"] and intake.need is None
    missing = client.post("/staff/referrals/intake/new/", {"source": "hotline", "place": ""})
    assert missing.status_code == 400
    assert "record their name, phone and place" in missing.content.decode()


def test_the_case_shows_candidates_with_the_score_in_parts(intake, desk, station):
    page = browser(desk).get(f"/staff/referrals/intake/{intake.pk}/").content.decode()
    assert station.organisation.name in page
    for part in ("distance", "skills", "quality", "capacity", "chance of success"):
        assert part in page
    assert 'title="skills 100%"' in page
    assert "Send to the first candidate" in page


def test_staff_refer_to_the_candidate_they_pick(intake, desk, other_station):
    response = browser(desk).post(
        f"/staff/referrals/intake/{intake.pk}/refer/",
        {"kind": "station", "provider": other_station.provider_id},
    )
    referral = Referral.objects.get()
    assert response["Location"] == f"/staff/referrals/{referral.pk}/"
    assert referral.provider == other_station.provider
    assert referral.rank == 2 and referral.score == pytest.approx(0.7)


def test_a_provider_that_is_not_a_candidate_cannot_be_picked(intake, desk, station):
    response = browser(desk).post(
        f"/staff/referrals/intake/{intake.pk}/refer/", {"kind": "station", "provider": 999}
    )
    assert response.status_code == 302
    assert not Referral.objects.exists()


def test_send_to_the_first_candidate(intake, desk, station):
    browser(desk).post(f"/staff/referrals/intake/{intake.pk}/refer-first/")
    assert Referral.objects.get().provider == station.provider


def test_another_countys_staff_get_404_everywhere(referral, outsider_staff):
    client = browser(outsider_staff)
    for url in (
        f"/staff/referrals/intake/{referral.intake_id}/",
        f"/staff/referrals/{referral.pk}/",
    ):
        assert client.get(url).status_code == 404
    for url in (
        f"/staff/referrals/intake/{referral.intake_id}/refer-first/",
        f"/staff/referrals/{referral.pk}/revoke/",
    ):
        assert client.post(url, {"note": "x"}).status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


def test_staff_withdraw_a_referral_with_a_reason(referral, desk):
    client = browser(desk)
    assert client.post(f"/staff/referrals/{referral.pk}/revoke/", {"note": ""}).status_code == 400
    response = client.post(f"/staff/referrals/{referral.pk}/revoke/", {"note": "家属已安排"})
    assert response["Location"] == f"/staff/referrals/intake/{referral.intake_id}/"
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.REVOKED
    assert need_status(referral.need) == Need.Status.OPEN


def test_staff_record_the_households_feedback_after_completion(referral, station, desk):
    client = browser(desk)
    page = client.get(f"/staff/referrals/{referral.pk}/").content.decode()
    assert 'name="satisfaction"' not in page
    complete(referral, station)
    page = client.get(f"/staff/referrals/{referral.pk}/").content.decode()
    assert 'name="satisfaction"' in page
    response = client.post(
        f"/staff/referrals/{referral.pk}/feedback/", {"satisfaction": 4, "comments": "好"}
    )
    assert response.status_code == 302
    assert Feedback.objects.get().satisfaction == 4
    assert "4/5" in client.get(f"/staff/referrals/{referral.pk}/").content.decode()


def test_the_dashboard_shows_counts_speed_and_charts(referral, station, county_staff):
    complete(referral, station)
    page = browser(county_staff).get("/staff/referrals/dashboard/").content.decode()
    assert '<p class="big" id="stat-total">1</p>' in page
    assert '<td class="num" data-status="completed">1</td>' in page
    assert page.count("<svg") >= 2 and "Acceptance rate by provider" in page
    assert '<p class="big" id="stat-service">0' in page
    assert "<script" not in page.split("</main>")[0].split("<main")[1]


def test_the_dashboard_lists_needs_without_any_candidate(engine, desk, need, county_staff):
    engine.candidates = []
    intake = services.intake_open(by=desk, source=IntakeCase.Source.VISIT, need=need)
    page = browser(county_staff).get("/staff/referrals/dashboard/").content.decode()
    assert f"/staff/referrals/intake/{intake.pk}/" in page


def test_the_export_has_one_row_per_referral_and_no_personal_data(referral, station, desk):
    complete(referral, station)
    response = browser(desk).get("/staff/referrals/dashboard/referrals.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == referral.pk and rows[1][3] == "村201"
    text = " ".join(str(cell) for row in rows for cell in row)
    for secret in ("欧阳晓明", "幸福路8号", "13800001111", "321.45"):
        assert secret not in text


def test_notifications_are_counted_in_the_bell_and_opened_from_the_list(referral, station):
    client = browser(station.staff)
    note = Notification.objects.get(recipient=station.staff)
    page = client.get("/staff/referrals/notifications/").content.decode()
    assert note.message in page and f"/staff/referrals/notifications/{note.pk}/" in page
    response = client.post(f"/staff/referrals/notifications/{note.pk}/")
    assert response["Location"] == f"/portal/{referral.pk}/"
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_the_bell_shows_the_unread_count(referral, station):
    from django.template import Context, Template

    html = Template("{% load referral_tags %}{% notification_bell %}").render(
        Context({"user": station.staff})
    )
    assert 'class="bell-count"' in html and ">1<" in html
    Notification.objects.update(read_at=timezone.now())
    html = Template("{% load referral_tags %}{% notification_bell %}").render(
        Context({"user": station.staff})
    )
    assert 'class="bell-count"' not in html


def test_administrators_read_referrals_and_their_history_but_change_nothing(referral):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = browser(root)
    page = client.get(f"/admin/referrals/referral/{referral.pk}/change/")
    assert page.status_code == 200 and 'id="events-group"' in page.content.decode()
    assert client.get("/admin/referrals/referral/").status_code == 200
    assert client.get("/admin/referrals/referral/add/").status_code == 403
    response = client.post(f"/admin/referrals/referral/{referral.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Referral.objects.filter(pk=referral.pk).exists()


def test_staff_attach_the_need_recorded_after_a_call(engine, desk, place, need):
    intake = services.intake_open(
        by=desk, source="hotline", township=place["town"], description="12349来电求助"
    )
    client = browser(desk)
    client.post(f"/staff/referrals/intake/{intake.pk}/household/", {"household": need.household_id})
    page = client.get(f"/staff/referrals/intake/{intake.pk}/").content.decode()
    assert f'id="take-need-{need.pk}"' in page
    response = client.post(f"/staff/referrals/intake/{intake.pk}/need/", {"need": need.pk})
    assert response["Location"] == f"/staff/referrals/intake/{intake.pk}/"
    assert IntakeCase.objects.get(pk=intake.pk).need == need
    assert "Send to the first candidate" in client.get(response["Location"]).content.decode()


def test_the_export_writes_a_name_that_looks_like_a_formula_as_text(referral, station, desk):
    station.organisation.name = '=HYPERLINK("http://x","y")'
    station.organisation.save()
    provider_sync(profile=station)  # the station saved again: its provider takes the new name

    response = browser(desk).get("/staff/referrals/dashboard/referrals.xlsx")

    provider = openpyxl.load_workbook(io.BytesIO(response.content)).active.cell(2, 7)
    assert (provider.value, provider.data_type) == ('=HYPERLINK("http://x","y")', "s")
