import numpy as np
import pytest

from matching.explain import PAIRED_FLOORS, SINGLE_MODEL_FLOOR, PairFloors, SharedTerm, explain, pair_floors

pytestmark = pytest.mark.unit


def test_pairs_use_each_sentence_once_best_first():
    q = np.array([[1, 0], [0.8, 0.6]], dtype=np.float32)
    d = np.array([[1, 0], [0, 1]], dtype=np.float32)

    result = explain(
        query_sentences=["q1", "q2"],
        query_vectors=q,
        doc_sentences=["d1", "d2"],
        doc_vectors=d,
        query_text="",
        doc_text="",
    )

    assert [(p.query_sentence, p.doc_sentence) for p in result.pairs] == [("q1", "d1"), ("q2", "d2")]
    assert result.pairs[0].similarity == pytest.approx(1.0)


def test_weak_pairs_are_not_shown():
    q = np.array([[1, 0]], dtype=np.float32)
    d = np.array([[0, 1]], dtype=np.float32)

    result = explain(
        query_sentences=["q"], query_vectors=q, doc_sentences=["d"], doc_vectors=d, query_text="", doc_text=""
    )

    assert result.pairs == ()


def test_shared_terms_and_labels():
    result = explain(
        query_sentences=[],
        query_vectors=np.zeros((0, 2)),
        doc_sentences=[],
        doc_vectors=np.zeros((0, 2)),
        query_text="Monitoring pledged vehicles with GPS trackers",
        doc_text="Our GPS tracker monitors vehicles pledged to lenders",
        query_labels=frozenset({"iot", "gps tracking"}),
        doc_labels=frozenset({"iot", "telematics"}),
        term_weight=lambda stem: {"gps": 5.0}.get(stem, 1.0),
    )

    assert result.shared_labels == ("iot",)
    assert str(result.shared_terms[0]) == "GPS"  # as the document writes it
    assert {str(t) for t in result.shared_terms} == {"GPS", "monitors", "pledged", "vehicles", "tracker"}


# -- across languages -------------------------------------------------------------------------


def _terms(query_text: str, doc_text: str, **kwargs) -> list[str]:
    result = explain(
        query_sentences=[],
        query_vectors=np.zeros((0, 2)),
        doc_sentences=[],
        doc_vectors=np.zeros((0, 2)),
        query_text=query_text,
        doc_text=doc_text,
        **kwargs,
    )
    return [str(term) for term in result.shared_terms]


def test_a_chinese_query_term_shows_its_english_counterpart_as_the_profile_writes_it():
    result = explain(
        query_sentences=[],
        query_vectors=np.zeros((0, 2)),
        doc_sentences=[],
        doc_vectors=np.zeros((0, 2)),
        query_text="我们需要物联网设备，实时监控质押车辆的位置。",
        doc_text="We fit IoT sensors to pledged vehicles for real-time monitoring.",
    )

    assert SharedTerm(doc="IoT", query="物联网") in result.shared_terms
    assert {str(t) for t in result.shared_terms} >= {
        "物联网 ↔ IoT",
        "实时监控 ↔ real-time monitoring",
        "质押 ↔ pledged",
        "车辆 ↔ vehicles",
    }


def test_an_english_query_term_shows_the_chinese_profile_form():
    terms = _terms("We fit IoT sensors to pledged vehicles.", "我们用物联网设备监控质押车辆。")

    assert "IoT ↔ 物联网" in terms
    assert "pledged ↔ 质押" in terms


def test_a_term_across_languages_needs_a_whole_wording_of_the_concept():
    assert _terms("物联网押品监控", "An Internet of Things network for warehouses.") == ["物联网 ↔ Internet of Things"]
    # 物联网's index terms include "internet" and "thing", but stray words are not the concept.
    assert not any("物联网" in t for t in _terms("物联网押品监控", "Many things happen on the internet."))


