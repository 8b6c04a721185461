"""A mini-program's day over the API only (bench/mini_program_day.py): the station's staff make
a token on their page, then list the inbox, accept, log two sessions and complete, each step an
API call; the desk sees the referral completed and the need met."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from bangfu.api.models import ApiToken
from bangfu.referrals.models import Referral
from bangfu.registry.models import Need
from bench.mini_program_day import DayFailed, mini_program_day

# The portal tests' county: the desk, the stations and the ranker they stub.
from tests.api.test_portal import (  # noqa: F401 (fixtures)
    desk,
    engine,
    household_need,
    other_station,
    send,
    station,
    volunteer,
)

pytestmark = pytest.mark.django_db


def token_made_on_the_page(user) -> str:
    """The secret the token page shows once, as its user makes it."""
    page = Client()
    page.force_login(user)
    response = page.post(
        "/staff/api/",
        {
            "name": "社工站小程序",
            "scope": ApiToken.Scope.READ_WRITE,
            "expires_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200, response.status_code
    return re.search(r'id="api-token-secret">(bfk_[^<]+)<', response.content.decode())[1]


def over_the_api(client, secret):
    def call(method, path, body):
        assert path.startswith("/api/v1/")
        response = client.generic(
            method,
            path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        return response.status_code, response.json()

    return call


def test_a_stations_day_over_the_api_only(client, engine, desk, station, county_a):  # noqa: F811
    need = household_need(
        county_a[2],
        number="530428-0077",
        phone="13900002222",
        address="村201 和平路3号",
        head="李秀英",
    )
    referral = send(desk, need, station)
    call = over_the_api(client, token_made_on_the_page(station.staff))
    steps = []

    done = mini_program_day(call, today=timezone.localdate(), log=steps.append)

    assert [line.split("  ")[0].strip() for line in steps] == [
        "inbox, new referrals",
        "accept",
        "read the case",
        "log a session",
        "log a session",
        "complete",
    ]
    assert done["id"] == referral.pk and done["status"] == "completed"
    assert len(done["sessions"]) == 2
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert Need.objects.get(pk=need.pk).status == Need.Status.MET
    # The next day's inbox has nothing new: the script says so instead of failing obscurely.
    with pytest.raises(DayFailed, match="no new referral"):
        mini_program_day(call, today=timezone.localdate(), log=steps.append)
