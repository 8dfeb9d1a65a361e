"""Explanations beside a ranking when the need and the profiles are written in different languages, with the
real embedding models: sentence pairs across languages on one theme, and shared terms in both forms."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.core.db import db, unit_of_work
from marketplace.needs.models import Need
from marketplace.needs.services import update_need
from marketplace.rankings.services import rank_needs_for_startup, rank_startups_for_need
from marketplace.startups.services import create_startup
from matching.text import has_cjk
from tests.conftest import BANK_STAFF, ZJ_MANAGER
from tests.helpers import user

pytestmark = pytest.mark.integration

NEED_OWNER = "trade@bank.example.com"  # the transaction-banking unit, which owns the IoT collateral need
CHINESE_NEED = {
    "title": "物联网押品监控",
    "summary": "利用传感器和物联网平台，实时掌握质押或抵押资产的状态和位置。",
    "description": "我行大量担保贷款依赖放款后很少能看到的动产：车辆、堆存的大宗商品和租赁设备。"
    "我们希望找到物联网硬件和软件，报告这些资产在哪里、是否被使用或移动，以及数量和状态是否发生变化。"
    "预警应及时送达信贷人员，数据应难以篡改。",
    "scenarios": "汽车质押融资监管\n大宗商品融资监管\n设备融资租赁监管",
    "sector_tags": ["iot_logistics"],
    "technology_tags": "GPS定位, 电子围栏",
}


def iot_need() -> Need:
    return db.session.scalar(sa.select(Need).where(Need.slug == "iot-collateral-monitoring"))


def in_chinese(need: Need) -> Need:
    """The IoT collateral need rewritten in Chinese (flushed; the test's transaction is rolled back)."""
    keep = (
        "desired_stage",
        "budget_min_cny",
        "budget_max_cny",
        "pilot_horizon",
        "visibility",
        "contact_name",
        "contact_email",
        "deadline",
    )
    return update_need(
        actor=user(NEED_OWNER), need=need, data={**{name: getattr(need, name) for name in keep}, **CHINESE_NEED}
    )


# What the IoT collateral need is about, in English: a sentence on its theme names one of these.
THEME = re.compile(
    r"pledg|collateral|vehicle|\bcars?\b|sensor|gps|rfid|\biot\b|warehouse|stock|commodit|lease|"
    r"machine|equipment|monitor|track|tamper|camera|vision|dealer|inventor|telematic|geofenc|"
    r"supervis|\bassets?\b|location|movable|\bauto\b",
    re.IGNORECASE,
)


def test_a_chinese_need_is_explained_against_english_profiles(ctx):
    need = in_chinese(iot_need())

    ranked = rank_startups_for_need(user(BANK_STAFF), need, k=20)

    english = [r for r in ranked if not has_cjk(f"{r.item.name} {r.item.description}")]
    pairs = [p for r in english for p in r.explanation.pairs]
    assert len([r for r in english if r.explanation.pairs]) >= 3, [r.item.name for r in english]
    for pair in pairs:
        assert has_cjk(pair.query_sentence) and not has_cjk(pair.doc_sentence)
        assert THEME.search(pair.doc_sentence), pair
    chips = {str(t) for r in english for t in r.explanation.shared_terms}
    assert "质押 ↔ pledged" in chips, chips
    assert all(
        not t.query or has_cjk(t.query) and not has_cjk(t.doc) for r in english for t in r.explanation.shared_terms
    )


def test_an_english_need_is_explained_to_a_chinese_profile(ctx):
    startup = create_startup(
        actor=user(ZJ_MANAGER),
        data={
            "name": "押联物联",
            "sectors": ["iot_logistics"],
            "description": "我们为银行提供物联网押品监控：在质押车辆上安装GPS定位和防拆传感器，"
            "车辆一旦被移动或拆除设备，"
            "信贷人员会立即收到预警。仓库里的大宗商品由RFID和称重传感器实时盘点。",
        },
    )

    ranked = rank_needs_for_startup(user(BANK_STAFF), startup, k=10)

    explained = next(r for r in ranked if r.item.slug == "iot-collateral-monitoring").explanation
    assert explained.pairs
    for pair in explained.pairs:  # the startup's Chinese sentence, the need's English one
        assert has_cjk(pair.query_sentence) and not has_cjk(pair.doc_sentence)
        assert THEME.search(pair.doc_sentence), pair
    assert any(t.query and has_cjk(t.query) and not has_cjk(t.doc) for t in explained.shared_terms)


def test_the_need_page_shows_both_forms_of_a_term(app, client, auth):
    with app.app_context(), unit_of_work():
        need_id = in_chinese(iot_need()).id
    auth.login(BANK_STAFF)

    page = client.get(f"/needs/{need_id}").get_data(as_text=True)

    assert 'class="pair"' in page
    assert '<span class="tag tag-across">质押<span class="arrow" aria-hidden="true">↔</span>pledged</span>' in page
