"""The startup directory's search in a real browser, in Chinese: real matches first, or an honest empty state."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.core.db import db
from marketplace.startups.models import Startup
from tests.e2e.conftest import signed_in

pytestmark = pytest.mark.e2e


def search(page, text: str) -> None:
    page.fill("form.filters input[name=q]", text)
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()


def test_a_chinese_search_lists_privacy_computing_first_and_nonsense_finds_nothing(live_server, browser):
    base, app = live_server
    context, page = signed_in(browser, base, "staff@bank.example.com")
    try:
        page.select_option("select[name=locale]", "zh_Hans")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        page.goto(f"{base}/startups/")

        search(page, "区块链 多方安全计算")

        expect(page.locator(".startup-card").first).to_be_visible()
        first = page.locator(".startup-card h2 a").all_inner_texts()[:5]
        with app.app_context():
            sectors = dict(
                db.session.execute(sa.select(Startup.name, Startup.sectors).where(Startup.name.in_(first))).all()
            )
        assert len(first) == 5 and all("privacy_blockchain" in sectors[name] for name in first)
        expect(page.locator("form.filters + p.muted")).to_contain_text("家初创企业")

        search(page, "zzzzqqq 黂蒐喆琸")

        empty = page.locator(".search-empty")
        expect(empty).to_contain_text("没有与“zzzzqqq 黂蒐喆琸”相符的初创企业。")
        expect(empty).to_contain_text("请减少关键词或换用其他词语")
        expect(page.locator(".startup-card")).to_have_count(0)

        empty.get_by_role("link", name="清除搜索").click()
        expect(page.locator("form.filters input[name=q]")).to_have_value("")
        expect(page.locator(".startup-card").first).to_be_visible()
    finally:
        context.close()
