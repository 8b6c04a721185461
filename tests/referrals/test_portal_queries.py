"""The portal's inbox and case page at a station with many referrals: the same number of queries
for 5 referrals as for 50, pages by key that repeat and skip nothing while cases arrive, and no
other provider's referral on any page."""

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bangfu.referrals.models import IntakeCase, Referral, ReferralEvent, ServiceSession
from bangfu.registry.models import Need
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r'id="referral-(\d+)"')
NEXT = re.compile(r'href="\?([^"]*)" rel="next"')
URGENCIES = (Need.Urgency.ROUTINE, Need.Urgency.EMERGENCY, Need.Urgency.SOON, Need.Urgency.URGENT)


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(user)
    return client


def send(count, *, to, desk, village, status=Referral.Status.SENT, sessions=0) -> list[Referral]:
    """``count`` referrals to the provider ``to``, of new households of ``village``, each with
    ``sessions`` sessions of service: written directly, the services' rules are tested in
    test_lifecycle and test_portal_views."""
    now = timezone.now()
    made = []
    for number in range(count):
        household = HouseholdFactory(
            region=village, address=f"幸福路{number}号", phone="13900002222"
        )
        MemberFactory(household=household, name="司马光明")
        need = NeedFactory(household=household, urgency=URGENCIES[number % len(URGENCIES)])
        intake = IntakeCase.objects.create(
            source=IntakeCase.Source.VISIT,
            region=village,
            need=need,
            opened_by=desk,
            status=IntakeCase.Status.REFERRED,
        )
        accepted = status != Referral.Status.SENT
        referral = Referral.objects.create(
            intake=intake,
            need=need,
            provider_id=to.provider_id,
            status=status,
            sent_by=desk,
            sent_at=now - dt.timedelta(hours=number + 1),
            accept_due_at=now + dt.timedelta(hours=47 - number),
            accepted_at=now - dt.timedelta(hours=number) if accepted else None,
            service_due_at=now + dt.timedelta(days=3) if accepted else None,
        )
        for day in range(sessions):
            ServiceSession.objects.create(
                referral=referral,
                held_on=timezone.localdate() - dt.timedelta(days=day),
                duration_minutes=60,
                category=need.category,
                provided_by=desk,
            )
        made.append(referral)
    return made


