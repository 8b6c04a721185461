"""The batch path works in chunks and blocks to spare memory: the results must not depend on
where the chunks fall, and components made on demand must equal stored ones."""

import numpy as np

import matching.features
import matching.ranking
import matching.scoring
from matching.candidates import generate_candidates
from matching.ranking import rank_candidates, top_k_pairs
from matching.scoring import COMPONENTS, score_candidates
from matching.synthetic import make_instance


def _plain_top_k(ptr, score, k):
    """Need by need: best score first, ties to the lower offset."""
    pairs = []
    for i in range(ptr.shape[0] - 1):
        rows = np.arange(ptr[i], ptr[i + 1])
        order = np.lexsort((rows, -score[rows].astype(np.float64)))
        pairs.extend(rows[order][:k].tolist())
    return pairs


def test_top_k_is_the_same_whatever_the_block_size(monkeypatch):
    rng = np.random.default_rng(5)
    counts = rng.integers(0, 30, 400)
    ptr = np.r_[0, np.cumsum(counts)]
    # Few distinct values, so that ties are everywhere.
    score = rng.integers(0, 8, ptr[-1]).astype(np.float32) / 8
    monkeypatch.setattr(matching.ranking, "_BLOCK", 37)
    ranked_ptr, pairs = top_k_pairs(ptr, score, 5)
    assert pairs.tolist() == _plain_top_k(ptr, score, 5)
    assert np.array_equal(ranked_ptr, np.r_[0, np.cumsum(np.minimum(counts, 5))])


def test_scores_and_rankings_do_not_depend_on_the_chunks(monkeypatch):
    instance = make_instance("small", random_state=2)
    needs, providers = instance.needs, instance.providers
    candidates = generate_candidates(needs, providers)
    whole = score_candidates(needs, providers, candidates)
    monkeypatch.setattr(matching.features, "PAIR_CHUNK", 101)
    monkeypatch.setattr(matching.scoring, "PAIR_CHUNK", 101)
    monkeypatch.setattr(matching.ranking, "_BLOCK", 211)
    chunked = score_candidates(needs, providers, candidates)
    assert np.array_equal(whole.score, chunked.score)
    first, again = rank_candidates(whole, 10), rank_candidates(chunked, 10)
    assert np.array_equal(first.pair, again.pair)
    for name in COMPONENTS:
        assert np.array_equal(whole.components[name], chunked.components[name])


def test_components_of_a_few_pairs_equal_the_whole_arrays():
    instance = make_instance("small", random_state=4)
    needs, providers = instance.needs, instance.providers
    scored = score_candidates(needs, providers, generate_candidates(needs, providers))
    pairs = np.arange(0, len(scored), 7)
    taken = scored.components.take(pairs)
    assert list(taken) == list(scored.components)
    for name in COMPONENTS:
        assert taken[name].dtype == np.float32
        assert np.array_equal(taken[name], scored.components[name][pairs])
    ranking = rank_candidates(scored, 10)
    for name in COMPONENTS:
        assert np.array_equal(ranking.components[name], scored.components[name][ranking.pair])
