import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.regions.models import Region, within
from tests.factories import RegionFactory, region_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counties():
    _p, _c, county, town, village = region_chain("530428", "101", "201")
    other_village = RegionFactory(
        code="530428101202", name="村202", level=Region.Level.VILLAGE, parent=town
    )
    *_rest, elsewhere = region_chain("530402", "001", "001")
    return county, town, village, other_village, elsewhere


def test_a_subtree_is_the_region_and_everything_below_it(two_counties):
    county, town, village, other_village, elsewhere = two_counties
    assert set(Region.objects.subtree(county)) == {county, town, village, other_village}
    assert set(town.descendants(include_self=False)) == {village, other_village}
    assert elsewhere not in Region.objects.subtree(county)


def test_a_subtree_is_one_query_whatever_its_depth(two_counties):
    county = two_counties[0]
    province = county.parent.parent
    with CaptureQueriesContext(connection) as queries:
        list(Region.objects.subtree(province))
    assert len(queries) == 1
    assert "LIKE" in queries[0]["sql"].upper()


def test_an_area_is_written_into_the_query_not_passed_as_a_parameter(two_counties):
    county = two_counties[0]
    sql, params = Region.objects.filter(within(county)).query.sql_with_params()
    assert f"LIKE '{county.path}%%'" in sql
    assert county.path not in map(str, params)
    # Control: Django's own prefix lookup passes the area as a parameter.
    sql, params = Region.objects.filter(path__startswith=county.path).query.sql_with_params()
    assert county.path not in sql and f"{county.path}%" in params


def test_a_path_of_other_characters_is_passed_as_a_parameter(two_counties):
    county = two_counties[0]
    odd = RegionFactory(code="X_1'", name="自建片区", level=Region.Level.TOWNSHIP, parent=county)
    below = Region.objects.filter(path__below=odd.path)
    assert list(below) == [odd]
    sql, params = below.query.sql_with_params()
    assert "X_1" not in sql and any("X\\_1'" in str(param) for param in params)
    for path in ("53/%/", "53/_/", "' OR '1'='1"):  # wildcards and quotes are matched as text
        assert not Region.objects.filter(path__below=path).exists()


def test_ancestors_run_from_the_nearest_up(two_counties):
    village = two_counties[2]
    assert [r.level for r in village.ancestors()] == [5, 4, 3, 2, 1]


def test_moving_a_township_carries_its_villages(two_counties):
    county, town, village, _other, elsewhere = two_counties
    new_county = elsewhere.parent.parent
    town.parent = new_county
    town.save()
    village.refresh_from_db()
    assert village.is_within(new_county)
    assert not village.is_within(county)
