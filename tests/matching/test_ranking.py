"""Scores are explained by their components; rankings are deterministic and consistent."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.candidates import generate_candidates
from matching.index import CandidateIndex
from matching.ranking import rank_candidates, top_k_pairs
from matching.scoring import COMPONENTS, ScoreWeights, score_candidates, score_pairs
from matching.success import SuccessModel
from matching.synthetic import make_instance, make_outcomes
from tests.matching.instances import random_instance


@pytest.fixture(scope="module")
def fitted_model():
    X, y = make_outcomes(make_instance("small", random_state=1), 4000, random_state=1)
    return SuccessModel(random_state=0).fit(X, y)


def test_every_component_is_bounded_and_the_score_is_their_weighted_mean(fitted_model):
    needs, providers, _budgets = random_instance(11, 60, 30)
    weights = ScoreWeights(distance=2, skill=1, quality=1, continuity=3, headroom=1, success=2)
    scored = score_candidates(
        needs,
        providers,
        generate_candidates(needs, providers),
        weights=weights,
        success_model=fitted_model,
    )
    assert set(scored.components) == set(COMPONENTS)
    for values in scored.components.values():
        assert values.min() >= 0 and values.max() <= 1
    w = weights.vector() / weights.vector().sum()
    expected = sum(w[k] * scored.components[name] for k, name in enumerate(COMPONENTS))
    np.testing.assert_allclose(scored.score, expected, atol=1e-6)


def test_the_household_current_provider_scores_continuity():
    needs, providers, _budgets = random_instance(4, 60, 30)
    cand = generate_candidates(needs, providers)
    current = np.full(len(needs), -1)
    has = np.flatnonzero(cand.counts() > 0)[::2]
    current[has] = providers.id[cand.provider[cand.ptr[has]]]
    needs = replace(needs, current_provider=current)
    scored = score_candidates(needs, providers, cand)
    continuing = needs.current_provider[cand.need] == providers.id[cand.provider]
    assert continuing.sum() == has.size
    assert np.all(scored.components["continuity"][continuing] == 1)
    assert np.all(scored.components["continuity"][~continuing] == 0)


def test_nearer_is_better_all_else_equal():
    needs, providers, _budgets = random_instance(2, 1, 1, constraints=False)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    near, _c = score_pairs(
        needs, providers, [0], [0], [0.5], weights=scored.weights, success_model=None
    )
    far, _c = score_pairs(
        needs, providers, [0], [0], [4.0], weights=scored.weights, success_model=None
    )
    assert near[0] > far[0]


def test_weights_must_be_usable():
    with pytest.raises(ValueError):
        ScoreWeights(distance=-1)
    with pytest.raises(ValueError):
        ScoreWeights(**dict.fromkeys(COMPONENTS, 0))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6))
def test_top_k_is_the_best_k_of_each_need_in_order(seed, k):
    needs, providers, _budgets = random_instance(seed, 30, 20)
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    ranking = rank_candidates(scored, k)
    cand = scored.candidates
    for i in range(len(needs)):
        row = slice(cand.ptr[i], cand.ptr[i + 1])
        # best score first, ties to the provider listed first
        expected = np.lexsort((cand.provider[row], -scored.score[row]))[:k]
        got = ranking.pair[ranking.ptr[i] : ranking.ptr[i + 1]] - cand.ptr[i]
        assert np.array_equal(got, expected)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ranking_is_deterministic(seed):
    needs, providers, _budgets = random_instance(seed, 40, 25)
    first = rank_candidates(
        score_candidates(needs, providers, generate_candidates(needs, providers))
    )
    again = rank_candidates(
        score_candidates(needs, providers, generate_candidates(needs, providers))
    )
    assert np.array_equal(first.ptr, again.ptr)
    assert np.array_equal(first.provider, again.provider)
    assert np.array_equal(first.score, again.score)


def test_ties_go_to_the_provider_listed_first():
    ptr = np.array([0, 4])
    score = np.array([0.5, 0.7, 0.5, 0.7], dtype=np.float32)
    _ptr, pairs = top_k_pairs(ptr, score, 4)
    assert pairs.tolist() == [1, 3, 0, 2]


def test_one_new_need_ranks_as_in_the_batch(fitted_model):
    instance = make_instance("small", random_state=3)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(
        needs, providers, generate_candidates(needs, providers), success_model=fitted_model
    )
    batch = rank_candidates(scored, 10)
    index = CandidateIndex().fit(providers)
    for i in range(0, len(needs), 97):
        alone = index.rank(needs.take([i]), k=10, success_model=fitted_model)
        row = slice(batch.ptr[i], batch.ptr[i + 1])
        assert np.array_equal(alone.provider, batch.provider[row])
        assert np.array_equal(alone.score, batch.score[row])


def test_explanation_adds_up_to_the_score(fitted_model):
    needs, providers, _budgets = random_instance(9, 20, 15)
    scored = score_candidates(
        needs, providers, generate_candidates(needs, providers), success_model=fitted_model
    )
    ranking = rank_candidates(scored, 3)
    i = int(np.argmax(np.diff(ranking.ptr)))
    rows = ranking.explain(i, providers)
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        total = sum(part["contribution"] for part in row["components"].values())
        assert total == pytest.approx(row["score"], abs=1e-5)
        assert row["provider_kind"] in {"station", "volunteer", "offer", "project"}
