import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from bangfu.registry.models import ServiceCategory, Tier
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NeedFactory,
    OfferFactory,
    charity_with_staff,
    make_id_number,
)


@pytest.fixture
def county(county_a):
    return county_a[0]


@pytest.fixture
def village(county_a):
    return county_a[2]


@pytest.fixture
def charity_and_user(county):
    return charity_with_staff(county)


@pytest.fixture
def charity(charity_and_user):
    return charity_and_user[0]


@pytest.fixture
def charity_user(charity_and_user):
    return charity_and_user[1]


@pytest.fixture
def hardship():
    """助困, seeded by the registry's migration."""
    return ServiceCategory.objects.get(code="hardship-help")


@pytest.fixture
def offer(charity):
    """Ten bags of rice, one per household, published and valid today."""
    return OfferFactory(charity=charity, quantity=10)


@pytest.fixture
def make_need(village, hardship):
    """An open 助困 need of a new household in county A's village."""
    counter = iter(range(100, 10_000))

    def make(*, tier=Tier.DIBAO, birth=dt.date(1950, 3, 1), region=None, **member):
        number = next(counter)
        household = HouseholdFactory(region=region or village, tier=tier)
        MemberFactory(
            household=household,
            id_number=make_id_number(birth=birth, seq=number),
            **member,
        )
        return NeedFactory(household=household, category=hardship)

    return make


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def en_client(client):
    """A visitor who chose English with the language switch (the browser's header is ignored:
    Chinese first)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
