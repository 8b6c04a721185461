"""The intake desk's page, read as plain rows: the same rows the model objects showed, and no
model object (nor query) per row."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from bangfu.referrals import selectors, services
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import Region
from bangfu.registry.models import Household, Need, ServiceCategory
from tests.factories import HouseholdFactory, NeedFactory
from tests.sql import reads

pytestmark = pytest.mark.django_db

# The rows as the page rendered them from the model objects before it read plain rows.
OBJECT_ROWS = (Path(__file__).parent / "desk_object_rows.html").read_text()

ROW_MODELS = (IntakeCase, Need, Household, Region, ServiceCategory)


def browser(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def a_need(place, urgency, priority="12.50"):
    return NeedFactory(
        household=HouseholdFactory(region=place["village"]), urgency=urgency, priority=priority
    )


def open_cases(desk, place, station, count: int) -> list[IntakeCase]:
    """``count`` cases on needs of every urgency, one referred, and a caller not in the registry
    whose description needs escaping and cutting."""
    urgencies = list(Need.Urgency)
    cases = [
        services.intake_open(
            by=desk,
            source=IntakeCase.Source.VISIT,
            need=a_need(place, urgencies[n % 4]),
            candidate_count=(None, 0, 3)[n % 3],
        )
        for n in range(count)
    ]
    cases.append(
        services.intake_open(
            by=desk,
            source=IntakeCase.Source.HOTLINE,
            township=place["town"],
            caller_name="欧阳小明",
            caller_phone="13812345678",
            description="<b>独居老人</b> needs meals at noon every day & a visit on Sundays",
        )
    )
    services.referral_send(intake=cases[0], provider_id=station.provider_id, by=desk)
    for _ in range(3):  # needs not yet at the desk
        a_need(place, Need.Urgency.SOON, priority="7.00")
    return cases


def object_rows(user) -> str:
    """The rows of ``user``'s desk rendered from model objects, as the page did before."""
    return Template(OBJECT_ROWS).render(
        Context(
            {
                "waiting": list(selectors.waiting_cases(user).select_related("household")[:100]),
                "referred": list(selectors.referred_cases(user)[:100]),
                "needs": selectors.needs_awaiting_intake(user)[:50],
            }
        )
    )


def rows_of(page: str) -> list[str]:
    cases = r"<li><a href=\"/staff/referrals/intake/.*?</li>"
    return re.findall(rf"<tr>\s*<td><a .*?</tr>|{cases}", page, re.S)


def test_the_desk_shows_the_rows_the_model_objects_showed(engine, desk, place, station):
    open_cases(desk, place, station, 6)
    page = browser(desk).get(reverse("referrals:intake-list")).content.decode()
    expected = rows_of(object_rows(desk))
    # 6 cases on needs and a caller's, less the referred one; 3 needs; the referred case
    assert len(expected) == 6 + 3 + 1
    assert rows_of(page) == expected
    assert "欧*小明" not in page and "欧**明" in page
    assert "&lt;b&gt;独居老人&lt;/b&gt; needs meals at noon" in page
    assert "on Sundays" not in page


def test_a_row_shown_otherwise_would_be_noticed(engine, desk, place, station):
    # the positive control of the one above: the caller's name unmasked is another row
    open_cases(desk, place, station, 2)
    page = browser(desk).get(reverse("referrals:intake-list")).content.decode()
    unmasked = object_rows(desk).replace("欧**明", "欧阳小明")
    assert rows_of(unmasked) != rows_of(page)


def _page_reads(client) -> tuple[int, int]:
    """(queries, model objects of the rows' models built) of one request of the desk's page."""

    def fetch():
        assert client.get(reverse("referrals:intake-list")).status_code == 200

    return reads(ROW_MODELS, fetch)


def test_the_desk_builds_no_model_object_per_row_and_reads_as_often_at_any_size(
    engine, desk, place, station
):
    client = browser(desk)
    open_cases(desk, place, station, 2)
    few = _page_reads(client)
    open_cases(desk, place, station, 12)
    many = _page_reads(client)
    assert many == few
    assert few[1] <= 1  # the user's own area, read by the scope


def test_the_object_rows_built_objects_per_row(engine, desk, place, station):
    # the positive control of the one above: the same lists read as objects build them per row
    open_cases(desk, place, station, 12)
    _queries, built = reads(ROW_MODELS, lambda: object_rows(desk))
    assert built > 12 * 4
