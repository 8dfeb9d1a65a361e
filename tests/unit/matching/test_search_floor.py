"""The relevance floor of typed searches: a profile holding a query term or close enough in meaning, or nothing."""

import math

import numpy as np
import pytest

from matching.rank import SEARCH_DENSE_FLOOR, HybridRanker, Query, RankSettings, search_dense_floor
from matching.text import tokenize
from tests.unit.matching.fake_embedder import vector
from tests.unit.matching.test_rank import DOCS, make_corpus

pytestmark = pytest.mark.unit

FLOOR = RankSettings(dense_floor=0.5)


def far_from_every_profile() -> np.ndarray:
    """A unit vector with a non-positive inner product with every profile (theirs have no negative entry)."""
    away = -np.mean([vector(d.full_text()) for d in DOCS], axis=0)
    return (away / np.linalg.norm(away)).astype(np.float32)


def test_nonsense_clears_nothing_while_without_the_floor_everything_ranks():
    corpus = make_corpus()
    nonsense = Query(vector=far_from_every_profile(), tokens=tuple(tokenize("zzzzqqq xylqv")))

    assert HybridRanker(corpus, FLOOR).rank(nonsense, k=10) == []
    assert len(HybridRanker(corpus).rank(nonsense, k=10)) == len(DOCS)


def test_a_profile_holding_a_query_term_is_a_match_however_far_in_meaning():
    matches = HybridRanker(make_corpus(), FLOOR).rank(Query(vector=far_from_every_profile(), tokens=("tuition",)))

    assert [m.id for m in matches] == [3]


def test_a_chinese_word_holds_the_english_profiles_term_through_the_glossary():
    corpus = make_corpus()
    query = Query(vector=far_from_every_profile(), tokens=tuple(tokenize("隐私计算")))

    matches = HybridRanker(corpus, FLOOR).rank(query, k=10)

    holding = {d.id for d in DOCS if set(query.tokens) & set(tokenize(d.full_text()))}
    assert {2, 6} <= holding
    assert {m.id for m in matches} == holding


def test_close_meaning_clears_the_floor_without_a_shared_word():
    corpus = make_corpus()
    close = vector(DOCS[3].full_text())  # PledgeEye's own vector, so its inner product is 1
    query = Query(vector=close, tokens=("zzzzqqq",))

    matches = HybridRanker(corpus, FLOOR).rank(query, k=10)

    dense = {d.id: float(vector(d.full_text()) @ close) for d in DOCS}
    assert matches[0].id == 4
    assert {m.id for m in matches} == {i for i, score in dense.items() if score >= FLOOR.dense_floor}
    assert all(m.components["dense"] >= FLOOR.dense_floor for m in matches)


def test_the_floor_only_removes_it_never_reorders():
    corpus = make_corpus()
    query = Query(vector=vector("joint risk control for banks"), tokens=tuple(tokenize("privacy computing banks")))

    floored = [m.id for m in HybridRanker(corpus, FLOOR).rank(query, k=10)]
    plain = [m.id for m in HybridRanker(corpus).rank(query, k=10)]

    assert floored and len(floored) < len(plain)
    assert floored == [i for i in plain if i in floored]


def test_the_dense_floor_applies_to_the_embedder_it_was_calibrated_for_only():
    assert search_dense_floor("all-MiniLM-L6-v2+onnx-int8|use-multilingual-v3") == SEARCH_DENSE_FLOOR
    assert search_dense_floor("all-MiniLM-L6-v2|use-multilingual-v3") == SEARCH_DENSE_FLOOR
    assert search_dense_floor("all-MiniLM-L6-v2+onnx-int8") == math.inf
    assert search_dense_floor("paraphrase-multilingual-MiniLM-L12-v2") == math.inf


def test_an_infinite_floor_keeps_the_profiles_holding_a_query_term_only():
    close = vector(DOCS[3].full_text())
    query = Query(vector=close, tokens=("tuition",))

    matches = HybridRanker(make_corpus(), RankSettings(dense_floor=math.inf)).rank(query, k=10)

    assert [m.id for m in matches] == [3]
