"""The providers' portal as a phone uses it, over HTTP: answering and logging a session swap the
case page's body in place (htmx names the target ``case``), the same forms still post and
redirect without JavaScript, each card value carries its label, phones are ``tel:`` links,
durations, distances and deadlines carry their units, and nobody answers for another
provider's case."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from bangfu.referrals import services
from bangfu.referrals.models import IntakeCase, Referral, ServiceSession
from tests.factories import NeedFactory
from tests.referrals.test_portal_views import browser as signed_in

pytestmark = pytest.mark.django_db
ON_CASE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "case"}
IN_ROW = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "referral-1"}


def status(referral) -> str:
    return Referral.objects.get(pk=referral.pk).status


def session_data(referral, **changes) -> dict:
    return {
        "held_on": timezone.localdate().isoformat(),
        "duration_minutes": 75,
        "category": referral.need.category_id,
        "notes": "上门照料",
    } | changes


class Cells(HTMLParser):
    """The cells of ``table#inbox``'s body, each as its attributes."""

    def __init__(self):
        super().__init__()
        self.in_body, self.cells = False, []

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif tag == "td" and self.in_body:
            self.cells.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False


# --- answering from the case page ---------------------------------------------------------------


def test_accepting_on_the_case_page_swaps_its_body_with_the_new_status(referral, station):
    response = signed_in(station.staff).post(f"/portal/{referral.pk}/accept/", **ON_CASE)
    assert response.status_code == 200
    body = response.content.decode()
    # The case's body alone, not a table row nor a whole page.
    assert body.lstrip().startswith('<div id="case"') and "<html" not in body
    assert "<tr" not in body.split('id="sessions"')[0]
    assert 'id="case-status">accepted<' in body
    assert "Accepted. The household&#x27;s contact details are shown now." in body
    # What accepting opens: the contact details, and the session form that swaps in place too.
    assert 'href="tel:13800001111"' in body and "幸福路8号" in body
    assert 'id="session-form"' in body and 'hx-target="#case"' in body
    assert 'name="accept"' not in body
    assert status(referral) == Referral.Status.ACCEPTED


def test_accepting_without_javascript_redirects_to_the_case(referral, station):
    response = signed_in(station.staff).post(f"/portal/{referral.pk}/accept/")
    assert response.status_code == 302 and response["Location"] == f"/portal/{referral.pk}/"
    assert status(referral) == Referral.Status.ACCEPTED


def test_a_refused_acceptance_is_told_on_the_case_page(referral, station):
    type(station).objects.filter(pk=station.pk).update(capacity=0)
    response = signed_in(station.staff).post(f"/portal/{referral.pk}/accept/", **ON_CASE)
    body = response.content.decode()
    assert response.status_code == 200  # htmx swaps no 4xx answer
    assert "message-error" in body and "is full: 0 open cases of 0" in body
    assert 'id="case-status">sent<' in body and 'name="accept"' in body
    assert status(referral) == Referral.Status.SENT


def test_the_inbox_row_is_still_swapped_as_a_row(referral, station):
    body = signed_in(station.staff).post(f"/portal/{referral.pk}/accept/", **IN_ROW)
    assert body.content.decode().startswith(f'<tr id="referral-{referral.pk}">')


def test_declining_on_the_case_page_says_where_the_case_went(referral, station):
    client = signed_in(station.staff)
    response = client.post(
        f"/portal/{referral.pk}/decline/", {"reason": "outside_area", "note": ""}, **ON_CASE
    )
    body = response.content.decode()
    assert body.startswith('<div id="case"') and "went back to the intake desk" in body
    assert 'href="/portal/"' in body
    assert status(referral) == Referral.Status.DECLINED


def test_declining_without_a_reason_is_refused_on_the_case_page(referral, station):
    response = signed_in(station.staff).post(
        f"/portal/{referral.pk}/decline/", {"reason": ""}, **ON_CASE
    )
    body = response.content.decode()
    assert body.startswith('<div id="case"') and "Choose a reason for declining." in body
    assert status(referral) == Referral.Status.SENT


# --- logging a session without a reload ----------------------------------------------------------


