"""A live innomatch on a seeded SQLite file, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import seeded_app
from tests.helpers import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    db_file = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    app = seeded_app(f"sqlite:///{db_file}", WTF_CSRF_ENABLED=True)
    with served(app) as base:
        yield base, app


@pytest.fixture(scope="module")
def browser():

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, base_url: str, email: str, password: str = "demo-password-1") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit].primary")
    page.wait_for_url(f"{base_url}/")


def signed_in(browser, base_url: str, email: str, *, timeout: int = 15_000, **context_options):
    """A fresh browser context signed in as ``email``: (context, page). The caller closes the context."""
    context = browser.new_context(locale="en-GB", **context_options)
    page = context.new_page()
    page.set_default_timeout(timeout)
    sign_in(page, base_url, email)
    return context, page
