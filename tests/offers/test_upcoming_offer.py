"""An offer approved ahead of its start: listed as starting soon (即将开始) with its start date
on the staff and charity pages, never shown as ended, and allocated only from its first day."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bangfu.offers import selectors, services
from bangfu.offers.models import Offer
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 20)
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture
def clock():
    """20 November 2026, mid-morning in Yuanjiang; ``clock.move_to`` goes on a day."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)) as traveller:
        yield traveller


@pytest.fixture
def upcoming(clock, charity, bureau_staff, client):
    """冬季棉被 from tomorrow for a month, approved today by the county bureau on its page."""
    offer = OfferFactory(
        charity=charity,
        status=Offer.Status.PENDING,
        title="冬季棉被",
        valid_from=TOMORROW,
        valid_until=TOMORROW + dt.timedelta(days=30),
    )
    client.force_login(bureau_staff)
    assert client.post(f"/staff/offers/{offer.pk}/approve/").status_code == 302
    client.logout()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED
    return offer


def test_the_bureau_lists_it_as_starting_soon_with_its_start_date(
    upcoming, bureau_staff, en_client
):
    en_client.force_login(bureau_staff)
    listing = en_client.get("/staff/offers/").content.decode()
    assert "冬季棉被" in listing
    assert "Starting soon" in listing and "From 2026-11-21" in listing

    detail = en_client.get(f"/staff/offers/{upcoming.pk}/").content.decode()
    assert "This offer starts on 2026-11-21." in detail
    assert "Eligible needs in your area" not in detail  # nothing to allocate before it starts


def test_its_charity_sees_it_starting_soon(upcoming, charity_user, en_client):
    en_client.force_login(charity_user)
    home = en_client.get("/charity/").content.decode()
    assert "冬季棉被" in home and "Starting soon" in home and "From 2026-11-21" in home
    detail = en_client.get(f"/charity/offers/{upcoming.pk}/").content.decode()
    assert "This offer starts on 2026-11-21." in detail


def test_it_is_listed_after_the_current_offers_and_not_given_to_the_engine(upcoming, charity):
    current = OfferFactory(charity=charity, title="爱心大米", valid_from=TODAY)
    OfferFactory(  # ended yesterday
        charity=charity,
        valid_from=TODAY - dt.timedelta(days=30),
        valid_until=TODAY - dt.timedelta(days=1),
    )

    assert list(selectors.listed_offers()) == [current, upcoming]
    assert list(selectors.public_offers()) == [current]
    county = charity.region
    assert [p.pk for p in selectors.offer_providers(county)] == [current.pk]


def test_it_is_allocated_from_its_first_day_only(
    upcoming, make_need, bureau_staff, clock, en_client
):
    need = make_need()
    with pytest.raises(ValidationError):
        services.allocation_confirm(offer=upcoming, need=need, by=bureau_staff)

    clock.move_to(dt.datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI))
    en_client.force_login(bureau_staff)
    # the staff may allocate from its first day (the control of the test above)
    first_day = en_client.get(f"/staff/offers/{upcoming.pk}/").content.decode()
    assert "Eligible needs in your area" in first_day
    services.allocation_confirm(offer=upcoming, need=need, by=bureau_staff)
    detail = en_client.get(f"/staff/offers/{upcoming.pk}/").content.decode()
    assert "Starting soon" not in detail and "This offer starts on" not in detail
    assert "9 / 10 袋" in detail
