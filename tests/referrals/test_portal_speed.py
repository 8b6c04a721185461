"""The portal inbox reads what its rows show and no more, and counts its summary in one query
(issue #17: the page's time at the server)."""

import datetime as dt
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bangfu.referrals import dashboards
from bangfu.referrals.models import Referral
from tests.referrals.test_portal_queries import ROW, browser, send
from tests.sql import joins

pytestmark = pytest.mark.django_db


def rows_query(client) -> tuple[str, str]:
    """The inbox page, and the query that read its rows (the one that orders them)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/portal/")
    assert response.status_code == 200
    [sql] = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "referrals_referral"."id"')
        and "ORDER BY" in query["sql"]
    ]
    return response.content.decode(), sql


def test_the_inbox_joins_and_reads_only_what_its_rows_show(station, desk, place):
    send(2, to=station, desk=desk, village=place["village"])
    send(2, to=station, desk=desk, village=place["village"], status="in_service", sessions=1)
    page, sql = rows_query(browser(station.staff))
    assert len(ROW.findall(page)) == 4
    # Positive control: the rows show the service, the township and village, the provider.
    assert '"registry_servicecategory"."name"' in sql and '"regions_region"."name"' in sql
    assert "镇101 村201" in page
    # Need, category, household, village, township, provider: not the intake case too.
    assert joins(sql.split(" WHERE ")[0]) <= 6
    assert "referrals_intakecase" not in sql
    # Nor the household's contact, which the inbox never shows (the phone is encrypted).
    assert '"registry_household"."phone"' not in sql
    assert '"registry_household"."languages"' not in sql


def test_an_answered_row_is_swapped_in_with_the_same_content(station, desk, place):
    [referral] = send(1, to=station, desk=desk, village=place["village"])
    client = browser(station.staff)
    page, _sql = rows_query(client)
    response = client.post(f"/portal/{referral.pk}/accept/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = response.content.decode()
    assert f'id="referral-{referral.pk}"' in row and "status-accepted" in row
    assert "镇101 村201" in row and "Log service" in row
    assert "status-sent" in page  # positive control: the inbox showed it still to answer


def test_the_providers_summary_is_counted_in_one_query(
    station, desk, place, django_assert_max_num_queries
):
    now = timezone.now()
    send(3, to=station, desk=desk, village=place["village"])
    send(2, to=station, desk=desk, village=place["village"], status="accepted")
    Referral.objects.filter(status="sent").update(accept_due_at=now - dt.timedelta(hours=1))
    referrals = Referral.objects.for_provider(station.provider_id)
    waits = [
        (accepted - sent).total_seconds() / 86400
        for sent, accepted in referrals.filter(accepted_at__isnull=False).values_list(
            "sent_at", "accepted_at"
        )
    ]
    # The counts and the station's capacity (its own row): two queries, not five.
    with django_assert_max_num_queries(2):
        board = dashboards.provider_dashboard(station.provider, now=now)
    assert board.awaiting_answer == 3 and board.open_cases == 2
    assert board.overdue == referrals.overdue(now).count() == 3
    assert board.average_days_to_accept == round(statistics.fmean(waits), 1)
