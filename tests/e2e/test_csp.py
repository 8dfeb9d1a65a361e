"""Pages run in Chromium under the content-security policy without a single violation, and the
behaviours moved out of inline handlers (language switcher) still work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import signed_in
from tests.helpers import need_id, startup_listed_by

pytestmark = pytest.mark.e2e


def watch_violations(page) -> list[str]:
    """Collects the browser's CSP complaints (console) on this page."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


@pytest.mark.parametrize(
    "email, paths",
    [
        (
            "organiser@innomatch.example",
            [
                "/",
                "/needs/",
                "/needs/{need}",
                "/startups/",
                "/startups/{startup}",
                "/events/",
                "/events/new",
                "/dashboard/pipeline",
                "/notifications/",
                "/account/tokens",
                "/imports/new",
                "/startups/duplicates",
            ],
        ),
        ("manager@zhangjiang.example", ["/", "/workspace", "/needs/{need}", "/imports/new"]),
    ],
)
def test_pages_raise_no_csp_violations(live_server, browser, email, paths):
    base, app = live_server
    ids = {"need": need_id(app, "iot-collateral-monitoring"), "startup": startup_listed_by(app, "zhangjiang-incubator")}
    context, page = signed_in(browser, base, email)
    violations = watch_violations(page)

    for path in paths:
        response = page.goto(base + path.format(**ids))
        assert response.status == 200, path
        page.wait_for_load_state("load")

    context.close()
    assert violations == []


def test_language_switcher_works_without_inline_handlers(live_server, browser):
    base, _app = live_server
    context, page = signed_in(browser, base, "staff@bank.example.com")
    violations = watch_violations(page)

    page.select_option("select[name=locale]", "zh_Hans")

    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.select_option("select[name=locale]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()
    assert violations == []


def test_swagger_ui_shows_every_resource_without_csp_violations(live_server, page):
    """The interactive API documentation renders from our own server (no CDN) under the docs policy."""
    base, _app = live_server
    violations = watch_violations(page)

    page.goto(f"{base}/api/v1/swagger")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("innomatch API")
    for tag in ("needs", "startups", "pipeline", "events", "imports"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()
    expect(page.locator("button.authorize")).to_be_visible()
    assert violations == []
