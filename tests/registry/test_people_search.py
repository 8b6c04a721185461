"""Staff people search: one box finds a household by part of a name, its pinyin or initials, a
phone number, a whole ID number or its last digits, the registry number or address words; only
in the user's area, masked as lists are, best matches first, and no query ever in a URL."""

import datetime as dt
import re

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from bangfu.core import crypto
from bangfu.registry import services
from bangfu.registry.models import Household, Member
from bangfu.registry.search import search_households
from tests.factories import HouseholdFactory, MemberFactory, UserFactory, make_id_number

pytestmark = pytest.mark.postgres

SEARCH_URL = reverse("registry:search")
SUGGEST_URL = reverse("registry:search-suggest")
PICK_URL = reverse("registry:search-pick")
PHONE = "13987654321"
ID_NUMBER = make_id_number(birth=dt.date(1948, 3, 9), seq=77, male=False)


@pytest.fixture
def yang(county_a):
    """杨桂仙's household in county A, with her grandson."""
    _county, _town, village = county_a
    household = HouseholdFactory(
        region=village,
        registry_number="530428-00123",
        address="因远镇安定村3组12号",
        phone=PHONE,
    )
    MemberFactory(household=household, name="杨桂仙", id_number=ID_NUMBER)
    MemberFactory(household=household, name="李文杰", relation=Member.Relation.GRANDCHILD)
    return household


@pytest.fixture
def others(county_a):
    """Households of county A that the searches above must not find first."""
    _county, _town, village = county_a
    wang = HouseholdFactory(region=village, registry_number="530428-00456", address="城关社区8号")
    MemberFactory(household=wang, name="王小明")
    ye = HouseholdFactory(region=village, registry_number="530428-00789", address="安定村5组")
    MemberFactory(household=ye, name="叶冠雄")  # initials ygx too
    return wang, ye


@pytest.fixture
def yang_elsewhere(county_b):
    """A 杨桂仙 of county B: county A's staff never see her."""
    _county, _town, village = county_b
    household = HouseholdFactory(
        region=village, registry_number="350502-00001", address="安定路1号", phone="13811112222"
    )
    MemberFactory(
        household=household,
        name="杨桂仙",
        id_number=make_id_number(area="350502", birth=dt.date(1950, 1, 1), seq=5),
    )
    return household


def numbers(hits) -> list[str]:
    return [hit.registry_number for hit in hits]


@pytest.mark.parametrize(
    "query",
    [
        "杨桂仙",
        "杨桂",
        "桂仙",
        "杨",
        "yangguixian",
        "YangGuixian",
        "yang gui xian",
        "ygx",
        "guixian",
    ],
)
def test_a_name_whole_or_part_or_its_pinyin_finds_the_household(bureau_staff, yang, others, query):
    hits = search_households(bureau_staff, query)

    assert numbers(hits)[0] == "530428-00123"
    assert "530428-00456" not in numbers(hits)


def test_a_name_finds_the_member_it_names_not_only_the_head(in_english, bureau_staff, yang, others):
    (hit,) = search_households(bureau_staff, "李文杰")

    assert (hit.registry_number, hit.head_name, hit.matched_member) == (
        "530428-00123",
        "杨*仙",
        "李*杰",
    )
    assert hit.matched_on == "name"


def test_initials_shared_by_two_names_find_both_in_pinyin_order(bureau_staff, yang, others):
    assert numbers(search_households(bureau_staff, "ygx")) == ["530428-00123", "530428-00789"]
    assert numbers(search_households(bureau_staff, "yeguanxiong")) == ["530428-00789"]


@pytest.mark.parametrize(
    "typed", [PHONE, "139 8765 4321", "+86 139-8765-4321", "１３９８７６５４３２１"]
)
def test_a_phone_number_finds_the_household_however_written(
    in_english, bureau_staff, yang, others, typed
):
    (hit,) = search_households(bureau_staff, typed)

    assert hit.registry_number == "530428-00123"
    assert hit.matched_on == "phone"
    assert hit.masked_phone == "139****4321"


def test_a_whole_id_number_finds_its_member(in_english, bureau_staff, yang, others):
    (hit,) = search_households(bureau_staff, ID_NUMBER.lower())

    assert (hit.registry_number, hit.matched_member, hit.matched_on) == (
        "530428-00123",
        "杨*仙",
        "ID number",
    )
    assert hit.masked_id_number == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]


@pytest.mark.parametrize("length", [4, 5, 6])
def test_the_last_digits_of_an_id_number_find_its_member(bureau_staff, yang, others, length):
    hits = search_households(bureau_staff, ID_NUMBER[-length:])

    assert numbers(hits)[0] == "530428-00123"
    assert hits[0].matched_member == "杨*仙"


