"""In a browser: clicking your name opens your profile; choosing Chinese there and saving shows
the page in Chinese, and it stays so on the next page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import signed_in

pytestmark = pytest.mark.e2e

ENGLISH_USER = "manager@plugandplay.example"  # locale en in fixtures/users.json
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_your_name_opens_the_profile_where_choosing_chinese_switches_the_pages(live_server, browser):
    base, _app = live_server
    context, page = signed_in(browser, base, ENGLISH_USER)
    try:
        assert page.get_attribute("html", "lang") == "en"

        page.click("a.whoami")
        page.wait_for_url(f"{base}/account")
        page.select_option("#profile-locale", "zh_Hans")
        page.click("#profile button[type=submit]")
        page.wait_for_url(f"{base}/account")

        assert page.get_attribute("html", "lang") == "zh-Hans"
        assert CJK.search(page.inner_text("header .nav button.link"))  # "Sign out" in Chinese
        assert page.input_value("#profile-locale") == "zh_Hans"
        page.goto(f"{base}/needs/")
        assert page.get_attribute("html", "lang") == "zh-Hans"
    finally:
        context.close()
