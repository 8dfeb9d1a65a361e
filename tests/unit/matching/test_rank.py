"""Fusion, feedback, filters and components on a small corpus with a deterministic embedder."""

import numpy as np
import pytest

from matching.corpus import Corpus, Entry, entry_for
from matching.rank import HybridRanker, Query, RankSettings, zscore
from matching.text import tokenize
from matching.types import Document, Filters
from tests.unit.matching.fake_embedder import DIM, vector

pytestmark = pytest.mark.unit

DOCS = [
    Document(
        1,
        "LedgerJoint",
        "Secure multi-party computation for joint risk control between banks.",
        tags=("mpc", "privacy computing"),
    ),
    Document(
        2,
        "FedScore",
        "Federated learning lets lenders train credit models without sharing data.",
        tags=("federated learning", "privacy computing"),
    ),
    Document(3, "CampusPay", "Campus card and tuition payments for universities.", tags=("campus card",)),
    Document(
        4,
        "PledgeEye",
        "GPS trackers and cameras monitor pledged vehicles for car-pledge loans.",
        tags=("iot", "collateral monitoring"),
    ),
    Document(
        5,
        "WardLink",
        "Hospital information system connecting wards and insurance bureaus.",
        tags=("hospital information system",),
    ),
    Document(
        6,
        "PrivyJoin",
        "Private set intersection for joint marketing without revealing customers.",
        tags=("privacy computing", "psi"),
    ),
]


def make_corpus(docs=DOCS):
    corpus = Corpus(DIM)
    corpus.upsert(entry_for(d, vector(d.full_text())) for d in docs)
    return corpus


def query(text, labels=()):
    return Query(vector=vector(text), tokens=tuple(tokenize(text)), labels=frozenset(labels))


def test_zscore_handles_constant_scores():
    assert zscore(np.array([2.0, 2.0, 2.0])).tolist() == [0.0, 0.0, 0.0]
    assert zscore(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]


def test_hybrid_puts_the_obvious_match_first():
    ranker = HybridRanker(make_corpus())

    matches = ranker.rank(query("joint risk control with secure multi-party computation"), k=3)

    assert matches[0].id == 1
    assert set(matches[0].components) == {"dense", "keyword", "labels", "shared_labels"}


def test_feedback_labels_lift_documents_sharing_the_best_matches_labels():
    corpus = make_corpus()
    plain = HybridRanker(corpus, RankSettings(label_weight=0.0, feedback_docs=1)).rank(
        query("multi-party computation risk control"), k=6
    )
    fed = HybridRanker(corpus, RankSettings(label_weight=2.0, feedback_docs=1)).rank(
        query("multi-party computation risk control"), k=6
    )

    def position(matches, doc_id):
        return [m.id for m in matches].index(doc_id)

    # Documents 2 and 6 share the label "privacy computing" with the top match.
    assert position(fed, 2) <= position(plain, 2)
    assert position(fed, 6) <= position(plain, 6)
    assert fed[1].components["labels"] > 0


def test_own_labels_give_a_boost():
    corpus = make_corpus()
    ranker = HybridRanker(corpus, RankSettings(own_label_boost=5.0, label_weight=0.0))

    matches = ranker.rank(query("payments", labels=("collateral monitoring",)), k=1)

    assert matches[0].id == 4
    assert matches[0].components["shared_labels"] == 1


def test_exclude_and_allow_filters():
    ranker = HybridRanker(make_corpus())
    q = query("secure multi-party computation joint risk")

    excluded = [m.id for m in ranker.rank(q, k=6, filters=Filters(exclude_ids=frozenset({1})))]
    allowed = [m.id for m in ranker.rank(q, k=6, filters=Filters(allowed_ids=frozenset({3, 5})))]

    assert 1 not in excluded
    assert sorted(allowed) == [3, 5]


def test_dense_and_keyword_methods_respect_filters():
    ranker = HybridRanker(make_corpus())
    q = query("hospital insurance")

    assert [m.id for m in ranker.keyword(q, 1)] == [5]
    assert 5 not in [m.id for m in ranker.dense(q, 6, Filters(exclude_ids=frozenset({5})))]


def test_updated_document_ranks_by_its_new_text():
    corpus = make_corpus()
    ranker = HybridRanker(corpus)
    changed = Document(3, "CampusPay", "Cold-chain sensors for pharmaceutical logistics.", tags=("cold chain",))

    corpus.upsert([entry_for(changed, vector(changed.full_text()))])

    assert ranker.rank(query("cold chain sensors"), k=1)[0].id == 3
    assert len(corpus) == 6
    assert corpus.index.tombstone_share() == pytest.approx(1 / 7)


def test_removed_document_is_never_returned():
    corpus = make_corpus()
    corpus.remove([1])

    ids = [m.id for m in HybridRanker(corpus).rank(query("secure multi-party computation"), k=10)]

    assert 1 not in ids and len(ids) == 5


def test_empty_corpus_ranks_nothing():
    assert HybridRanker(Corpus(DIM)).rank(query("anything")) == []


def test_a_score_floor_keeps_a_rare_words_only_profile_from_being_buried():
    """A tight crowd of near neighbours makes a keyword-only match's dense score an extreme outlier; without a
    floor the fusion buries it (as it did at 100k profiles), with one it comes first."""

    rng = np.random.default_rng(7)
    direction = rng.normal(size=DIM).astype(np.float32)
    direction /= np.linalg.norm(direction)
    crowd = direction + 0.01 * rng.normal(size=(2000, DIM)).astype(np.float32)
    crowd /= np.linalg.norm(crowd, axis=1, keepdims=True)
    far = rng.normal(size=DIM).astype(np.float32)
    far -= far @ direction * direction
    far /= np.linalg.norm(far)
    corpus = Corpus(DIM)
    corpus.upsert(Entry(i, crowd[i], ("sensor", "warehouse")) for i in range(2000))
    corpus.upsert([Entry(9999, far, ("sensor", "zyxquantum"))])
    lookup = Query(vector=direction, tokens=("zyxquantum",))

    buried = [
        m.id
        for m in HybridRanker(corpus, RankSettings(rocchio_beta=0, expansion_terms=0, label_weight=0)).rank(
            lookup, k=20
        )
    ]
    floored = [
        m.id
        for m in HybridRanker(
            corpus, RankSettings(rocchio_beta=0, expansion_terms=0, label_weight=0, z_floor=-2.0)
        ).rank(lookup, k=20)
    ]

    assert 9999 not in buried
    assert floored[0] == 9999


def test_a_query_vector_of_another_dimension_ranks_by_keywords_alone():
    """A query encoded with another model (a new one, while the index still holds the earlier model's vectors)
    never reaches numpy's arithmetic with the wrong shape: it ranks as a zero vector would."""
    ranker = HybridRanker(make_corpus())
    text = "joint risk control with secure multi-party computation"
    other_model = Query(vector=np.ones(DIM + 128, np.float32) / np.sqrt(DIM + 128), tokens=tuple(tokenize(text)))
    keywords_only = Query(vector=np.zeros(DIM, np.float32), tokens=tuple(tokenize(text)))

    matches = ranker.rank(other_model, k=3)

    assert [m.id for m in matches] == [m.id for m in ranker.rank(keywords_only, k=3)]
    assert matches[0].id == 1 and matches[0].components["dense"] == 0.0
    dense = ranker.dense(other_model, k=2)
    assert len(dense) == 2 and all(m.score == 0.0 for m in dense)