def test_an_id_tail_is_kept_only_as_keyed_hashes(yang):
    member = Member.objects.get(name="杨桂仙")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_member WHERE id = %s", [member.pk])
        columns = [column[0] for column in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))

    # Every text the row keeps (its timestamps' digits could spell any four by chance).
    stored = " ".join(value for value in row.values() if isinstance(value, str))
    assert ID_NUMBER not in stored and ID_NUMBER[-6:] not in stored
    assert ID_NUMBER[-4:] not in stored.replace(row["id_tail4_hash"], "")
    assert row["id_tail6_hash"] != crypto.lookup_hash(ID_NUMBER[-6:])
    assert (row["name_pinyin"], row["name_initials"]) == ("yangguixian", "ygx")
    assert row["name_grams"] == " 杨 桂 仙 杨桂 桂仙 "


def test_a_registry_number_whole_or_part_finds_the_household(bureau_staff, yang, others):
    assert numbers(search_households(bureau_staff, "530428-00123")) == ["530428-00123"]
    assert "530428-00123" in numbers(search_households(bureau_staff, "00123"))


def test_address_words_find_the_household_after_names(in_english, bureau_staff, yang, others):
    named = HouseholdFactory(region=yang.region, registry_number="530428-00999", address="大寨村")
    MemberFactory(household=named, name="安定")  # a person called 安定 comes before addresses

    hits = search_households(bureau_staff, "安定")

    # the shorter address, the closer the match
    assert numbers(hits) == ["530428-00999", "530428-00789", "530428-00123"]
    assert [hit.matched_on for hit in hits] == ["name", "address", "address"]


def test_another_countys_household_never_appears(
    bureau_staff, outsider_staff, yang, yang_elsewhere
):
    for query in ("杨桂仙", "yangguixian", "ygx", "13811112222", "350502-00001", "安定路"):
        assert "350502-00001" not in numbers(search_households(bureau_staff, query))
    # the positive control: county B's staff find her, and not county A's 杨桂仙
    assert numbers(search_households(outsider_staff, "杨桂仙")) == ["350502-00001"]
    assert numbers(search_households(outsider_staff, "13811112222")) == ["350502-00001"]


def test_search_keys_follow_a_renamed_member_and_bulk_created_rows(bureau_staff, yang):
    member = Member.objects.get(name="李文杰")
    member.name = "李文华"
    member.save()
    Household.objects.bulk_create(
        [HouseholdFactory.build(region=yang.region, registry_number="530428-07000")]
    )
    Member.objects.bulk_create(
        [
            MemberFactory.build(
                household=Household.objects.get(registry_number="530428-07000"), name="张三丰"
            )
        ]
    )

    assert numbers(search_households(bureau_staff, "lwh")) == ["530428-00123"]
    assert search_households(bureau_staff, "lwj") == []
    assert numbers(search_households(bureau_staff, "zhangsanfeng")) == ["530428-07000"]


def test_results_are_limited_and_ranked(bureau_staff, county_a):
    _county, _town, village = county_a
    for number in range(30):
        household = HouseholdFactory(region=village, registry_number=f"530428-{number:05d}")
        MemberFactory(household=household, name=f"杨{'一二三四五六七八九十'[number % 10]}")

    assert len(search_households(bureau_staff, "杨", limit=20)) == 20
    assert search_households(bureau_staff, "") == []


@pytest.mark.parametrize("query", ["'", "' '", "''", " ' "])
def test_a_query_without_letters_of_a_key_finds_nobody(
    staff_client, bureau_staff, yang, others, query
):
    # "'" separates pinyin syllables and leaves no letters: an empty key would start every name.
    assert search_households(bureau_staff, query) == []
    location = staff_client.post(reverse("registry:household-list"), {"q": query})["Location"]
    assert list(staff_client.get(location).context["households"]) == []
    # the positive control: a syllable separator between letters still finds her
    assert numbers(search_households(bureau_staff, "yang'guixian"))[0] == "530428-00123"


def test_a_long_name_is_saved_with_its_search_keys_cut_to_their_column(bureau_staff, yang):
    # 40 characters read "di": 80 letters of pinyin for a 64-character column.
    member = MemberFactory(household=yang, name="迪" * 40)

    member.refresh_from_db()
    assert (member.name_pinyin, member.name_initials) == ("di" * 32, "d" * 40)
    assert numbers(search_households(bureau_staff, "didi")) == ["530428-00123"]


# --- pages -----------------------------------------------------------------------------------


