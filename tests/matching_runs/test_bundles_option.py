"""One chain of help per household (一户一条救助链) as an option of a run, the household's chain
on its page, and whether the protected tier's floor is proven: what the staff see."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from bangfu.accounts.models import Membership, Organisation
from bangfu.matching_runs import adapter, engine
from bangfu.matching_runs.explain import percent
from bangfu.matching_runs.household_panel import household_chain_panel
from bangfu.matching_runs.models import Allocation, MatchingRun
from bangfu.registry.models import ServiceCategory, Tier
from bangfu.registry.timeline import category_name
from matching.synthetic import make_instance
from tests.factories import (
    NeedFactory,
    OrganisationFactory,
    UserFactory,
    member_of,
    region_chain,
    township_reviewer,
)
from tests.matching_runs.conftest import TODAY, household_with_need
from tests.matching_runs.test_runs_in_staff_hands import english, text_of

pytestmark = pytest.mark.django_db

PANEL_TITLE = "Suggested providers (一户一条救助链)"


@pytest.fixture
def split_household(county, providers):
    """A 特困 household needing care and rehabilitation. The township's station offers both; the
    volunteer next door offers rehabilitation with a better score: the plain optimum splits the
    household between them."""
    village1 = county[2]
    station, _station2, volunteer = providers
    rehab = ServiceCategory.objects.get(code="rehabilitation")
    station.categories.add(rehab)
    care_need = household_with_need(village1, tier=Tier.TEKUN)
    rehab_need = NeedFactory(
        household=care_need.household,
        category=rehab,
        opened_on=TODAY - dt.timedelta(days=9),
        priority=Decimal("50"),
    )
    return care_need.household, station, volunteer, care_need, rehab_need


def start_run(client, bureau, region, capture, **fields):
    """Start an allocation run from the runs page, as staff do; it runs in-process."""
    with capture(execute=True):
        response = client.post(
            reverse("matching_runs:run-list"),
            {"kind": "allocate", "region": region.pk, "top_k": 10, **fields},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = MatchingRun.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[-1]))
    assert run.status == MatchingRun.Status.DONE, run.error
    return run


def providers_of(run, household):
    return {
        allocation.need_id: (allocation.provider_kind, allocation.provider_id)
        for allocation in Allocation.objects.filter(run=run, need__household=household)
    }


def test_the_option_gives_the_household_one_provider_and_says_what_it_cost(
    client, county, split_household, bureau, django_capture_on_commit_callbacks
):
    region = county[0]
    household, station, volunteer, care_need, rehab_need = split_household
    english(client, bureau)
    plain = start_run(client, bureau, region, django_capture_on_commit_callbacks)
    bundled = start_run(
        client,
        bureau,
        region,
        django_capture_on_commit_callbacks,
        household_bundles="on",
        bundle_strength=30,
    )
    # Without the option the household is split; with it, the station serves both needs.
    assert providers_of(plain, household) == {
        care_need.pk: ("station", station.provider_id),
        rehab_need.pk: ("volunteer", volunteer.provider_id),
    }
    assert providers_of(bundled, household) == {
        care_need.pk: ("station", station.provider_id),
        rehab_need.pk: ("station", station.provider_id),
    }
    assert (plain.household_bundles, plain.bundles) == (False, {})
    assert bundled.household_bundles and bundled.parameters["bundle_strength"] == 0.3
    figures = bundled.bundles
    assert figures["plain_objective"] == pytest.approx(plain.objective)
    assert figures["objective"] == pytest.approx(bundled.objective)
    assert bundled.objective < plain.objective
    assert (figures["single_provider"], figures["households"]) == (1, 1)
    assert (figures["plain_single_provider"], figures["plain_households"]) == (0, 1)

    page = text_of(client.get(reverse("matching_runs:run-detail", args=[bundled.pk])))
    cost = percent((plain.objective - bundled.objective) / plain.objective)
    assert cost != "0%"
    assert (
        f"To have 1 household served by one provider for all its needs, the total score is "
        f"{cost} lower." in page
    )
    assert (
        "Households with several needs placed that have one provider for all of them: 1 of 1 "
        "(0 of 1 without one chain per household)." in page
    )
    # Measured against the plain optimum, the run is no longer "the best possible".
    assert f"The allocation is within {cost} of the best possible." in page
    assert "One chain per household: score a shared provider may cost 30%" in page

    # The run without the option reads as before: exact, and nothing of bundles.
    page = text_of(client.get(reverse("matching_runs:run-detail", args=[plain.pk])))
    assert "The allocation is the best possible (solved exactly)." in page
    assert "one provider for all" not in page and "One chain per household" not in page


def test_the_option_off_leaves_the_allocation_as_the_engine_gives_it(
    county, split_household, bureau, django_capture_on_commit_callbacks, client
):
    region = county[0]
    english(client, bureau)
    run = start_run(client, bureau, region, django_capture_on_commit_callbacks)
    expected = engine.solve(adapter.load_instance(region), allocate=True)
    assert sorted(
        Allocation.objects.filter(run=run).values_list("need_id", "provider_kind", "provider_id")
    ) == sorted((row.need_id, row.kind, row.provider_id) for row in expected.allocated)
    assert run.objective == pytest.approx(expected.objective)
    assert run.bound is None and expected.bundles is None


def test_under_budgets_the_bundled_allocation_spends_no_more_and_keeps_the_floor():
    """With procured projects paid per case, each project takes at most the cases the budget
    search gave it: no pool spends more, the protected floor holds, and more households get
    one provider (a synthetic instance with tight budgets, bench/README's generator)."""
    synthetic = make_instance("small", random_state=1)
    providers = synthetic.providers
    instance = adapter.Instance(
        region=None,
        needs=synthetic.needs,
        providers=providers,
        provider_names={},
        category_ids=list(range(64)),
        budgets=synthetic.budgets,
    )
    plain = engine.solve(instance, top_k=1, allocate=True)
    bundled = engine.solve(instance, top_k=1, allocate=True, bundle_strength=0.3)
    position = {int(key): j for j, key in enumerate(providers.id)}

    def spend(result):
        chosen = np.array(
            [position[adapter.key_of(row.kind, row.provider_id)] for row in result.allocated]
        )
        paid = chosen[providers.pool[chosen] >= 0]
        return np.bincount(
            providers.pool[paid],
            weights=providers.unit_cost[paid],
            minlength=len(synthetic.budgets),
        )

    assert spend(plain).sum() > 0  # the pools are used: the check below can fail
    assert np.all(spend(bundled) <= synthetic.budgets)
    assert bundled.fairness["protected"]["served"] >= plain.fairness["protected"]["servable"]
    figures = bundled.bundles
    assert figures["single_provider"] > figures["plain_single_provider"]
    assert figures["plain_objective"] == pytest.approx(plain.objective)
    assert bundled.bound == pytest.approx(plain.bound)  # the budget search's bound, still


def test_a_ranking_cannot_bundle(client, county, bureau):
    english(client, bureau)
    response = client.post(
        reverse("matching_runs:run-list"),
        {"kind": "rank", "region": county[0].pk, "top_k": 10, "household_bundles": "on"},
    )
    assert response.status_code == 200
    assert "one chain per household is for allocations" in text_of(response)
    assert not MatchingRun.objects.exists()


# --- the household's chain on its page -----------------------------------------------------------


def test_the_household_page_shows_the_chain_the_latest_run_suggests(
    client, county, split_household, bureau, django_capture_on_commit_callbacks
):
    region, town1, *_rest = county
    household = split_household[0]
    english(client, bureau)
    start_run(client, bureau, region, django_capture_on_commit_callbacks)
    url = reverse("registry:household-detail", args=[household.pk])
    page = text_of(client.get(url))
    assert PANEL_TITLE in page
    assert "2 different providers for the household's 2 needs placed." in page
    assert "李志愿 (volunteer)" in page

    bundled = start_run(
        client, bureau, region, django_capture_on_commit_callbacks, household_bundles="on"
    )
    response = client.get(url)
    page = text_of(response)
    assert "One provider for all the household's 2 needs placed." in page
    assert "澧江街道社工站 (social-work station)" in page and "李志愿" not in page
    assert "The run preferred one provider for a household's needs." in page
    assert reverse("matching_runs:run-detail", args=[bundled.pk]) in response.content.decode()

    # The run is the county's: a township's reviewer reads the household, not the run.
    reviewer = township_reviewer(town1, "reviewer_town1")
    response = english(client, reviewer).get(url)
    assert response.status_code == 200
    assert "Members" in text_of(response) and PANEL_TITLE not in text_of(response)


def test_the_chain_reads_its_rows_in_a_few_queries_whatever_the_needs(
    client,
    county,
    split_household,
    bureau,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    household = split_household[0]
    english(client, bureau)
    start_run(client, bureau, county[0], django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(5):
        template, context = household_chain_panel(household, bureau)
        page = render_to_string(template, {"panel": context})
    assert len(context["rows"]) == 2
    for row in context["rows"]:
        assert category_name(row["need"].category) in page


def test_the_chain_is_not_shown_to_a_bureau_of_another_county(
    client, county, split_household, bureau, django_capture_on_commit_callbacks
):
    region = county[0]
    household = split_household[0]
    english(client, bureau)
    start_run(client, bureau, region, django_capture_on_commit_callbacks)
    # Positive control: the county's bureau gets the panel.
    assert household_chain_panel(household, bureau) is not None
    outsider = UserFactory(username="other_county_bureau")
    *_above, other_county, _town, _village = region_chain("350502", "001", "001")
    member_of(
        outsider,
        OrganisationFactory(kind=Organisation.Kind.BUREAU, region=other_county),
        Membership.Role.BUREAU_STAFF,
    )
    assert household_chain_panel(household, outsider) is None
    url = reverse("registry:household-detail", args=[household.pk])
    assert english(client, outsider).get(url).status_code == 404


# --- the protected tier's floor: proven or bounded -----------------------------------------------


def test_the_run_page_says_the_floor_is_proven_when_the_solver_proved_it(
    client, county, split_household, bureau, django_capture_on_commit_callbacks
):
    english(client, bureau)
    run = start_run(client, bureau, county[0], django_capture_on_commit_callbacks)
    assert (run.floor_proven, run.floor_upper) == (True, None)
    page = text_of(client.get(reverse("matching_runs:run-detail", args=[run.pk])))
    assert "All servable protected needs (特困、孤儿、重度残疾) are placed: 2 / 2." in page
    assert "2 is proven the most protected needs any allocation can place." in page
    assert "At least" not in page


def test_the_run_page_gives_the_bound_when_the_floor_is_not_proven(client, county, bureau):
    run = MatchingRun.objects.create(
        job_key="hand-made-floor",
        kind=MatchingRun.Kind.ALLOCATE,
        region=county[0],
        status=MatchingRun.Status.DONE,
        objective=950.0,
        bound=1000.0,
        fairness={"protected": {"served": 2698, "servable": 2698}, "townships": []},
        floor_proven=False,
        floor_upper=2750,
    )
    page = text_of(english(client, bureau).get(reverse("matching_runs:run-detail", args=[run.pk])))
    assert (
        "At least 2,698 protected needs can be placed within the budgets; at most 2,750 (the "
        "exact solver stopped at its time limit before proving which)." in page
    )
    assert "is proven the most" not in page


def test_a_run_split_by_county_is_proven_only_when_every_county_is():
    def part(proven, upper, servable):
        return SimpleNamespace(
            floor_proven=proven, floor_upper=upper, fairness={"protected": {"servable": servable}}
        )

    assert engine.merge_floors([part(True, None, 5), part(True, None, 3)]) == {
        "floor_proven": True,
        "floor_upper": None,
    }
    assert engine.merge_floors([part(True, None, 5), part(False, 9, 7)]) == {
        "floor_proven": False,
        "floor_upper": 14,
    }
    assert engine.merge_floors([part(None, None, 0), part(True, None, 3)])["floor_proven"] is None


def test_a_run_split_by_county_sums_its_counties_bundles():
    county = {
        "strength": 0.3,
        "objective": 90.0,
        "plain_objective": 100.0,
        "households": 4,
        "single_provider": 3,
        "plain_households": 4,
        "plain_single_provider": 1,
        "moved": 2,
    }
    merged = engine.merge_bundles([county, {**county, "objective": 95.0}, {}])
    assert merged["objective"] == 185.0 and merged["plain_objective"] == 200.0
    assert merged["single_provider"] == 6 and merged["strength"] == 0.3
    assert engine.merge_bundles([{}, {}]) == {}
