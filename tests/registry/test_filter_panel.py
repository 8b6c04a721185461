"""A list's filter form is rendered when it is wanted (bangfu.core.filter_panel): the household
list's closed panel fetches it when opened, a link shows it without JavaScript, and filters
applied show it at once."""

import re

import pytest

from bangfu.registry.models import ServiceCategory
from tests.factories import HouseholdFactory, MemberFactory, NeedFactory

pytestmark = pytest.mark.django_db
LIST_URL = "/staff/"
HTMX = {"HTTP_HX_REQUEST": "true"}
CATEGORY_SELECT = 'name="need_category"'
FILTERED = " · filtered</p>"


@pytest.fixture
def rehabilitation(county_a):
    _county, _town, village = county_a
    household = HouseholdFactory(region=village, registry_number="530428-0007")
    MemberFactory(household=household)
    category = ServiceCategory.objects.get(code="rehabilitation")
    NeedFactory(household=household, category=category)
    return category


def _panel(body: str) -> str:
    return re.search(r'<details class="filters".*?</details>', body, re.S).group(0)


def test_the_closed_panel_asks_for_its_form_when_opened(staff_client, rehabilitation):
    body = staff_client.get(LIST_URL).content.decode()

    panel = _panel(body)
    assert CATEGORY_SELECT not in body and '<details class="filters">' in panel
    assert 'hx-trigger="toggle from:closest details once"' in panel
    assert 'hx-get="?filters=1"' in panel and 'href="?filters=1"' in panel
    # The list itself is there.
    assert "530428-0007" in body


def test_opened_it_gets_the_form_alone_with_the_lists_filters(staff_client, rehabilitation):
    response = staff_client.get(
        LIST_URL, {"tier": "dibao", "sort": "-priority", "filters": "1"}, **HTMX
    )

    form = response.content.decode()
    assert form.startswith('<form method="post" action="/staff/"')
    assert CATEGORY_SELECT in form and f'<option value="{rehabilitation.pk}">' in form
    assert '<option value="dibao" selected>' in form
    # The form alone: not the list, its rows or the page around it.
    assert "530428-0007" not in form and "<html" not in form
    assert "households" not in response.context


def test_without_javascript_the_link_shows_the_page_with_its_form(staff_client, rehabilitation):
    body = staff_client.get(LIST_URL, {"filters": "1"}).content.decode()

    assert '<details class="filters" open>' in _panel(body)
    assert CATEGORY_SELECT in _panel(body) and "530428-0007" in body
    # The form's own request is not a filter: the list is not said to be filtered.
    assert FILTERED not in body


def test_filters_applied_show_the_form_at_once(staff_client, rehabilitation):
    body = staff_client.get(LIST_URL, {"need_category": rehabilitation.pk}).content.decode()

    panel = _panel(body)
    assert '<details class="filters" open>' in panel
    assert f'<option value="{rehabilitation.pk}" selected>' in panel
    assert "hx-get" not in panel.split("<form")[0]
    assert "530428-0007" in body
    # Positive control for the page with its form asked for: a filter is said so.
    assert FILTERED in body


def test_a_form_with_errors_is_shown_open(staff_client, rehabilitation):
    body = staff_client.get(LIST_URL, {"need_category": "999999"}).content.decode()

    panel = _panel(body)
    assert '<details class="filters" open>' in panel and 'class="errorlist' in panel
