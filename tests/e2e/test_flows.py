"""Whole flows in a real browser: post a need, switch language, and stay out of what is not yours."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.helpers import need_id

pytestmark = pytest.mark.e2e


def test_bank_staff_posts_need_fixes_error_and_submits(live_server, page):
    base, _app = live_server
    sign_in(page, base, "staff@bank.example.com")

    page.click("text=Post a need")
    page.fill("input[name=title]", "AI")
    page.fill("textarea[name=summary]", "Automated reading of trade documents for letters of credit.")
    page.check("input[name=sector_tags][value=sme_finance]")
    page.fill("input[name=budget_min_cny]", "500000")
    page.fill("input[name=budget_max_cny]", "100000")
    page.click("button:has-text('Save')")

    expect(page.locator(".error").first).to_be_visible()
    expect(page.get_by_text("Enter at least 5 characters.")).to_be_visible()
    expect(page.get_by_text("The maximum budget is below the minimum.")).to_be_visible()
    expect(page.locator("textarea[name=summary]")).to_have_value(re.compile("letters of credit"))

    page.fill("input[name=title]", "Trade document reading for letters of credit")
    page.fill("input[name=budget_max_cny]", "1500000")
    page.click("button:has-text('Save')")

    expect(page.locator("h1")).to_have_text("Trade document reading for letters of credit")
    expect(page.get_by_text("Need saved as a draft.")).to_be_visible()
    page.click("button:has-text('Submit for review')")
    expect(page.get_by_text("Submitted for review. The organisers have been notified.")).to_be_visible()
    expect(page.locator(".badge.status-in_review")).to_be_visible()


def test_interface_switches_to_chinese(live_server, page):
    base, _app = live_server
    sign_in(page, base, "manager@zhangjiang.example")

    page.select_option("select[name=locale]", "zh_Hans")

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("nav.nav")).to_contain_text("需求")
    page.goto(f"{base}/startups/")
    expect(page.locator("h1")).to_have_text("初创企业名录")


def test_incubator_cannot_open_internal_need_by_url(live_server, page):
    base, app = live_server
    internal = need_id(app, "data-governance-tooling")
    sign_in(page, base, "manager@plugandplay.example")

    response = page.goto(f"{base}/needs/{internal}")

    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    page.goto(f"{base}/needs/")
    expect(page.locator(f"a[href='/needs/{internal}']")).to_have_count(0)


def test_phone_layout_hides_menu_behind_toggle(live_server, browser):
    base, _app = live_server
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, base, "staff@bank.example.com")

    nav_link = page.locator("nav.nav a", has_text="Startups")
    expect(nav_link).to_be_hidden()
    page.click("label.nav-toggle-label")
    expect(nav_link).to_be_visible()
    context.close()
