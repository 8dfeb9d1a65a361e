"""The interactive API documentation renders in Chromium from our own server (no CDN) under the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_csp import watch_violations

pytestmark = pytest.mark.e2e


def test_swagger_ui_shows_every_resource_without_csp_violations(live_server, page):
    base, _app = live_server
    violations = watch_violations(page)

    page.goto(f"{base}/api/v1/swagger")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("innomatch API")
    for tag in ("needs", "startups", "pipeline", "events", "imports"):
        expect(page.locator(f"#operations-tag-{tag}")).to_be_visible()
    expect(page.locator("button.authorize")).to_be_visible()
    assert violations == []
