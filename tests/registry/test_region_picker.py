"""The region picker: suggestions from the user's area only, and forms that take the code."""

import pytest
from django.urls import reverse

from bangfu.referrals.models import IntakeCase
from tests.factories import HouseholdFactory, region_chain

OPTIONS_URL = reverse("registry:region-options")
LIST_URL = reverse("registry:household-list")
INTAKE_URL = reverse("referrals:intake-create")


def _options(client, typed, levels="4,5"):
    response = client.get(OPTIONS_URL, {"levels": levels, "field": "place", "place": typed})
    assert response.status_code == 200
    return response.content.decode()


def test_suggestions_come_from_the_users_area_only(
    client, bureau_staff, outsider_staff, county_a, county_b
):
    _county, town_a, village_a = county_a
    _county, _town_b, village_b = county_b
    client.force_login(bureau_staff)

    # "村" is in both counties' village names; county A's staff is offered A's alone
    page = _options(client, "村")
    assert f'value="{village_a.code}"' in page
    assert f'value="{village_b.code}"' not in page
    assert town_a.name in page
    # positive control: county B's staff is offered B's village for the same letters
    client.force_login(outsider_staff)
    assert f'value="{village_b.code}"' in _options(client, "村")


def test_suggestions_match_a_code_prefix_and_keep_to_the_levels(client, bureau_staff, county_a):
    _county, town, village = county_a
    client.force_login(bureau_staff)

    page = _options(client, town.code, levels="4")

    assert f'value="{town.code}"' in page
    assert f'value="{village.code}"' not in page
    assert f'value="{village.code}"' in _options(client, town.code)


def test_suggestions_need_a_login(client):
    assert client.get(OPTIONS_URL).status_code == 302


def test_the_household_list_filters_by_a_typed_code(client, bureau_staff, county_a):
    _county, _town, village = county_a
    *_, other_village = region_chain("530428", "101", "202")
    HouseholdFactory(region=village, registry_number="A-1")
    HouseholdFactory(region=other_village, registry_number="A-2")
    client.force_login(bureau_staff)

    page = client.get(LIST_URL, {"region": village.code})

    assert [h.registry_number for h in page.context["households"]] == ["A-1"]
    # the chosen village is named; the area's other villages are not listed on the page
    content = page.content.decode()
    assert f'<option value="{village.code}">' in content
    assert other_village.code not in content
    # positive control: the other village is in the area, offered by the suggestions
    assert f'value="{other_village.code}"' in _options(client, "")


def test_the_household_list_refuses_a_code_outside_the_area(
    client, bureau_staff, county_a, county_b
):
    _county, _town, village_b = county_b
    client.force_login(bureau_staff)

    page = client.get(LIST_URL, {"region": village_b.code})

    assert "region" in page.context["filter"].form.errors


@pytest.fixture
def desk_client(english_client, bureau_staff):
    """The desk's pages in English, as the assertions read them."""
    english_client.force_login(bureau_staff)
    return english_client


def _caller(place):
    return {
        "source": "hotline",
        "caller_name": "李四",
        "caller_phone": "13812345678",
        "place": place,
        "description": "12349来电求助",
    }


def test_the_intake_form_opens_a_case_on_a_typed_village_code(desk_client, county_a):
    _county, town, village = county_a

    response = desk_client.post(INTAKE_URL, _caller(village.code))

    assert response.status_code == 302
    case = IntakeCase.objects.get()
    assert case.region == village
    page = desk_client.get(INTAKE_URL).content.decode()
    assert 'name="place"' in page and f"{town.name} · {village.name}" not in page


def test_the_intake_form_refuses_a_place_outside_the_area(desk_client, county_b):
    _county, _town, village_b = county_b

    response = desk_client.post(INTAKE_URL, _caller(village_b.code))

    assert response.status_code == 400
    assert not IntakeCase.objects.exists()
    page = response.content.decode()
    assert "No place of your area has this code" in page
    # the code typed is kept, with no name beside it (the place is not the user's)
    assert f'value="{village_b.code}"' in page and village_b.name not in page


@pytest.mark.parametrize("typed", ["5304281012\x0001", "元江县 村201"])
def test_the_intake_form_refuses_what_cannot_be_a_code_without_looking_it_up(
    desk_client, county_a, typed
):
    """A NUL byte (which PostgreSQL refuses in a query) or a typed name is refused as a choice
    not of the area; the positive control above shows a real code of the area is taken."""
    response = desk_client.post(INTAKE_URL, _caller(typed))

    assert response.status_code == 400
    assert not IntakeCase.objects.exists()
    assert "No place of your area has this code" in response.content.decode()
