"""The Open Referral (HSDS 3.0) directory: each endpoint answers HSDS-shaped JSON with the
fields HSDS's schema files require, in Chinese, to anyone; the data package opens and describes
each of its CSVs; no person and nothing unpublished is in either."""

import csv
import io
import json
import uuid
import zipfile

import pytest

from bangfu.accounts.models import Membership, Organisation
from bangfu.core import public_cache
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    OfferFactory,
    OrganisationFactory,
    ProjectFactory,
    StationFactory,
    UserFactory,
    VolunteerFactory,
    charity_with_staff,
    member_of,
)

BASE = "/api/v1/hsds"

# The required fields of each object, from HSDS 3.0's schema/*.json ("required") and, for the
# foreign keys a nested object may leave implicit, nothing more.
REQUIRED = {
    "organization": {"id", "name", "description"},
    "service": {"id", "name", "status"},
    "location": {"id", "location_type"},
    "address": {
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    },
    "service_at_location": {"id"},
    "service_area": {"id"},
    "language": {"id"},
    "attribute": {"id"},
    "funding": {"id"},
    "schedule": {"id"},
    "taxonomy": {"id", "name", "description"},
    "taxonomy_term": {"id", "name", "description"},
}
PAGE = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}
SERVICE_STATUSES = {"active", "inactive", "defunct", "temporarily closed"}
# Property -> the kind of object it holds (one, or a list of them).
NESTED = {
    "organization": "organization",
    "services": "service",
    "locations": "location",
    "location": "location",
    "service": "service",
    "addresses": "address",
    "service_at_locations": "service_at_location",
    "service_areas": "service_area",
    "languages": "language",
    "attributes": "attribute",
    "funding": "funding",
    "schedules": "schedule",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
}


STATION_NAME = "澧江街道社会工作站"
# Names and records that must appear nowhere: a household's, a volunteer's, a charity's
# contact person's, and what is not published (a draft project, a draft offer, a charity
# waiting for approval).
MARKERS = (
    "户主标记甲",
    "HH-MARK-0001",
    "标记村12号",
    "志愿者标记乙",
    "李慈善",
    "草稿项目标记",
    "未发布爱心标记",
    "待审慈善标记",
)


@pytest.fixture
def directory_county(county_a):
    county, town, village = county_a
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="元江县民政局", region=county)
    staff = UserFactory(username="bureau_hsds")
    member_of(staff, bureau, Membership.Role.BUREAU_STAFF)
    station = StationFactory(
        organisation__name=STATION_NAME,
        organisation__region=town,
        organisation__address="澧江街道红河路1号",
        organisation__contact_phone="13800001111",
        opening_hours="周一至周五 8:30-17:30",
    )
    household = HouseholdFactory(
        region=village, registry_number="HH-MARK-0001", address="标记村12号"
    )
    MemberFactory(household=household, name="户主标记甲")
    VolunteerFactory(
        user=UserFactory(display_name="志愿者标记乙"), home_region=village, organisation=None
    )
    agency = OrganisationFactory(
        kind=Organisation.Kind.AGENCY, name="元江县阳光社会工作服务中心", region=county
    )
    ProjectFactory(name="居家照料服务测试", region=county, agency=agency, service_area=[town])
    ProjectFactory(name="草稿项目标记", region=county, agency=agency, status="draft")
    charity, _user = charity_with_staff(county)
    OfferFactory(charity=charity, title="爱心大米测试")
    OfferFactory(charity=charity, title="未发布爱心标记", status="draft")
    pending, _pending_user = charity_with_staff(
        county, name="待审慈善标记", username="pending_charity", approved=False
    )
    OfferFactory(charity=pending, title="待审慈善标记的大米")
    return {"station": station, "staff": staff}


