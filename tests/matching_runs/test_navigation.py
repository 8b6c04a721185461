from django.urls import reverse

from bangfu.accounts.models import Membership
from tests.factories import StationFactory, UserFactory, member_of


def test_the_matching_link_is_offered_to_the_bureau_and_not_to_a_station(
    client, bureau_staff, county_a
):
    _county, town, _village = county_a
    station = StationFactory(organisation__region=town)
    station_staff = UserFactory(username="station_nav")
    member_of(station_staff, station.organisation, Membership.Role.STATION_STAFF)
    runs = f'href="{reverse("matching_runs:run-list")}"'

    client.force_login(bureau_staff)
    assert runs in client.get(reverse("registry:household-list")).content.decode()

    client.force_login(station_staff)
    assert runs not in client.get(reverse("portal:inbox")).content.decode()
    assert client.get(reverse("matching_runs:run-list")).status_code == 403
