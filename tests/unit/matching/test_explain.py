import numpy as np
import pytest

from matching.explain import explain

pytestmark = pytest.mark.unit


def test_pairs_use_each_sentence_once_best_first():
    q = np.array([[1, 0], [0.8, 0.6]], dtype=np.float32)
    d = np.array([[1, 0], [0, 1]], dtype=np.float32)

    result = explain(query_sentences=["q1", "q2"], query_vectors=q, doc_sentences=["d1", "d2"], doc_vectors=d,
                     query_text="", doc_text="")

    assert [(p.query_sentence, p.doc_sentence) for p in result.pairs] == [("q1", "d1"), ("q2", "d2")]
    assert result.pairs[0].similarity == pytest.approx(1.0)


def test_weak_pairs_are_not_shown():
    q = np.array([[1, 0]], dtype=np.float32)
    d = np.array([[0, 1]], dtype=np.float32)

    result = explain(query_sentences=["q"], query_vectors=q, doc_sentences=["d"], doc_vectors=d,
                     query_text="", doc_text="")

    assert result.pairs == ()


def test_shared_terms_and_labels():
    result = explain(
        query_sentences=[], query_vectors=np.zeros((0, 2)), doc_sentences=[], doc_vectors=np.zeros((0, 2)),
        query_text="Monitoring pledged vehicles with GPS trackers",
        doc_text="Our GPS tracker monitors vehicles pledged to lenders",
        query_labels=frozenset({"iot", "gps tracking"}), doc_labels=frozenset({"iot", "telematics"}),
        term_weight=lambda stem: {"gps": 5.0}.get(stem, 1.0),
    )

    assert result.shared_labels == ("iot",)
    assert result.shared_terms[0] == "GPS".lower()
    assert set(result.shared_terms) == {"gps", "monitors", "pledged", "vehicles", "tracker"}
