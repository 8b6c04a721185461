"""The public site and an offer approved ahead of its start: its page says when it starts
(即将开始), never that it has ended, and the offer lists and the home page show it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangfu.offers import services as offers
from bangfu.offers.models import Offer
from cms.models import HomePage, OfferIndexPage, OfferPage
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOMORROW = dt.date(2026, 11, 21)


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)) as traveller:
        yield traveller


def approve(offer, by, capture) -> OfferPage:
    with capture(execute=True):
        offers.offer_approve(offer=offer, by=by)
    return OfferPage.objects.get(offer=offer)


def test_an_offer_starting_tomorrow_says_so_and_is_listed(
    clock, charity, bureau_staff, en_client, django_capture_on_commit_callbacks
):
    current = OfferFactory(charity=charity, status=Offer.Status.PENDING, title="爱心大米")
    upcoming = OfferFactory(
        charity=charity,
        status=Offer.Status.PENDING,
        title="冬季棉被",
        valid_from=TOMORROW,
        valid_until=TOMORROW + dt.timedelta(days=30),
    )
    current_page = approve(current, bureau_staff, django_capture_on_commit_callbacks)
    page = approve(upcoming, bureau_staff, django_capture_on_commit_callbacks)

    notice = en_client.get(page.url)
    assert notice.status_code == 200
    html = notice.content.decode()
    assert "Starting soon" in html and "This offer starts on 2026-11-21" in html
    assert "This offer has ended." not in html

    index = en_client.get(OfferIndexPage.objects.get().url).content.decode()
    assert page.url in index and "From 2026-11-21" in index
    assert index.index(current_page.url) < index.index(page.url)  # what is on now comes first
    home = en_client.get(HomePage.objects.get().url).content.decode()
    assert page.url in home

    clock.move_to(dt.datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI))
    html = en_client.get(page.url).content.decode()
    assert "Starting soon" not in html and "This offer has ended." not in html
    index = en_client.get(OfferIndexPage.objects.get().url).content.decode()
    assert "Until 2026-12-21" in index and "From 2026-11-21" not in index
