"""Tokens and the people who hold them: a county's bureau manager, its staff, a station's
staff, and another county's manager; a client that presents a token."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from bangfu.accounts.models import Membership, Organisation
from bangfu.api.tokens import api_token_create
from tests.factories import OrganisationFactory, StationFactory, UserFactory, member_of

Role = Membership.Role


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Throttles count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bureau(county_a):
    return OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county_a[0]
    )


@pytest.fixture
def manager(bureau):
    user = UserFactory(username="manager_a", display_name="王局长")
    member_of(user, bureau, Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def staff(bureau):
    user = UserFactory(username="staff_a", display_name="李干事")
    member_of(user, bureau, Role.BUREAU_STAFF)
    return user


@pytest.fixture
def station_staff(county_a):
    station = StationFactory(organisation__region=county_a[1])
    user = UserFactory(username="station_a", display_name="赵社工")
    member_of(user, station.organisation, Role.STATION_STAFF)
    return user


@pytest.fixture
def other_manager(county_b):
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="鲤城区民政局", region=county_b[0]
    )
    user = UserFactory(username="manager_b")
    member_of(user, bureau, Role.BUREAU_MANAGER)
    return user


@pytest.fixture
def make_token():
    """``make_token(user, scope)``: a token of ``user`` made by themselves (or ``by``) for 30
    days; returns (token, secret)."""

    def make(user, scope="read", *, by=None, days=30):
        issued = api_token_create(
            by=by or user,
            user=user,
            name="测试令牌",
            scope=scope,
            expires_on=timezone.localdate() + dt.timedelta(days=days),
        )
        return issued.token, issued.secret

    return make


def bearer(secret: str) -> dict:
    """Headers of the test client that present ``secret``."""
    return {"Authorization": f"Bearer {secret}"}