def test_the_search_page_posts_the_query_and_shows_masked_results_at_a_token_url(
    staff_client, yang, others
):
    posted = staff_client.post(SEARCH_URL, {"q": ID_NUMBER})
    location = posted["Location"]
    page = staff_client.get(location)
    body = page.content.decode()

    assert re.fullmatch(r"/staff/search/\?search=[\w-]{16}", location)
    assert ID_NUMBER not in location and ID_NUMBER not in body
    assert "530428-00123" in body and "杨*仙" in body and "杨桂仙" not in body
    assert ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:] in body
    assert PHONE not in body and "139****4321" in body
    assert reverse("registry:household-detail", args=[yang.pk]) in body


def test_a_name_typed_in_the_search_never_reaches_a_url(staff_client, yang):
    location = staff_client.post(SEARCH_URL, {"q": "杨桂仙"})["Location"]
    body = staff_client.get(location).content.decode()

    assert "杨桂仙" not in location and "%E6%9D%A8" not in location
    assert not [link for link in re.findall(r'href="([^"]*)"', body) if "%E6%9D%A8" in link]
    # a query put into the URL by hand is not searched
    assert staff_client.get(SEARCH_URL, {"q": "杨桂仙"}).context["hits"] == []


def test_another_users_search_token_shows_nothing(staff_client, client, yang, outsider_staff):
    location = staff_client.post(SEARCH_URL, {"q": "杨桂仙"})["Location"]
    client.force_login(outsider_staff)

    page = client.get(location)

    assert page.context["expired"] and "530428-00123" not in page.content.decode()


def test_the_header_holds_the_search_box_for_registry_users_only(staff_client, client, yang):
    page = staff_client.get(reverse("registry:household-list")).content.decode()
    client.force_login(UserFactory(username="nobody"))
    elsewhere = client.get(reverse("accounts:password-change")).content.decode()

    assert f'action="{SEARCH_URL}"' in page
    assert f'action="{SEARCH_URL}"' not in elsewhere


def test_the_household_list_search_finds_by_name_and_pinyin(staff_client, yang, others):
    for query in ("桂仙", "ygx"):
        location = staff_client.post(reverse("registry:household-list"), {"q": query})["Location"]
        found = staff_client.get(location).context["households"]
        assert "530428-00123" in [household.registry_number for household in found]
        assert "530428-00456" not in [household.registry_number for household in found]


# --- the picker --------------------------------------------------------------------------------


def test_the_picker_suggests_households_for_what_was_typed(staff_client, yang, yang_elsewhere):
    response = staff_client.post(
        SUGGEST_URL, {"q": "ygx", "field_name": "household"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()

    assert response.status_code == 200
    assert "530428-00123" in body and "杨*仙" in body and "杨桂仙" not in body
    assert "350502-00001" not in body
    assert f'"household": "{yang.pk}"' in body and 'hx-target="#picker-household"' in body


def test_the_picker_suggest_endpoint_answers_posts_only(staff_client, yang):
    assert staff_client.get(SUGGEST_URL, {"q": "ygx", "field_name": "household"}).status_code == 405


def test_choosing_a_suggestion_sets_the_hidden_input(staff_client, yang):
    body = staff_client.post(PICK_URL, {"household": yang.pk, "field_name": "household"})
    body = body.content.decode()

    assert f'<input type="hidden" name="household" value="{yang.pk}">' in body
    assert "530428-00123" in body and "杨*仙" in body


def test_a_household_outside_the_area_cannot_be_chosen(staff_client, yang_elsewhere, yang):
    outside = staff_client.post(PICK_URL, {"household": yang_elsewhere.pk, "field_name": "hh"})
    inside = staff_client.post(PICK_URL, {"household": yang.pk, "field_name": "hh"})

    assert outside.status_code == 404
    assert inside.status_code == 200


def test_the_picker_include_renders_an_empty_choice(rf, bureau_staff):
    request = rf.get("/")
    request.user = bureau_staff
    html = render_to_string(
        "registry/includes/household_picker.html", {"field_name": "household"}, request=request
    )

    assert '<input type="hidden" name="household" value="">' in html
    assert f'hx-post="{SUGGEST_URL}"' in html


def test_users_without_a_registry_area_cannot_search(client, yang):
    client.force_login(UserFactory(username="nobody"))

    assert client.post(SEARCH_URL, {"q": "杨"}).status_code == 403
    assert client.post(SUGGEST_URL, {"q": "杨", "field_name": "household"}).status_code == 403


def test_the_audit_log_of_a_member_keeps_no_search_key(bureau_staff, yang):
    member = Member.objects.get(name="李文杰")
    services.member_update(member=member, by=bureau_staff, name="李文华")

    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_pk=str(member.pk)
    ).latest("pk")

    assert "name" in entry.changes_dict
    assert not {"name_pinyin", "name_initials", "id_tail4_hash"} & set(entry.changes_dict)
    assert "liwenhua" not in str(entry.changes_dict)