def test_chips_never_show_stop_words_or_short_noise():
    text_en = "We used the platform to help our customers, co-founders vs ad hoc tools, with AI and 5G."
    text_zh = "我们希望需要平台服务，我行的客户合作。"

    terms = _terms(text_en + text_zh, text_en + text_zh)

    for noise in (
        "we",
        "used",
        "use",
        "platform",
        "help",
        "customers",
        "our",
        "co",
        "vs",
        "ad",  # English, domain
        "我们",
        "希望",
        "需要",
        "平台",
        "服务",
        "我行",
        "客户",
        "合作",
        "的",
    ):  # Chinese
        assert noise not in terms
    assert all(len(t) > 2 for t in terms if t.isascii() and t not in ("AI", "5G"))
    assert {"AI", "5G", "founders", "tools"} <= set(terms)  # abbreviations the glossary lists are kept


def test_two_character_chinese_words_are_shown():
    assert set(_terms("区块链征信与风控", "区块链征信和风控方案")) == {"区块链", "征信", "风控"}


def test_shared_terms_are_ordered_by_weight_across_languages_and_each_form_shows_once():
    weights = {"iot": 1.0, "vehicl": 3.0, "pledg": 2.0}

    terms = _terms(
        "物联网监控质押车辆，车辆物联网",
        "IoT for pledged vehicles: vehicles, IoT.",
        term_weight=lambda term: weights.get(term, 0.0),
    )

    assert terms[:3] == ["车辆 ↔ vehicles", "质押 ↔ pledged", "物联网 ↔ IoT"]
    assert len(terms) == len(set(terms))


def test_words_of_a_shared_label_are_not_repeated_as_terms():
    terms = _terms("物联网监控", "IoT monitoring", query_labels=frozenset({"iot"}), doc_labels=frozenset({"iot"}))

    assert not any("IoT" in t for t in terms)


def test_each_language_pairing_has_its_floor():
    floors = PairFloors(english=0.4, chinese=0.48, across=0.35)
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    d = np.array([[0.37, np.sqrt(1 - 0.37**2)]], dtype=np.float32)  # similarity 0.37

    def pairs(query_sentence, doc_sentence):
        return explain(
            query_sentences=[query_sentence],
            query_vectors=q,
            doc_sentences=[doc_sentence],
            doc_vectors=d,
            query_text="",
            doc_text="",
            min_similarity=floors,
        ).pairs

    assert len(pairs("物联网监控押品。", "IoT monitors collateral.")) == 1  # across: 0.37 >= 0.35
    assert len(pairs("IoT monitors collateral.", "物联网监控押品。")) == 1  # the reverse direction
    assert pairs("IoT monitors collateral.", "We track pledged cars.") == ()  # English: 0.37 < 0.40
    assert pairs("物联网监控押品。", "我们追踪质押车辆。") == ()  # Chinese: 0.37 < 0.48


def test_pairs_are_taken_by_how_far_they_clear_their_floor():
    floors = PairFloors(english=0.4, chinese=0.48, across=0.35)
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    d = np.array([[0.5, np.sqrt(1 - 0.25)], [0.45, np.sqrt(1 - 0.45**2)]], dtype=np.float32)

    result = explain(
        query_sentences=["物联网监控押品。"],
        query_vectors=q,
        doc_sentences=["我们用物联网。", "IoT monitors collateral."],
        doc_vectors=d,
        query_text="",
        doc_text="",
        min_similarity=floors,
    )

    # 0.50 between two Chinese sentences clears its floor by 0.02, 0.45 across languages by 0.10.
    assert [p.doc_sentence for p in result.pairs] == ["IoT monitors collateral."]


def test_the_paired_models_get_their_calibrated_floors():
    assert pair_floors("all-MiniLM-L6-v2+onnx-int8|use-multilingual-v3") is PAIRED_FLOORS
    assert pair_floors("all-MiniLM-L6-v2+onnx-int8") == SINGLE_MODEL_FLOOR
    assert PAIRED_FLOORS.across < PAIRED_FLOORS.english < PAIRED_FLOORS.chinese


def test_a_quoted_list_item_loses_its_separator():
    v = np.array([[1.0, 0.0]], dtype=np.float32)

    result = explain(
        query_sentences=["汽车质押融资监管;"],
        query_vectors=v,
        doc_sentences=["Car-pledge financing;"],
        doc_vectors=v,
        query_text="",
        doc_text="",
    )

    assert (result.pairs[0].query_sentence, result.pairs[0].doc_sentence) == (
        "汽车质押融资监管",
        "Car-pledge financing",
    )
