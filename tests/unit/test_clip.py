import pytest

from marketplace.web.ui import clip

pytestmark = pytest.mark.unit


def test_a_chinese_sentence_is_clipped_at_the_width_of_an_english_one():
    chinese = "利用传感器和物联网平台实时掌握质押资产的状态和位置" * 10

    clipped = clip(chinese, 40)

    assert clipped == chinese[:20] + "…"  # twenty characters, each two columns wide


def test_english_is_clipped_between_words_and_short_text_is_kept():
    assert clip("Sensors watch pledged vehicles around the clock", 20) == "Sensors watch…"
    assert clip("Sensors watch pledged vehicles", 40) == "Sensors watch pledged vehicles"
    assert clip("仓库里部署RFID和AI摄像头，实时核对", 20) == "仓库里部署RFID和AI摄…"
    assert clip("仓库里部署RFID和AI摄像头，实时核对", 17) == "仓库里部署RFID和…"  # not inside "AI"