def test_logging_a_session_swaps_the_log_in_place(accepted, station):
    response = signed_in(station.staff).post(
        f"/portal/{accepted.pk}/sessions/", session_data(accepted), **ON_CASE
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="case"') and "The session is logged." in body
    assert "75 minutes" in body and "上门照料" in body
    assert 'id="case-status">in service<' in body
    assert ServiceSession.objects.filter(referral=accepted).count() == 1


def test_a_refused_session_shows_its_error_in_place(accepted, station):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = signed_in(station.staff).post(
        f"/portal/{accepted.pk}/sessions/", session_data(accepted, held_on=future), **ON_CASE
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not ServiceSession.objects.filter(referral=accepted).exists()


def test_logging_a_session_without_javascript_redirects(accepted, station):
    response = signed_in(station.staff).post(
        f"/portal/{accepted.pk}/sessions/", session_data(accepted)
    )
    assert response.status_code == 302 and response["Location"] == f"/portal/{accepted.pk}/"


# --- what a card says -----------------------------------------------------------------------------


def test_every_inbox_card_value_has_its_label(referral, accepted, station):
    page = signed_in(station.staff).get("/portal/").content.decode()
    parser = Cells()
    parser.feed(page)
    assert len(parser.cells) == 7
    *values, actions = parser.cells
    assert all(cell.get("data-label") for cell in values), values
    # The actions' cell is labelled by its buttons: an empty label, shown as none.
    assert actions.get("data-label") == ""


def test_the_case_page_links_the_phone_only_once_accepted(referral, station):
    client = signed_in(station.staff)
    before = client.get(f"/portal/{referral.pk}/").content.decode()
    assert "tel:" not in before and "13800001111" not in before
    services.referral_accept(referral=referral, by=station.staff)
    after = client.get(f"/portal/{referral.pk}/").content.decode()
    assert '<a id="case-phone" href="tel:13800001111">13800001111</a>' in after


def test_durations_distances_and_deadlines_carry_their_units(accepted, station):
    client = signed_in(station.staff)
    client.post(f"/portal/{accepted.pk}/sessions/", session_data(accepted))
    Referral.objects.filter(pk=accepted.pk).update(distance_km=3.24)
    case = client.get(f"/portal/{accepted.pk}/").content.decode()
    assert ">75 minutes<" in case
    assert 'id="case-distance">3.2 km' in case
    inbox = client.get("/portal/").content.decode()
    assert "· 3.2 km" in inbox
    assert 'id="stat-accept-days">0 days<' in inbox


def test_a_deadline_says_how_long_is_left_or_how_late_it_is(referral, station):
    client = signed_in(station.staff)
    Referral.objects.filter(pk=referral.pk).update(
        accept_due_at=timezone.now() + dt.timedelta(hours=5, minutes=30)
    )
    case = client.get(f"/portal/{referral.pk}/").content.decode()
    assert "5 hours, 29 minutes left" in case.replace("\xa0", " ")
    Referral.objects.filter(pk=referral.pk).update(
        accept_due_at=timezone.now() - dt.timedelta(days=2, hours=1)
    )
    inbox = client.get("/portal/").content.decode()
    assert "2 days, 1 hour late" in inbox.replace("\xa0", " ")


def test_the_inbox_lists_the_cases_before_the_summary(referral, station):
    page = signed_in(station.staff).get("/portal/").content.decode()
    assert page.index('id="inbox"') < page.index('id="stat-open"')


def test_the_desks_note_travels_to_the_case_page(referral, station):
    client = signed_in(station.staff)
    assert 'id="case-note"' not in client.get(f"/portal/{referral.pk}/").content.decode()
    Referral.objects.filter(pk=referral.pk).update(note_to_provider="老人耳背，请大声说话")
    page = client.get(f"/portal/{referral.pk}/").content.decode()
    assert "Note from the intake desk" in page and "老人耳背，请大声说话" in page


# --- scoping ------------------------------------------------------------------------------------


def test_another_provider_cannot_answer_nor_log_on_the_case(referral, station, other_station):
    other = signed_in(other_station.staff)
    assert other.post(f"/portal/{referral.pk}/accept/", **ON_CASE).status_code == 404
    assert other.post(f"/portal/{referral.pk}/accept/").status_code == 404
    assert (
        other.post(f"/portal/{referral.pk}/decline/", {"reason": "full"}, **ON_CASE).status_code
        == 404
    )
    assert status(referral) == Referral.Status.SENT
    # Control: the station it was sent to may.
    own = signed_in(station.staff)
    assert own.post(f"/portal/{referral.pk}/accept/", **ON_CASE).status_code == 200
    assert status(referral) == Referral.Status.ACCEPTED
    response = other.post(f"/portal/{referral.pk}/sessions/", session_data(referral), **ON_CASE)
    assert response.status_code == 404
    assert not ServiceSession.objects.filter(referral=referral).exists()


# --- every link a provider is offered opens ------------------------------------------------------

LINK = re.compile(r'href="(/(?:staff|portal|providers|accounts)/[^"#?]*)"')


def links_reached(client, start: str = "/staff/start/", depth: int = 2) -> dict[str, int]:
    """Every signed-in link (path -> status after redirects) within ``depth`` clicks of the
    start page: the navigation, the user menu, the bell and the links inside the pages."""
    statuses, frontier = {}, [start]
    for _click in range(depth + 1):
        following = []
        for path in frontier:
            if path in statuses or path.startswith("/accounts/logout"):
                continue
            response = client.get(path, follow=True)
            statuses[path] = response.status_code
            if response.status_code == 200:
                following += LINK.findall(response.content.decode())
        frontier = following
    return statuses


def test_every_link_a_provider_is_offered_opens(accepted, station, volunteer, desk, household):
    intake = services.intake_open(
        by=desk, source=IntakeCase.Source.VISIT, need=NeedFactory(household=household)
    )
    task = services.referral_send(intake=intake, provider_id=volunteer.provider_id, by=desk)
    for user, case in ((station.staff, accepted), (volunteer.user, task)):
        reached = links_reached(signed_in(user))
        assert f"/portal/{case.pk}/" in reached, user
        assert {path: code for path, code in reached.items() if code != 200} == {}, user
