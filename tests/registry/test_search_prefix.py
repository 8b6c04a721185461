"""A name typed as a prefix (a surname, a name's start, pinyin) lists the name itself, then the
longer ones in byte order, read on PostgreSQL from an index in that order: a common surname (杨
begins one name in ten) no longer sorts every match of the area to show the first twenty."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangfu.registry.models import Member
from bangfu.registry.search import search_households
from tests.factories import HouseholdFactory, MemberFactory, bureau_staff_of


def _households(village, names: list[str]) -> None:
    for number, name in enumerate(names, start=1):
        household = HouseholdFactory(region=village, registry_number=f"530428-{number:05d}")
        MemberFactory(household=household, name=name)


def _names(hits) -> list[str]:
    return [hit.matched_member or hit.head_name for hit in hits]


def test_the_name_itself_comes_first_then_longer_names_in_byte_order(
    bureau_staff, county_a, county_b
):
    _households(county_a[2], ["杨丽娟", "杨伟", "杨丽华", "杨丽", "李杨丽"])
    # Positive control for the scope: another county's 杨丽 is in the database, not in the hits.
    elsewhere = HouseholdFactory(region=county_b[2], registry_number="350502-00001")
    MemberFactory(household=elsewhere, name="杨丽")

    hits = search_households(bureau_staff, "杨丽")

    # Masked as every hit is: the exact 杨丽 first, then 杨丽华 (U+534E) before 杨丽娟 (U+5A1F),
    # then 李杨丽, found inside the name.
    assert _names(hits) == ["杨*", "杨*华", "杨*娟", "李*丽"]
    assert len(search_households(bureau_staff, "杨")) == 5  # 李杨丽 holds it too


def test_pinyin_initials_as_a_prefix_find_in_their_own_order(bureau_staff, county_a):
    _households(county_a[2], ["杨国雄", "叶冠雄", "杨光"])  # ygx, ygx, yg

    assert [hit.registry_number for hit in search_households(bureau_staff, "yg")] == [
        "530428-00003",  # exactly yg
        "530428-00001",  # ygx, then the next ygx by primary key
        "530428-00002",
    ]


def test_a_county_bureaus_search_reads_past_a_person_whose_county_is_wrong(
    bureau_staff, county_a, county_b
):
    _households(county_a[2], ["杨一", "杨二"])
    elsewhere = HouseholdFactory(region=county_b[2], registry_number="350502-00001")
    stray = MemberFactory(household=elsewhere, name="杨丽")  # between the two, by bytes
    Member.objects.filter(pk=stray.pk).update(county=county_a[0])

    hits = search_households(bureau_staff, "杨")

    assert [hit.registry_number for hit in hits] == ["530428-00001", "530428-00002"]
    # positive control: the search reads the stray with the county's own
    assert Member.objects.filter(county=county_a[0], name__startswith="杨").count() == 3


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("level", "index"), [("county", "member_county_name_c"), ("township", "member_name_c")]
)
def test_on_postgresql_the_prefix_is_read_from_an_index_in_its_order(
    county_a, county_b, level, index
):
    """A county bureau's from the index that begins with the county; a township's from the
    province's, its paths checked on the way."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    county, town, village = county_a
    user = bureau_staff_of(county if level == "county" else town, level)
    _households(village, [f"杨{chr(0x4E00 + n)}" for n in range(60)])
    # Most of a province's 杨 live in its other counties.
    for number in range(240):
        elsewhere = HouseholdFactory(region=county_b[2], registry_number=f"350502-{number:05d}")
        MemberFactory(household=elsewhere, name=f"杨{chr(0x4E00 + number)}")
    with CaptureQueriesContext(connection) as queries:
        assert len(search_households(user, "杨")) == 20
    prefix = next(q["sql"] for q in queries.captured_queries if 'COLLATE "C"' in q["sql"])
    with connection.cursor() as cursor:
        # The plan is priced on these rows, whatever earlier tests left in the statistics.
        cursor.execute("ANALYZE registry_member, registry_household")
        # With sorting priced out, a plan without a Sort proves the index gives the order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {prefix}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Scan using {index} " in plan, plan
    assert "Sort" not in plan
