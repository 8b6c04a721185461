"""The intake desk's warm index: the same ranking as a cold load of the county, kept until a
provider of the county changes, with every referral's effect on places read live."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bangfu.matching_runs import adapter, desk_index, engine
from bangfu.matching_runs.ranking import rank_need
from bangfu.providers.models import Provider
from bangfu.referrals import services as referral_services
from bangfu.referrals.models import IntakeCase
from bangfu.regions.models import Region
from bangfu.registry.models import ServiceCategory
from tests.factories import RegionFactory, StationFactory, VolunteerFactory
from tests.matching_runs.conftest import TODAY, household_with_need

pytestmark = pytest.mark.django_db


def cold(need, exclude=()):
    """The need ranked on a cold load of its county, as runs rank (``engine.solve``)."""
    instance = adapter.load_instance(
        need.household.region.county(), need_ids=[need.pk], exclude=set(exclude), today=TODAY
    )
    result = engine.solve(instance, top_k=10)
    return [
        (row.kind, row.provider_id, row.score, row.components, row.distance_km)
        for row in result.ranked
    ]


def warm(need, exclude=()):
    return [
        (p.kind, p.provider_id, p.score, p.components, p.distance_km)
        for p in rank_need(need=need, exclude=exclude, today=TODAY)
    ]


def volunteers_in(village, category: str, n: int, *, capacity: int = 1) -> None:
    """``n`` volunteers living in ``village`` who offer ``category``, reaching 8 km and more."""
    offered = ServiceCategory.objects.get(code=category)
    for seq in range(n):
        VolunteerFactory(
            home_region=village,
            latitude=village.latitude,
            longitude=village.longitude,
            travel_radius_km=8 + seq,
            capacity=capacity,
            categories=[offered],
        )


@pytest.fixture
def crowded(county, providers):
    """Needs of several kinds in both townships, and a few more volunteers."""
    _region, _t1, village1, _t2, village2 = county
    volunteers_in(village1, "rehabilitation", 3, capacity=2)
    return [
        household_with_need(village1, seq=1),
        household_with_need(village2, seq=2),
        household_with_need(village1, category="rehabilitation", seq=3),
        household_with_need(village2, category="rehabilitation", seq=4),
    ]


def test_the_warm_index_ranks_as_a_cold_load_does(county, providers, crowded):
    desk_index.forget()
    for need in crowded:
        assert warm(need) == cold(need)
    # Every need after the first was ranked on the same entry: nothing was rebuilt.
    entry = desk_index.warm_index(county[0], today=TODAY)
    for need in crowded:
        assert warm(need) == cold(need)
    assert desk_index.warm_index(county[0], today=TODAY) is entry
    # An excluded provider is left out, as in the cold load.
    station1 = providers[0]
    assert warm(crowded[0], exclude=[station1.provider_id]) == cold(
        crowded[0], exclude=[station1.provider_id]
    )


def test_a_change_to_a_provider_of_the_county_rebuilds_the_index(county, providers, crowded):
    region, town1, *_rest = county
    station1 = providers[0]
    need = crowded[0]
    assert [p[1] for p in warm(need)] == [station1.provider_id]
    entry = desk_index.warm_index(region, today=TODAY)

    # A new station of the township: ranked at once.
    care = ServiceCategory.objects.get(code="care")
    newcomer = StationFactory(
        organisation__region=town1, organisation__name="新社工站", capacity=3, categories=[care]
    )
    assert desk_index.warm_index(region, today=TODAY) is not entry
    assert newcomer.provider_id in [p[1] for p in warm(need)]
    assert warm(need) == cold(need)

    # A provider paused by itself: gone.
    provider = Provider.objects.get(pk=station1.provider_id)
    provider.is_paused = True
    provider.save()
    assert station1.provider_id not in [p[1] for p in warm(need)]
    assert warm(need) == cold(need)

    # A service taken away from the new station (its categories): gone too.
    newcomer.categories.clear()
    assert warm(need) == cold(need) == []


def test_a_change_in_another_county_leaves_the_index_warm_and_a_move_out_rebuilds_it(
    county, providers
):
    region, _t1, village1, *_rest = county
    volunteer = providers[2]
    # A neighbouring county in the same city (new regions change every entry: made first).
    other = RegionFactory(
        code="530429", name="县530429", level=Region.Level.COUNTY, parent=region.parent
    )
    town = RegionFactory(code="530429101", level=Region.Level.TOWNSHIP, parent=other)
    village = RegionFactory(code="530429101201", level=Region.Level.VILLAGE, parent=town)
    need = household_with_need(village1, category="rehabilitation", seq=1)
    assert volunteer.provider_id in [p[1] for p in warm(need)]
    entry = desk_index.warm_index(region, today=TODAY)

    # A volunteer of the neighbouring county: this county's entry stays warm.
    volunteers_in(village, "rehabilitation", 1)
    assert desk_index.warm_index(region, today=TODAY) is entry

    # Our volunteer moves there: no longer this county's, at once, as in a cold load.
    volunteer.home_region = village
    volunteer.save()
    assert volunteer.provider_id not in [p[1] for p in warm(need)]
    assert warm(need) == cold(need)


def test_a_volunteer_whose_account_is_switched_on_again_is_proposed_again(county, providers):
    volunteer = providers[2]
    need = household_with_need(county[2], category="rehabilitation", seq=1)
    user = volunteer.user
    user.is_active = False
    user.save()
    assert volunteer.provider_id not in [p[1] for p in warm(need)]
    entry = desk_index.warm_index(county[0], today=TODAY)
    user.save(update_fields=["last_login"])  # a login: the entry stays warm
    assert desk_index.warm_index(county[0], today=TODAY) is entry

    user.is_active = True
    user.save()
    assert volunteer.provider_id in [p[1] for p in warm(need)]
    assert warm(need) == cold(need)


def test_the_index_stays_warm_past_the_caches_default_timeout(county, providers):
    need = household_with_need(county[2], seq=1)
    warm(need)
    entry = desk_index.warm_index(county[0], today=TODAY)
    with time_machine.travel(dt.timedelta(hours=2)):
        assert desk_index.warm_index(county[0], today=TODAY) is entry


def test_a_referral_that_takes_a_place_shows_at_the_next_ranking(county, providers, bureau):
    _region, _t1, village1, *_rest = county
    station1 = providers[0]
    first, second, third = (household_with_need(village1, seq=seq) for seq in range(3))
    # Today, as the desk ranks when it opens a case.
    before = rank_need(need=third)[0]
    assert before.components["facts"]["places_free"] == 2
    entry = desk_index.warm_index(county[0])

    intake = referral_services.intake_open(by=bureau, source=IntakeCase.Source.VISIT, need=first)
    referral_services.referral_send(intake=intake, provider_id=station1.provider_id, by=bureau)
    after = rank_need(need=third)[0]
    assert after.components["facts"]["places_free"] == 1
    assert after.components["capacity"] < before.components["capacity"]
    # The index itself was not rebuilt for it: places are read live.
    assert desk_index.warm_index(county[0]) is entry
    assert warm(third) == cold(third)

    intake = referral_services.intake_open(by=bureau, source=IntakeCase.Source.VISIT, need=second)
    referral_services.referral_send(intake=intake, provider_id=station1.provider_id, by=bureau)
    # The station is full: not a candidate, as in a cold load.
    assert warm(third) == cold(third) == []


def test_one_ranking_takes_a_few_queries_whatever_the_county_holds(
    county, providers, crowded, django_assert_max_num_queries
):
    need = crowded[0]
    rank_need(need=need, today=TODAY)  # warms the index
    with django_assert_max_num_queries(12):
        ranked = rank_need(need=need, today=TODAY)
    assert ranked
    volunteers_in(county[2], "care", 5)
    rank_need(need=need, today=TODAY)
    with django_assert_max_num_queries(12):
        assert len(rank_need(need=need, today=TODAY)) > len(ranked)


def test_the_candidates_carry_their_reasons_in_the_run_pages_words(county, providers, in_english):
    need = household_with_need(county[2])
    best = rank_need(need=need, today=TODAY)[0]
    reasons = {reason.key: reason for reason in best.reasons}
    assert reasons["distance"].label == "Distance"
    assert reasons["distance"].quantity == f"{best.distance_km:.1f} km from the home"
    assert reasons["capacity"].quantity == "2 of 2 places free"
    assert best.distance_text == f"{best.distance_km:.1f} km"
    assert best.score_text == f"{best.score:.2f} of 1"
    assert "0 (no fit) to 1 (the best fit possible)" in best.score_scale
    assert best.why.startswith("Placed here mostly by its ")
    assert best.why.endswith(".")


def test_the_desk_page_explains_each_candidate_in_chinese(county, providers, bureau, client):
    need = household_with_need(county[2])
    intake = referral_services.intake_open(by=bureau, source=IntakeCase.Source.VISIT, need=need)
    client.force_login(bureau)
    page = client.get(reverse("referrals:intake-detail", args=[intake.pk])).content.decode()
    best = rank_need(need=need)[0]
    assert "澧江街道社工站" in page
    assert f"距住所 {best.distance_km:.1f} km" in page
    assert "提供该项服务" in page  # the service itself, not a share
    assert "2 个名额中空余 2 个" in page
    assert "<meter" not in page  # no percentage bars any more
