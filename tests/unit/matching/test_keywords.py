"""BM25 with an append-only delta: an edit is searchable without a rebuild, and scores agree."""

import numpy as np
import pytest

from matching import store
from matching.corpus import Corpus, Entry, TokenTable
from matching.keywords import KeywordIndex

pytestmark = pytest.mark.unit

DOCS = [["bank", "risk", "control", "risk"], ["campus", "card"], ["hospit", "claim", "fraud", "risk"]]


def test_delta_document_scores_like_the_same_document_in_the_base():
    base = KeywordIndex.from_tokens(DOCS)
    grown = KeywordIndex.from_tokens(DOCS[:2])
    grown.append(DOCS[2])

    full = KeywordIndex.from_tokens(DOCS[:2] + [DOCS[2]])
    query = ["claim", "fraud"]

    assert grown.delta_size == 1
    assert grown.scores(query)[2] > 0
    assert base.scores(query)[2] == pytest.approx(full.scores(query)[2])


def test_delta_scoring_matches_bm25s_for_identical_statistics():
    index = KeywordIndex.from_tokens(DOCS)
    index.append(DOCS[0])

    scores = index.scores(["risk", "bank"])

    assert scores[3] == pytest.approx(scores[0], rel=1e-5)


def test_dropped_delta_document_scores_zero():
    index = KeywordIndex.from_tokens(DOCS)
    index.append(["novel", "term"])
    index.drop(3)

    assert index.scores(["novel"]).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_corpus_edit_is_searchable_without_rebuilding_the_base():
    corpus = Corpus(2)
    corpus.upsert(Entry(i, np.array([1.0, 0.0], np.float32), tuple(t)) for i, t in enumerate(DOCS))
    keywords = corpus.keywords

    corpus.upsert([Entry(1, np.array([0.0, 1.0], np.float32), ("cold", "chain"))])

    assert corpus.keywords is keywords
    scores = corpus.keywords.scores(["cold"])
    assert scores[corpus.positions[1]] > 0 and scores[1] == 0


def test_token_table_round_trip():
    table = TokenTable()
    for tokens in DOCS:
        table.append(tokens)
    table.clear(1)
    vocab, ids, offsets = table.arrays()

    loaded = TokenTable(vocab, ids, offsets)
    loaded.append(["new"])

    assert [loaded[i] for i in range(4)] == [tuple(DOCS[0]), (), tuple(DOCS[2]), ("new",)]


def test_snapshot_keeps_keyword_base_and_delta(tmp_path):
    corpus = Corpus(2)
    corpus.upsert(Entry(i, np.array([1.0, 0.0], np.float32), tuple(t)) for i, t in enumerate(DOCS))
    corpus.keywords  # noqa: B018 - base over three documents
    corpus.upsert([Entry(9, np.array([0.0, 1.0], np.float32), ("claim", "fraud"))])
    expected = corpus.keywords.scores(["claim", "fraud"])

    store.save(corpus, tmp_path)
    _v, loaded, _m = store.load(tmp_path)

    assert loaded.keywords.base_size == 3 and loaded.keywords.delta_size == 1
    assert np.allclose(loaded.keywords.scores(["claim", "fraud"]), expected)


def test_token_table_arrays_after_clearing_a_loaded_position():
    table = TokenTable()
    for tokens in DOCS:
        table.append(tokens)
    loaded = TokenTable(*table.arrays())
    loaded.clear(1)
    loaded.append(["fresh", "risk"])

    again = TokenTable(*loaded.arrays())

    assert [again[i] for i in range(4)] == [tuple(DOCS[0]), (), tuple(DOCS[2]), ("fresh", "risk")]
