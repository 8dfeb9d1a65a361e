"""Shared-term chips never show stop words, in English or Chinese (matching.text.chip_stop_words), and the chip
list is for display only: the index terms, hence the ranking, are unchanged."""

import pytest

from matching.explain import shared_terms
from matching.text import chip_stop_words, stop_words, tokenize

pytestmark = pytest.mark.unit


def _chips(query: str, doc: str) -> list[str]:
    return [str(term) for term in shared_terms(query, doc, max_terms=50)]


def test_english_stop_words_and_generic_words_are_not_chips():
    text = (
        "Data from banks: see how we get the SME loans, also using ledgers via open banking, "
        "which would include invoices."
    )

    chips = _chips(text, text)

    for noise in ("Data", "data", "from", "see", "get", "also", "using", "via", "which", "would", "include", "how"):
        assert noise not in chips
    assert {"SME", "loans", "ledgers", "banks", "invoices"} <= set(chips)


def test_chinese_function_words_are_not_chips():
    text = "我们的数据与风控和征信及供应链金融等服务，以及通过区块链进行结算"

    chips = _chips(text, text)

    for noise in ("的", "和", "与", "及", "等", "我们", "以及", "通过", "进行", "数据"):
        assert noise not in chips
    assert {"风控", "征信", "区块链"} <= set(chips)


def test_a_term_shared_across_languages_is_not_a_chip_when_its_english_is_a_stop_word():
    assert not any("数据" in chip or "data" in chip.lower() for chip in _chips("数据风控", "Risk control from data."))


def test_glossary_terms_stay_chips_even_when_a_stop_list_names_them():
    # 安全 (security) is on bm25s's Chinese list; HIS (hospital information system) is "his" in NLTK's.
    assert "安全" in _chips("保障支付安全", "交易安全方案")
    assert "HIS" in _chips("Integrate with the HIS of each ward.", "A HIS connector for wards.")
    assert "his" not in _chips("He and his team.", "his team")


def test_the_chip_list_holds_the_index_list_and_the_maintained_ones():
    chips = chip_stop_words()

    assert stop_words() <= chips
    assert {"from", "see", "data", "的", "我们", "以及"} <= chips
    assert "安全" not in chips


def test_the_index_terms_do_not_change():
    # The chip list is display only: "data" and "from" are still index terms, so BM25 and the ranking are as before.
    assert tokenize("Data from ledgers") == ["data", "from", "ledger"]
