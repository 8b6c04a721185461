import pytest

from bangfu.accounts.models import Membership
from tests.factories import StationFactory, UserFactory, member_of


@pytest.fixture
def volunteer(county_a):
    _county, town, _village = county_a
    station = StationFactory(organisation__region=town)
    user = UserFactory(username="volunteer_a")
    member_of(user, station.organisation, Membership.Role.VOLUNTEER)
    return user
