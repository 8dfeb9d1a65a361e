import pytest

from matching.text import (
    canonical_label,
    content_hash,
    glossary_forms,
    in_english,
    passages,
    sentences,
    surface_terms,
    term_spans,
    tokenize,
)

pytestmark = pytest.mark.unit


def test_tokenize_stems_english_and_drops_stop_words():
    assert tokenize("The banks are computing joint risk scores") == ["bank", "comput", "joint", "risk", "score"]


def test_tokenize_segments_chinese_the_glossary_does_not_know_with_jieba():
    tokens = tokenize("食堂排队窗口")

    assert tokens == ["食堂", "排队", "窗口"]


def test_chinese_glossary_words_become_the_english_terms_of_their_concept():
    chinese = set(tokenize("隐私计算与联邦学习"))
    english = set(tokenize("Privacy computing and federated learning"))

    assert {"privaci", "feder", "learn"} <= chinese & english
    assert not any(has_cjk for has_cjk in chinese if not has_cjk.isascii())


def test_chinese_need_and_english_profile_share_terms_both_ways():
    need = set(tokenize("我们需要供应链金融的风控方案"))
    profile = set(tokenize("We run supply chain finance risk management for lenders"))

    assert {"suppli", "chain", "financ", "risk"} <= need & profile


def test_chinese_stop_words_and_single_characters_are_dropped():
    tokens = tokenize("我们希望寻找能够提供区块链的公司")

    assert "blockchain" in tokens
    assert not {"我们", "希望", "寻找", "能够", "提供", "公司", "的"} & set(tokens)


def test_mixed_text_keeps_both_scripts():
    assert tokenize("MPC 多方安全计算")[:2] == ["mpc", "secur"]
    assert set(tokenize("MPC 多方安全计算")) == set(tokenize("MPC secure multi-party computation"))


def test_in_english_reads_chinese_runs_as_glossary_wording():
    assert in_english("Acme 区块链与多方安全计算。") == "Acme blockchain, secure multi-party computation."
    assert in_english("Plain English stays.") == "Plain English stays."


def test_surface_terms_keep_the_chinese_form_of_a_translated_term():
    terms = surface_terms("物联网押品监控")

    assert terms["iot"] == "物联网"
    assert "物联网" in glossary_forms("iot")


def test_sentences_split_english_and_chinese():
    assert sentences("One thing. Two things! 第一句。第二句？") == ["One thing.", "Two things!", "第一句。", "第二句？"]


def test_passages_group_sentences_without_losing_text():
    text = " ".join(f"Sentence number {i} is here." for i in range(30))

    parts = passages(text, max_words=20)

    assert all(len(p.split()) <= 20 for p in parts)
    assert " ".join(parts) == text


def test_passages_cut_an_overlong_sentence():
    parts = passages("word " * 130, max_words=60)

    assert [len(p.split()) for p in parts] == [60, 60, 10]


def test_surface_terms_map_stems_to_words():
    assert surface_terms("Banks computing risk") == {"bank": "banks", "comput": "computing", "risk": "risk"}


def test_content_hash_depends_on_every_part():
    assert content_hash("m", "a", "b") != content_hash("m", "ab", "")
    assert content_hash("m", "a") == content_hash("m", "a")


def test_term_spans_point_at_the_words_they_index():
    text = "IoT sensors on Visa’s pledged cars: 物联网押品监控。"

    spans = term_spans(text)

    assert [s.term for s in spans] == tokenize(text)
    written = [text[s.start : s.end] for s in spans]
    assert written[:4] == ["IoT", "sensors", "Visa", "pledged"]
    assert "物联网" in written and "押品监控" in written


def test_a_chinese_label_the_glossary_knows_compares_as_its_english_form():
    assert canonical_label(" 物联网 ") == canonical_label("IoT") == "iot"
    assert canonical_label("Campus Card") == "campus card"
    assert canonical_label("校园一卡通之外") == "校园一卡通之外"
