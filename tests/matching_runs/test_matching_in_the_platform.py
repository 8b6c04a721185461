"""The engine inside the platform: loading arrays, ranking one need, runs and their pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.matching_runs import adapter
from bangfu.matching_runs.models import Allocation, MatchingRun, RankedCandidate
from bangfu.matching_runs.ranking import rank_need
from bangfu.matching_runs.services import run_request
from bangfu.registry.models import Tier
from tests.factories import OrganisationFactory, UserFactory, member_of, region_chain
from tests.matching_runs.conftest import household_with_need

pytestmark = pytest.mark.django_db


def queries_to_load(region) -> int:
    with CaptureQueriesContext(connection) as queries:
        adapter.load_instance(region)
    return len(queries)


def test_loading_a_county_takes_the_same_few_queries_whatever_its_size(county, providers):
    region, _t1, village1, _t2, village2 = county
    household_with_need(village1)
    few = queries_to_load(region)
    for seq in range(12):
        household_with_need(village1 if seq % 2 else village2, seq=seq)
    assert queries_to_load(region) == few <= 16


def test_a_care_need_goes_first_to_the_station_of_its_own_township(county, providers):
    _region, _t1, village1, _t2, _v2 = county
    station1, _station2, _volunteer = providers
    need = household_with_need(village1)
    ranked = rank_need(need=need)
    # The other township's station does not serve this village: not a candidate at all.
    assert [(p.kind, p.provider_id) for p in ranked] == [("station", station1.provider_id)]
    best = ranked[0]
    assert best.name == "澧江街道社工站"
    assert set(best.components) == {
        "distance",
        "skills",
        "quality",
        "continuity",
        "capacity",
        "success",
        "availability",
        "facts",  # the quantities behind them (``engine._facts``)
    }
    assert best.components["facts"]["places_free"] == 2
    assert best.distance_km == pytest.approx(1.1, abs=0.2)


def test_an_excluded_provider_is_never_ranked(county, providers):
    village1 = county[2]
    station1 = providers[0]
    need = household_with_need(village1)
    assert rank_need(need=need, exclude=[station1.provider_id]) == []


def test_a_volunteer_is_ranked_only_within_their_radius_and_skills(county, providers):
    _region, _t1, village1, _t2, village2 = county
    volunteer = providers[2]
    near = household_with_need(village1, category="rehabilitation")
    far = household_with_need(village2, category="rehabilitation")
    assert [(p.kind, p.provider_id) for p in rank_need(need=near)] == [
        ("volunteer", volunteer.provider_id)
    ]
    assert rank_need(need=far) == []


def test_the_same_job_key_gives_the_same_run(county, providers, bureau):
    region = county[0]
    first = run_request(kind="rank", region=region, by=bureau, job_key="nightly:530428:2026-11-25")
    again = run_request(kind="rank", region=region, by=bureau, job_key="nightly:530428:2026-11-25")
    assert again.pk == first.pk
    assert MatchingRun.objects.count() == 1


def test_an_allocation_run_fills_capacity_with_the_most_vulnerable_first(
    county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _t1, village1, _t2, _v2 = county
    tekun = household_with_need(village1, tier=Tier.TEKUN, priority="20")
    others = [household_with_need(village1, priority="60", seq=i) for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):  # tasks run in-process
        run = run_request(kind="allocate", region=region, by=bureau)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    assert (run.needs_count, run.assigned_count) == (4, 2)  # station 1 holds two cases
    allocated = set(Allocation.objects.filter(run=run).values_list("need_id", flat=True))
    # 特困 first, even with the lowest priority score; then the best of the rest.
    assert tekun.pk in allocated
    assert len(allocated & {need.pk for need in others}) == 1
    assert RankedCandidate.objects.filter(run=run).count() == 4
    assert run.objective > 0 and run.duration_seconds > 0


def test_a_run_split_by_county_reports_its_loss_against_one_global_allocation(
    county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _t1, village1, _t2, village2 = county
    city = region.parent
    household_with_need(village1)
    household_with_need(village2)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_request(kind="province", region=city, by=bureau)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    assert run.parts.count() == 1
    assert run.assigned_count == 2
    assert run.objective == pytest.approx(run.bound)
    assert run.gap == pytest.approx(0.0)


def test_staff_start_a_run_and_read_why_each_provider_was_proposed(
    client, county, providers, bureau, django_capture_on_commit_callbacks
):
    region, _t1, village1, _t2, _v2 = county
    need = household_with_need(village1)
    client.force_login(bureau)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching_runs:run-list"),
            {"kind": "allocate", "region": region.pk, "top_k": 5},
        )
    run = MatchingRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("matching_runs:run-detail", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert need.household.registry_number in page
    assert "澧江街道社工站" in page
    progress = client.get(reverse("matching_runs:run-progress", args=[run.pk]))
    assert b"hx-trigger" not in progress.content  # finished: polling stops


def test_runs_are_the_bureaus_tool_and_stay_in_its_region(client, county, providers, bureau):
    region = county[0]
    run = run_request(kind="rank", region=region, by=bureau)
    assistant = UserFactory(username="no_bureau")
    client.force_login(assistant)
    assert client.get(reverse("matching_runs:run-list")).status_code == 403
    outsider = UserFactory(username="other_bureau")
    *_above, other_county, _town, _village = region_chain("350502", "001", "001")
    member_of(
        outsider,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=other_county),
        Membership.Role.BUREAU_STAFF,
    )
    client.force_login(outsider)
    assert client.get(reverse("matching_runs:run-detail", args=[run.pk])).status_code == 404