def queries_of(client, path: str, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_inbox_makes_as_many_queries_for_50_referrals_as_for_5(station, desk, place):
    send(3, to=station, desk=desk, village=place["village"])
    send(2, to=station, desk=desk, village=place["village"], status="in_service", sessions=2)
    client = browser(station.staff)
    client.get("/portal/")  # the session's first request stores what later ones reuse
    few, page = queries_of(client, "/portal/")
    assert len(ROW.findall(page)) == 5
    send(25, to=station, desk=desk, village=place["village"])
    send(10, to=station, desk=desk, village=place["village"], status="accepted")
    send(10, to=station, desk=desk, village=place["village"], status="completed", sessions=3)
    many, page = queries_of(client, "/portal/")
    assert len(ROW.findall(page)) == 25  # a page
    assert few == many
    assert "50 referrals" in page
    # A filtered inbox shows its filter form (its choices' queries), as the unfiltered one
    # does when asked for it.
    with_form, _page = queries_of(client, "/portal/", filters="1")
    filtered, page = queries_of(client, "/portal/", status="completed")
    assert len(ROW.findall(page)) == 10 and filtered == with_form > many


def test_the_inbox_asks_for_the_providers_reach_once(station, desk, place):
    """The inbox's rows are the station's reach narrowed to its providers: PostgreSQL planned the
    same subquery twice (the area-or-reach of ``for_user``, then the reach) for 7 ms at 3k."""
    send(3, to=station, desk=desk, village=place["village"])
    client = browser(station.staff)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/portal/").content.decode()
    assert len(ROW.findall(page)) == 3
    rows = [q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"]]
    rows = [sql for sql in rows if sql.startswith('SELECT "referrals_referral"."id"')]
    assert rows and all(sql.count('FROM "providers_provider"') == 1 for sql in rows)
    # Positive control: the referrals the station may read (its area or its reach) name the
    # reach in a subquery too, as the inbox's query did a second time.
    readable = str(Referral.objects.for_user(station.staff).query)
    assert 'FROM "providers_provider"' in readable


def test_a_volunteers_task_list_makes_as_many_queries_for_20_tasks_as_for_2(volunteer, desk, place):
    send(2, to=volunteer, desk=desk, village=place["village"])
    client = browser(volunteer.user)
    client.get("/portal/")
    few, page = queries_of(client, "/portal/")
    assert 'class="tasks"' in page and len(ROW.findall(page)) == 2
    send(18, to=volunteer, desk=desk, village=place["village"], status="in_service", sessions=2)
    many, page = queries_of(client, "/portal/")
    assert len(ROW.findall(page)) == 20 and few == many


def test_the_case_page_makes_as_many_queries_for_6_sessions_as_for_1(station, desk, place):
    one, six = (
        send(1, to=station, desk=desk, village=place["village"], status="in_service", sessions=n)[0]
        for n in (1, 6)
    )
    for action in ("sent", "accepted", "escalated", "in_service"):
        ReferralEvent.objects.create(referral=six, action=action, by=station.staff)
    client = browser(station.staff)
    client.get(f"/portal/{one.pk}/")
    few, page = queries_of(client, f"/portal/{one.pk}/")
    assert page.count("60 minutes") == 1
    many, page = queries_of(client, f"/portal/{six.pk}/")
    assert page.count("60 minutes") == 6 and "first service" in page
    assert few == many


def walk(client, *, between=()) -> tuple[list[int], int]:
    """Every row's id, following the inbox's "next" links from the first page, and the number
    of pages; ``between`` the clicks, the functions given are called in turn."""
    between = list(between)
    seen, pages, query = [], 0, ""
    while True:
        body = client.get(f"/portal/?{query}").content.decode()
        seen += [int(pk) for pk in ROW.findall(body)]
        pages += 1
        following = NEXT.search(body)
        if not following:
            return seen, pages
        query = html.unescape(following.group(1))
        if between:
            between.pop(0)()


def test_paging_by_key_shows_each_referral_once_while_new_ones_arrive(
    monkeypatch, station, desk, place
):
    monkeypatch.setattr("bangfu.referrals.views.portal.PAGE_SIZE", 4)
    first = send(7, to=station, desk=desk, village=place["village"])
    first += send(4, to=station, desk=desk, village=place["village"], status="completed")
    arrived = []

    def arrive(count):
        # Routine cases and an emergency: some sort after the cursor, one before it.
        return lambda: arrived.extend(send(count, to=station, desk=desk, village=place["village"]))

    seen, pages = walk(browser(station.staff), between=[arrive(1), arrive(2)])
    assert pages >= 3
    assert len(seen) == len(set(seen))  # nothing twice
    assert set(referral.pk for referral in first) <= set(seen)  # nothing skipped
    assert set(seen) <= {referral.pk for referral in first + arrived}


def test_a_station_never_sees_another_stations_referral_on_any_page(
    monkeypatch, station, other_station, volunteer, desk, place
):
    monkeypatch.setattr("bangfu.referrals.views.portal.PAGE_SIZE", 3)
    ours = send(4, to=station, desk=desk, village=place["village"])
    ours += send(2, to=station, desk=desk, village=place["village"], status="completed")
    theirs = send(4, to=other_station, desk=desk, village=place["other_village"])
    tasks = send(2, to=volunteer, desk=desk, village=place["village"])
    for provider_user, own, others in (
        (station.staff, ours, theirs + tasks),
        (other_station.staff, theirs, ours + tasks),
        (volunteer.user, tasks, ours + theirs),
    ):
        client = browser(provider_user)
        seen, _ = walk(client)
        # Positive control: every referral of its own, once; and none of anyone else's.
        assert sorted(seen) == sorted(referral.pk for referral in own)
        assert not set(seen) & {referral.pk for referral in others}
        assert client.get(f"/portal/{own[0].pk}/").status_code == 200
        assert client.get(f"/portal/{others[0].pk}/").status_code == 404
    # The township filter offers the station its own townships only; asked for another one, it
    # is ignored and the station still sees only its own referrals.
    client = browser(station.staff)
    page = client.get("/portal/", {"filters": "1"}, HTTP_HX_REQUEST="true").content.decode()
    townships = re.search(r'<select name="township".*?</select>', page, flags=re.S).group(0)
    assert f'value="{place["town"].pk}"' in townships
    assert f'value="{place["other_town"].pk}"' not in townships
    for town in ("town", "other_town"):
        page = client.get("/portal/", {"township": place[town].pk}).content.decode()
        shown = {int(pk) for pk in ROW.findall(page)}
        assert shown and shown <= {referral.pk for referral in ours}


def test_the_inbox_still_shows_the_cases_and_not_who_or_where_the_household_is(
    station, desk, place
):
    (pending,) = send(1, to=station, desk=desk, village=place["village"])
    (served,) = send(
        1, to=station, desk=desk, village=place["village"], status="in_service", sessions=2
    )
    Need.objects.filter(pk=pending.need_id).update(urgency=Need.Urgency.EMERGENCY)
    page = browser(station.staff).get("/portal/").content.decode()
    rows = dict(re.findall(r'<tr id="referral-(\d+)">(.*?)</tr>', page, flags=re.S))
    row = rows[str(pending.pk)]
    assert f"Referral {pending.pk}" in row and "照料护理" in row
    assert "镇101 村201" in row and "status-sent" in row and "urgency-emergency" in row
    assert 'name="accept"' in row and 'name="decline"' in row
    assert re.search(r'data-label="Sessions">0<', row)
    assert re.search(r'data-label="Sessions">2<', rows[str(served.pk)])
    assert "Log service" in rows[str(served.pk)]
    assert list(rows) == [str(pending.pk), str(served.pk)]  # the emergency first
    for secret in ("司马光明", "幸福路", "13900002222"):
        assert secret not in page
