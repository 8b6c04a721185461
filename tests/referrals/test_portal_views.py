"""The providers' portal over HTTP: a station's inbox and cases, a volunteer's tasks."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from bangfu.core.masking import mask_id_number
from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Referral
from bangfu.registry.models import Member, Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory
from tests.referrals.conftest import need_status

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(user)
    return client


def test_a_station_sees_its_referrals_and_not_another_stations(referral, station, other_station):
    page = browser(station.staff).get("/portal/")
    assert page.status_code == 200
    assert f'id="referral-{referral.pk}"' in page.content.decode()
    other = browser(other_station.staff)
    assert f'id="referral-{referral.pk}"' not in other.get("/portal/").content.decode()
    assert other.get(f"/portal/{referral.pk}/").status_code == 404
    assert other.post(f"/portal/{referral.pk}/accept/").status_code == 404
    assert other.post(f"/portal/{referral.pk}/decline/", {"reason": "full"}).status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


def test_the_inbox_filters_by_status_and_overdue(referral, accepted, station, desk, engine, place):
    household = HouseholdFactory(region=place["village"])
    MemberFactory(household=household)
    intake = services.intake_open(
        by=desk, source=IntakeCase.Source.VISIT, need=NeedFactory(household=household)
    )
    pending = services.referral_send(intake=intake, provider_id=station.provider_id, by=desk)
    client = browser(station.staff)
    page = client.get("/portal/", {"status": "sent"}).content.decode()
    assert f'id="referral-{pending.pk}"' in page
    assert f'id="referral-{accepted.pk}"' not in page
    Referral.objects.filter(pk=pending.pk).update(accept_due_at=timezone.now())
    page = client.get("/portal/", {"overdue": "on"}).content.decode()
    assert f'id="referral-{pending.pk}"' in page and f'id="referral-{accepted.pk}"' not in page


def test_accepting_in_one_click_swaps_the_row(referral, station):
    response = browser(station.staff).post(f"/portal/{referral.pk}/accept/", **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<tr id="referral-{referral.pk}">')
    assert "status-accepted" in body and "Log service" in body
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED


def test_a_full_station_is_told_so_in_the_row(referral, station):
    type(station).objects.filter(pk=station.pk).update(capacity=0)
    body = browser(station.staff).post(f"/portal/{referral.pk}/accept/", **HTMX).content.decode()
    assert 'class="row-error"' in body and "is full: 0 open cases of 0" in body
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


def test_declining_in_the_row_sends_the_case_back(referral, station):
    response = browser(station.staff).post(
        f"/portal/{referral.pk}/decline/", {"reason": "outside_area", "note": ""}, **HTMX
    )
    assert "declined" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.DECLINED
    assert need_status(referral.need) == Need.Status.OPEN


def test_declining_without_a_reason_is_refused_in_the_row(referral, station):
    body = (
        browser(station.staff)
        .post(f"/portal/{referral.pk}/decline/", {"reason": ""}, **HTMX)
        .content.decode()
    )
    assert 'class="row-error"' in body
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


def test_the_case_shows_what_the_service_needs_and_never_income_or_id(referral, station):
    member = Member.objects.get(household=referral.need.household)
    client = browser(station.staff)
    before = client.get(f"/portal/{referral.pk}/").content.decode()
    assert "村201" in before and "照料护理" in before
    for secret in ("欧阳晓明", "幸福路8号", "13800001111"):
        assert secret not in before
    services.referral_accept(referral=referral, by=station.staff)
    after = client.get(f"/portal/{referral.pk}/").content.decode()
    for detail in ("欧阳晓明", "幸福路8号", "13800001111"):
        assert detail in after
    for secret in ("321.45", member.id_number, mask_id_number(member.id_number)):
        assert secret not in before and secret not in after


def test_a_station_logs_two_sessions_and_completes(accepted, station):
    client = browser(station.staff)
    for notes in ("上门照料", "陪同复诊"):
        response = client.post(
            f"/portal/{accepted.pk}/sessions/",
            {
                "held_on": timezone.localdate().isoformat(),
                "duration_minutes": 75,
                "category": accepted.need.category_id,
                "notes": notes,
            },
        )
        assert response.status_code == 302
    page = client.get(f"/portal/{accepted.pk}/").content.decode()
    assert "上门照料" in page and "陪同复诊" in page
    response = client.post(f"/portal/{accepted.pk}/complete/", {"outcome": "生活能自理"})
    assert response.status_code == 302
    referral = Referral.objects.get(pk=accepted.pk)
    assert referral.status == Referral.Status.COMPLETED
    assert referral.sessions.count() == 2
    assert need_status(referral.need) == Need.Status.MET


def test_a_session_in_the_future_is_shown_on_its_field(accepted, station):
    response = browser(station.staff).post(
        f"/portal/{accepted.pk}/sessions/",
        {
            "held_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "duration_minutes": 30,
            "category": accepted.need.category_id,
        },
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()


def test_closing_without_service_asks_for_a_reason(accepted, station):
    client = browser(station.staff)
    assert client.post(f"/portal/{accepted.pk}/close/", {"reason": ""}).status_code == 400
    response = client.post(f"/portal/{accepted.pk}/close/", {"reason": "moved_away"})
    assert response.status_code == 302
    assert need_status(accepted.need) == Need.Status.WITHDRAWN


def test_a_volunteer_gets_a_phone_friendly_task_list(intake, desk, volunteer, station):
    task = services.referral_send(intake=intake, provider_id=volunteer.provider_id, by=desk)
    client = browser(volunteer.user)
    page = client.get("/portal/").content.decode()
    assert 'class="tasks"' in page and f'id="referral-{task.pk}"' in page
    assert "上午" in page  # the household's preferred time
    assert "幸福路8号" not in page
    body = client.post(f"/portal/{task.pk}/accept/", **HTMX).content.decode()
    assert body.startswith(f'<li class="task" id="referral-{task.pk}">')
    assert "幸福路8号" in body
    assert browser(station.staff).get(f"/portal/{task.pk}/").status_code == 404


def test_the_portal_is_for_providers_only(referral, desk):
    client = browser(desk)
    assert client.get("/portal/").status_code == 403
    assert client.get(f"/portal/{referral.pk}/").status_code == 403


def test_station_staff_are_sent_from_the_desk_to_their_portal(referral, station):
    client = browser(station.staff)
    assert client.get("/staff/referrals/")["Location"] == "/portal/"
    assert client.get(f"/staff/referrals/{referral.pk}/")["Location"] == f"/portal/{referral.pk}/"
    assert client.get("/staff/referrals/dashboard/").status_code == 403


def test_the_station_dashboard_counts_open_cases_against_capacity(accepted, station):
    page = browser(station.staff).get("/portal/").content.decode()
    assert '<p class="big" id="stat-open">1 / 2</p>' in page


def test_each_rows_decline_form_offers_every_reason_in_the_interface_language(referral, station):
    """The reasons' options are rendered once a page and shown in every row (and on the case
    page), translated, and one chosen there declines the referral."""
    client = browser(station.staff)
    with translation.override("en"):
        english = [
            f'<option value="{value}">{label}</option>'
            for value, label in Referral.DeclineReason.choices
        ]
    inbox = client.get("/portal/").content.decode()
    case = client.get(f"/portal/{referral.pk}/").content.decode()
    for page in (inbox, case):
        assert "".join(english) in page
    chinese = Client()
    chinese.force_login(station.staff)
    with translation.override("zh-hans"):
        options = [
            f'<option value="{value}">{label}</option>'
            for value, label in Referral.DeclineReason.choices
        ]
    assert "".join(options) in chinese.get("/portal/").content.decode()
    assert options != english  # positive control: the two languages differ
    response = client.post(f"/portal/{referral.pk}/decline/", {"reason": "full"}, **HTMX)
    assert response.status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.DECLINED


def test_the_rows_speak_chinese_in_local_time_and_escape_what_was_typed(intake, desk, volunteer):
    """The portal's rows and tasks are Jinja2 templates (``core.jinja``): their words come from
    the same catalogue, their deadlines in the site's time zone, and text people typed is
    escaped, as in the template language."""
    task = services.referral_send(intake=intake, provider_id=volunteer.provider_id, by=desk)
    Need.objects.filter(pk=task.need_id).update(preferred_times="<b>周三</b>上午")
    # 16:30 UTC is 00:30 the next day in Asia/Shanghai.
    due = dt.datetime(2099, 3, 9, 16, 30, tzinfo=dt.UTC)
    Referral.objects.filter(pk=task.pk).update(accept_due_at=due, distance_km=2.54)
    client = Client()
    client.force_login(volunteer.user)
    page = client.get("/portal/").content.decode()
    assert "&lt;b&gt;周三&lt;/b&gt;上午" in page and "<b>周三</b>" not in page
    assert '<time datetime="2099-03-10T00:30:00+08:00">03-10 00:30</time>' in page
    assert "(剩余 " in page and "2.5 公里" in page
    assert ">接受</button>" in page and 'name="csrfmiddlewaretoken"' in page


def test_the_inbox_filter_form_comes_when_its_panel_is_opened(referral, station):
    client = browser(station.staff)

    inbox = client.get("/portal/").content.decode()
    form = client.get("/portal/", {"status": "sent", "filters": "1"}, **HTMX).content.decode()
    filtered = client.get("/portal/", {"status": "sent"}).content.decode()

    assert 'name="category"' not in inbox and 'hx-get="?filters=1"' in inbox
    assert f'id="referral-{referral.pk}"' in inbox
    assert form.startswith('<form method="get">') and 'name="category"' in form
    assert '<option value="sent" selected>' in form and "referral-" not in form
    assert '<details class="filters" open>' in filtered and 'name="category"' in filtered


def test_an_answer_in_a_row_brings_the_figures_it_changes(intake, desk, volunteer, station):
    task = services.referral_send(intake=intake, provider_id=volunteer.provider_id, by=desk)
    client = browser(volunteer.user)
    before = client.get("/portal/").content.decode()
    assert "0 of 1 tasks under way · 1 awaiting your answer" in before

    body = client.post(f"/portal/{task.pk}/accept/", **HTMX).content.decode()

    # The task's card, then its figures swapped out of band: one under way, none waiting.
    card, summary = body.split('<div id="portal-summary" hx-swap-oob="true">')
    assert card.startswith(f'<li class="task" id="referral-{task.pk}">')
    assert "1 of 1 tasks under way · 0 awaiting your answer" in summary


def test_a_stations_answer_in_a_row_brings_its_dashboard(referral, station):
    client = browser(station.staff)
    assert '<p class="big" id="stat-open">0 / 2</p>' in client.get("/portal/").content.decode()

    body = client.post(f"/portal/{referral.pk}/accept/", **HTMX).content.decode()

    assert body.startswith(f'<tr id="referral-{referral.pk}">')
    summary = body.split('id="portal-summary" hx-swap-oob="true">')[1]
    assert '<p class="big" id="stat-open">1 / 2</p>' in summary


def test_a_stations_decline_in_a_row_brings_its_dashboard(referral, station):
    client = browser(station.staff)
    waiting = '<h2>Awaiting your answer</h2><p class="big">{}</p>'
    assert waiting.format(1) in client.get("/portal/").content.decode()

    body = client.post(f"/portal/{referral.pk}/decline/", {"reason": "full"}, **HTMX)

    row, summary = body.content.decode().split('id="portal-summary" hx-swap-oob="true">')
    assert "declined: it went back to the intake desk" in row
    assert waiting.format(0) in summary
