import pytest

from matching.text import content_hash, passages, sentences, surface_terms, tokenize

pytestmark = pytest.mark.unit


def test_tokenize_stems_english_and_drops_stop_words():
    assert tokenize("The banks are computing joint risk scores") == ["bank", "comput", "joint", "risk", "score"]


def test_tokenize_segments_chinese_with_jieba():
    tokens = tokenize("隐私计算与联邦学习")

    assert "隐私" in tokens and "计算" in tokens and "联邦" in tokens and "学习" in tokens
    assert "与" not in tokens


def test_chinese_need_and_profile_share_terms():
    need = set(tokenize("我们需要供应链金融的风控方案"))
    profile = set(tokenize("本公司提供供应链金融风控平台"))

    assert {"供应链", "金融", "风控"} <= need & profile


def test_mixed_text_keeps_both_scripts():
    assert tokenize("MPC 多方安全计算") == ["mpc", "多方", "安全", "计算"]


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