def all_responses(client) -> list[str]:
    """Every endpoint's body, lists fully nested, details of every listed object, and the data
    package's files."""
    bodies = []

    def get(path, **params):
        response = client.get(f"{BASE}{path}", params)
        assert response.status_code == 200, path
        bodies.append(response.content.decode())
        return response

    get("/")
    for path in ("/services", "/organizations", "/service_at_locations"):
        listed = get(path, full="true", full_service="true", per_page=500).json()
        for item in listed["contents"]:
            get(f"{path}/{item['id']}", full_service="true")
    for path in ("/taxonomies", "/taxonomy_terms"):
        for item in get(path, per_page=500).json()["contents"]:
            get(f"{path}/{item['id']}")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{BASE}/datapackage.zip").content))
    bodies += [archive.read(name).decode("utf-8") for name in archive.namelist()]
    return bodies


def assert_hsds(found: dict, kind: str) -> None:
    """The object has HSDS's required fields, UUID ids, enumerated values from HSDS's lists,
    and so do the objects nested in it."""
    missing = REQUIRED[kind] - set(found)
    assert not missing, f"{kind} lacks {missing}: {found}"
    for name, value in found.items():
        if name == "id" or name.endswith("_id"):
            uuid.UUID(value)
        if name in NESTED:
            for item in value if isinstance(value, list) else [value]:
                assert_hsds(item, NESTED[name])
    if kind == "service":
        assert found["status"] in SERVICE_STATUSES
    if kind == "location":
        assert found["location_type"] in {"physical", "postal", "virtual"}


def assert_page(body: dict, kind: str) -> list[dict]:
    assert set(body) >= PAGE
    assert body["size"] == len(body["contents"])
    for item in body["contents"]:
        assert_hsds(item, kind)
    return body["contents"]


def test_the_root_names_the_hsds_version_to_anyone(client, directory_county):
    response = client.get(f"{BASE}/")

    assert response.status_code == 200
    assert response.json()["version"] == "3.0"
    assert response.json()["hsds_version"] == "3.0"
    assert response.json()["openapi_url"].endswith("/api/schema/")
    assert response["Content-Language"] == "zh-Hans"


def test_services_list_stations_projects_and_offers_with_their_organisation(
    client, directory_county
):
    response = client.get(f"{BASE}/services")

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-Hans"
    services = assert_page(response.json(), "service")
    names = {service["name"] for service in services}
    assert f"{STATION_NAME}·照料护理" in names
    assert {"居家照料服务测试", "爱心大米测试"} <= names
    by_name = {service["name"]: service for service in services}
    assert by_name["居家照料服务测试"]["organization"]["name"] == "元江县阳光社会工作服务中心"
    assert by_name[f"{STATION_NAME}·照料护理"]["status"] == "active"


def test_a_full_service_carries_its_area_language_categories_and_place(client, directory_county):
    services = client.get(f"{BASE}/services").json()["contents"]
    station_service = next(s for s in services if s["name"].startswith(STATION_NAME))

    response = client.get(f"{BASE}/services/{station_service['id']}")

    assert response.status_code == 200
    service = response.json()
    assert_hsds(service, "service")
    assert service["languages"] == [
        {
            "id": service["languages"][0]["id"],
            "service_id": service["id"],
            "name": "简体中文",
            "code": "zh",
            "note": "zh-Hans",
        }
    ]
    assert [a["taxonomy_term"]["code"] for a in service["attributes"]] == ["care"]
    assert service["attributes"][0]["taxonomy_term"]["taxonomy_detail"]["name"] == (
        "bangfu-service-category"
    )
    assert [area["name"] for area in service["service_areas"]] == ["省53市5304县530428镇101"]
    (at_station,) = service["service_at_locations"]
    assert at_station["location"]["name"] == STATION_NAME
    assert at_station["location"]["addresses"][0]["address_1"] == "澧江街道红河路1号"
    assert at_station["location"]["schedules"][0]["description"] == "周一至周五 8:30-17:30"


