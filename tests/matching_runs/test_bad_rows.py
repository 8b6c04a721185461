"""One bad row never takes a run or the intake desk down.

Data can arrive bad however well the forms check (an old row, a change made in the database
directly): the adapter leaves out each row the engine would refuse, the run goes on without it,
and the run's page names it with the page that corrects it. The desk says the same of its need.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from bangfu.matching_runs.models import Allocation, MatchingRun
from bangfu.providers.models import Volunteer
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import Region
from bangfu.registry.models import Household
from tests.matching_runs.conftest import household_with_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau_client(client, bureau):
    client.force_login(bureau)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    return client


def set_latitude(model, pk: int, latitude: str) -> None:
    """A change made in the database directly: no form, no clean()."""
    model.objects.filter(pk=pk).update(latitude=Decimal(latitude))


def start_run(client, region, kind: str, capture) -> tuple[MatchingRun, str]:
    with capture(execute=True):  # the run's task runs in-process, after the commit
        response = client.post(
            reverse("matching_runs:run-list"), {"kind": kind, "region": region.pk, "top_k": 5}
        )
    assert response.status_code == 302
    run = MatchingRun.objects.get()
    page = client.get(response.url)
    assert page.status_code == 200
    return run, page.content.decode()


def test_a_county_run_completes_and_names_the_household_it_left_out(
    bureau_client, county, providers, django_capture_on_commit_callbacks
):
    region, _t1, village1, _t2, _v2 = county
    good = household_with_need(village1, priority="60")
    bad = household_with_need(village1, priority="90", seq=1)
    set_latitude(Household, bad.household_id, "999")

    run, page = start_run(bureau_client, region, "allocate", django_capture_on_commit_callbacks)

    assert run.status == MatchingRun.Status.DONE, run.error
    # The good need is allocated as ever; the bad one is left out, not a reason to fail.
    assert set(Allocation.objects.filter(run=run).values_list("need_id", flat=True)) == {good.pk}
    assert run.needs_count == 1
    assert "Rows left out of this run" in page
    assert f"Need of household {bad.household.registry_number}" in page
    assert "Coordinates out of range: latitude 999" in page
    assert reverse("registry:household-update", args=[bad.household_id]) in page


def test_providers_the_engine_would_refuse_are_left_out_with_their_admin_page(
    bureau_client, county, providers, django_capture_on_commit_callbacks
):
    region, _t1, village1, town2, _v2 = county
    _station1, _station2, volunteer = providers
    need = household_with_need(village1)
    set_latitude(Volunteer, volunteer.pk, "999")
    set_latitude(Region, town2.pk, "-91")  # the second station stands at its township

    run, page = start_run(bureau_client, region, "rank", django_capture_on_commit_callbacks)

    assert run.status == MatchingRun.Status.DONE, run.error
    assert {(row["kind"], row["fix"]) for row in run.left_out} == {
        ("volunteer", "volunteer"),
        ("station", "region"),
    }
    assert "李志愿" in page and "红河街道社工站" in page
    assert reverse("admin:providers_volunteer_change", args=[volunteer.pk]) in page
    assert reverse("admin:regions_region_change", args=[town2.pk]) in page
    # Positive control: the station that is fine still ranks the need.
    assert run.candidates.filter(need=need, provider_kind="station").exists()


def test_the_intake_desk_opens_a_case_on_a_bad_row_and_says_what_to_correct(
    bureau_client, county, providers
):
    village1 = county[2]
    station1 = providers[0]
    need = household_with_need(village1)
    set_latitude(Household, need.household_id, "999")

    opened = bureau_client.post(
        reverse("referrals:intake-create"),
        {"need": need.pk, "source": IntakeCase.Source.VISIT, "description": ""},
    )

    assert opened.status_code == 302
    page = bureau_client.get(opened.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The matching engine cannot rank this need: Coordinates out of range" in html
    assert reverse("registry:household-update", args=[need.household_id]) in html
    refer = bureau_client.post(
        reverse("referrals:intake-refer", args=[IntakeCase.objects.get().pk]),
        {"kind": "station", "provider": station1.provider_id},
    )
    assert refer.status_code == 302 and refer.url == opened.url
    # Positive control: corrected, the same case ranks its station.
    set_latitude(Household, need.household_id, str(village1.latitude))
    assert "澧江街道社工站" in bureau_client.get(opened.url).content.decode()
