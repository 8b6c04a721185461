from django.urls import reverse

from bangfu.accounts.models import Membership
from tests.factories import StationFactory, UserFactory, member_of


def test_the_registry_and_matching_links_are_offered_to_the_bureau_and_not_to_a_station(
    client, bureau_staff, county_a
):
    _county, town, _village = county_a
    station = StationFactory(organisation__region=town)
    station_staff = UserFactory(username="station_nav")
    member_of(station_staff, station.organisation, Membership.Role.STATION_STAFF)
    runs = f'href="{reverse("matching_runs:run-list")}"'
    households = f'href="{reverse("registry:household-list")}"'

    client.force_login(bureau_staff)
    page = client.get(reverse("registry:household-list")).content.decode()
    assert runs in page and households in page

    client.force_login(station_staff)
    page = client.get(reverse("portal:inbox")).content.decode()
    assert runs not in page and households not in page
    assert client.get(reverse("matching_runs:run-list")).status_code == 403