def test_services_filter_by_term_organisation_and_words_together(client, directory_county):
    terms = client.get(f"{BASE}/taxonomy_terms", {"search": "care", "per_page": 500}).json()
    care = next(term for term in terms["contents"] if term["code"] == "care")
    organizations = client.get(f"{BASE}/organizations", {"search": STATION_NAME}).json()
    (station,) = organizations["contents"]

    by_term = client.get(f"{BASE}/services", {"taxonomy_term_id": care["id"]}).json()
    both = client.get(
        f"{BASE}/services", {"taxonomy_term_id": care["id"], "organization_id": station["id"]}
    ).json()
    by_words = client.get(f"{BASE}/services", {"search": "大米"}).json()

    assert {s["name"] for s in by_term["contents"]} == {
        f"{STATION_NAME}·照料护理",
        "居家照料服务测试",
    }
    assert [s["name"] for s in both["contents"]] == [f"{STATION_NAME}·照料护理"]
    assert [s["name"] for s in by_words["contents"]] == ["爱心大米测试"]


def test_organisations_are_bureaus_stations_agencies_and_approved_charities(
    client, directory_county
):
    response = client.get(f"{BASE}/organizations", {"full": "true"})

    organizations = assert_page(response.json(), "organization")
    names = {organization["name"] for organization in organizations}
    assert names == {
        "元江县民政局",
        STATION_NAME,
        "元江县阳光社会工作服务中心",
        "元江县慈善总会",
    }
    station = next(o for o in organizations if o["name"] == STATION_NAME)
    detail = client.get(f"{BASE}/organizations/{station['id']}", {"full_service": "true"})
    assert detail.status_code == 200
    assert_hsds(detail.json(), "organization")
    assert [location["name"] for location in detail.json()["locations"]] == [STATION_NAME]


def test_service_at_locations_pair_station_services_with_the_station(client, directory_county):
    response = client.get(f"{BASE}/service_at_locations")

    (item,) = assert_page(response.json(), "service_at_location")
    assert item["location"]["name"] == STATION_NAME
    assert item["location"]["latitude"] == 23.6
    detail = client.get(f"{BASE}/service_at_locations/{item['id']}")
    assert detail.status_code == 200
    assert_hsds(detail.json(), "service_at_location")
    assert detail.json()["service"]["service_areas"]


def test_the_taxonomy_and_its_terms(client, directory_county):
    taxonomies = client.get(f"{BASE}/taxonomies").json()
    (taxonomy,) = assert_page(taxonomies, "taxonomy")
    terms = client.get(f"{BASE}/taxonomy_terms", {"taxonomy_id": taxonomy["id"], "per_page": 500})

    contents = assert_page(terms.json(), "taxonomy_term")
    assert taxonomy["name"] == "bangfu-service-category"
    assert {"care", "hardship-help"} <= {term["code"] for term in contents}
    assert all(term["language"] == "zh" for term in contents)
    assert client.get(f"{BASE}/taxonomies/{taxonomy['id']}").json() == taxonomy
    care = next(term for term in contents if term["code"] == "care")
    assert client.get(f"{BASE}/taxonomy_terms/{care['id']}").json() == care


def test_pages_follow_hsds_page_shape(client, directory_county):
    first = client.get(f"{BASE}/services", {"per_page": 1}).json()
    second = client.get(f"{BASE}/services", {"per_page": 1, "page": 2}).json()
    past = client.get(f"{BASE}/services", {"per_page": 1, "page": 99}).json()

    assert first["total_items"] == first["total_pages"] == 3
    assert (first["first_page"], first["last_page"], first["size"]) == (True, False, 1)
    assert second["page_number"] == 2 and not second["first_page"]
    assert first["contents"] != second["contents"]
    assert past["empty"] and past["contents"] == [] and past["last_page"]
    assert client.get(f"{BASE}/services", {"page": "0"}).status_code == 400


def test_an_unknown_id_is_not_found(client, directory_county):
    assert client.get(f"{BASE}/services/{uuid.uuid4()}").status_code == 404
    assert client.get(f"{BASE}/organizations/{uuid.uuid4()}").status_code == 404


def test_ids_stay_the_same_across_exports(client, directory_county):
    first = {s["name"]: s["id"] for s in client.get(f"{BASE}/services").json()["contents"]}
    second = {s["name"]: s["id"] for s in client.get(f"{BASE}/services").json()["contents"]}

    assert first == second


