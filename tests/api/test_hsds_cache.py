"""The service directory (HSDS) and the public notices from the shared cache
(bangfu.core.public_cache): built once, served again without a query, rebuilt when what they
show changes and the change commits; a logged-in user's answers are never kept nor served."""

import pytest
from django.test import Client

from bangfu.accounts.models import Organisation
from bangfu.offers import services as offers
from bangfu.providers.directory import station_update
from tests.api import test_hsds
from tests.factories import OfferFactory, charity_with_staff

pytestmark = pytest.mark.django_db
# The county of the directory's own tests: a station, a project, an offer, and what must not show.
directory_county = test_hsds.directory_county
STATION_NAME = test_hsds.STATION_NAME
SERVICES = "/api/v1/hsds/services"
PACKAGE = "/api/v1/hsds/datapackage.zip"
OFFERS = "/api/v1/public/offers/"


def names(response) -> set[str]:
    return {service["name"] for service in response.json()["contents"]}


def rename_behind_the_cache(station, name: str) -> None:
    """Rename the station's organisation without any signal: only a fresh build can show it."""
    Organisation.objects.filter(pk=station.organisation_id).update(name=name)


def test_the_directory_is_built_once_and_then_served_without_a_query(
    client, directory_county, django_assert_num_queries
):
    first = client.get(SERVICES, {"per_page": 50})
    package = client.get(PACKAGE)
    assert any(name.startswith(STATION_NAME) for name in names(first))
    with django_assert_num_queries(0):
        second = client.get(SERVICES, {"per_page": 50})
        package_again = client.get(PACKAGE)
    assert second.content == first.content and second["Content-Language"] == "zh-Hans"
    assert package_again.content == package.content
    assert package_again["Content-Type"] == "application/zip"
    assert package_again["Content-Disposition"] == package["Content-Disposition"]


def test_each_query_string_is_its_own_answer(client, directory_county):
    everything = client.get(SERVICES, {"per_page": 50}).json()
    one = client.get(SERVICES, {"per_page": 1}).json()
    assert everything["total_items"] > 1
    assert len(one["contents"]) == 1 and len(everything["contents"]) > 1


def test_a_station_renamed_is_renamed_in_the_directory(
    client, directory_county, django_capture_on_commit_callbacks
):
    station = directory_county["station"]
    assert any(name.startswith(STATION_NAME) for name in names(client.get(SERVICES)))
    with django_capture_on_commit_callbacks(execute=True):
        station_update(
            by=directory_county["staff"],
            station=station,
            name="澧江街道新社会工作站",
            capacity=station.capacity,
            categories=list(station.categories.all()),
            service_area=list(station.service_area.all()),
        )
    renamed = names(client.get(SERVICES))
    assert any(name.startswith("澧江街道新社会工作站") for name in renamed)
    assert not any(name.startswith(STATION_NAME) for name in renamed)


def test_a_change_not_committed_leaves_the_directory_kept(client, directory_county):
    # The positive control of the test above: the answer is kept until a commit bumps it.
    station = directory_county["station"]
    client.get(SERVICES)
    station.organisation.name = "尚未提交的站名"
    station.organisation.save()  # inside the test's transaction, never committed
    assert not any(name.startswith("尚未提交的站名") for name in names(client.get(SERVICES)))


def test_a_logged_in_user_is_neither_served_from_the_cache_nor_cached(client, directory_county):
    station = directory_county["station"]
    staff = Client()
    staff.force_login(directory_county["staff"])
    client.get(SERVICES)
    rename_behind_the_cache(station, "只有新构建才看得到")
    # Anonymous: the kept answer; logged in: a fresh one.
    assert not any(name.startswith("只有新构建才看得到") for name in names(client.get(SERVICES)))
    assert any(name.startswith("只有新构建才看得到") for name in names(staff.get(SERVICES)))
    # What the logged-in user was served first is not kept for anyone.
    staff.get(SERVICES, {"per_page": 50})
    rename_behind_the_cache(station, "再次改名的站")
    assert any(
        name.startswith("再次改名的站") for name in names(client.get(SERVICES, {"per_page": 50}))
    )


def test_an_offer_closed_leaves_the_public_notices(
    client, county_a, django_capture_on_commit_callbacks
):
    charity, charity_user = charity_with_staff(county_a[0])
    with django_capture_on_commit_callbacks(execute=True):
        offer = OfferFactory(charity=charity, title="爱心大米")
    assert [row["title"] for row in client.get(OFFERS).json()["results"]] == ["爱心大米"]
    with django_capture_on_commit_callbacks(execute=True):
        offers.offer_close(offer=offer, by=charity_user)
    assert client.get(OFFERS).json()["results"] == []