def test_another_deployment_numbers_the_same_rows_with_other_ids(
    client, directory_county, settings
):
    ours = {s["name"]: s["id"] for s in client.get(f"{BASE}/services").json()["contents"]}
    settings.DIRECTORY_ID = "hsds.another-county.example"
    theirs = {s["name"]: s["id"] for s in client.get(f"{BASE}/services").json()["contents"]}

    assert ours.keys() == theirs.keys()
    assert not set(ours.values()) & set(theirs.values())


def test_no_household_volunteer_or_unpublished_record_appears_anywhere(client, directory_county):
    bodies = all_responses(client)

    # Positive control: the station is in what the same requests return.
    assert any(STATION_NAME in body for body in bodies)
    for marker in MARKERS:
        assert not any(marker in body for body in bodies), marker


def test_a_logged_in_session_is_not_needed_nor_used(client, directory_county):
    client.force_login(directory_county["staff"])

    response = client.get(f"{BASE}/organizations")

    assert response.status_code == 200
    assert response.json()["total_items"] == 4


# --- the tabular data package ------------------------------------------------------------------


def _package(client) -> zipfile.ZipFile:
    response = client.get(f"{BASE}/datapackage.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def _rows(archive: zipfile.ZipFile, path: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(path).decode("utf-8"))))


def test_the_package_describes_every_csv_it_holds(client, directory_county):
    archive = _package(client)
    descriptor = json.loads(archive.read("datapackage.json"))

    paths = {resource["path"] for resource in descriptor["resources"]}
    assert descriptor["hsds_version"] == "3.0"
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["languages"] == ["zh-Hans"]
    assert paths == set(archive.namelist()) - {"datapackage.json"}
    for resource in descriptor["resources"]:
        header = next(csv.reader(io.StringIO(archive.read(resource["path"]).decode("utf-8"))))
        assert header == [field["name"] for field in resource["schema"]["fields"]]
        assert resource["encoding"] == "utf-8"


def test_the_package_rows_refer_only_to_rows_it_holds(client, directory_county):
    archive = _package(client)
    descriptor = json.loads(archive.read("datapackage.json"))
    resources = {resource["name"]: resource for resource in descriptor["resources"]}
    ids = {
        name: {row["id"] for row in _rows(archive, resource["path"])}
        for name, resource in resources.items()
    }

    for resource in resources.values():
        for row in _rows(archive, resource["path"]):
            for key in resource["schema"]["foreignKeys"]:
                value = row[key["fields"]]
                assert not value or value in ids[key["reference"]["resource"]], (resource, row)
    services = _rows(archive, "services.csv")
    assert {row["name"] for row in services} >= {f"{STATION_NAME}·照料护理", "爱心大米测试"}
    tables = {row["name"]: row for row in _rows(archive, "meta_table_descriptions.csv")}
    assert tables["service"]["language"] == "zh"
    assert tables["service"]["character_set"] == "UTF-8"


def test_the_package_and_the_api_share_ids(client, directory_county):
    archive = _package(client)
    listed = client.get(f"{BASE}/services").json()["contents"]

    assert {row["id"] for row in _rows(archive, "services.csv")} == {s["id"] for s in listed}


def test_two_exports_are_the_same_bytes_and_a_new_row_changes_no_old_id(
    client, directory_county, django_capture_on_commit_callbacks
):
    first = client.get(f"{BASE}/datapackage.zip").content
    public_cache.bump()  # built again, not the first build kept in the cache
    second = client.get(f"{BASE}/datapackage.zip").content
    assert first == second
    before = {row["id"] for row in _rows(zipfile.ZipFile(io.BytesIO(first)), "services.csv")}

    with django_capture_on_commit_callbacks(execute=True):  # the package follows commits
        StationFactory(
            organisation__name="第二社会工作站",
            organisation__region=directory_county["station"].organisation.region,
        )

    after = {row["id"] for row in _rows(_package(client), "services.csv")}
    assert before < after
