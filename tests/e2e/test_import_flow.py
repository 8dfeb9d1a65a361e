"""An incubator manager imports a portfolio in the browser: upload, mapping preview, result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.integration.imports.test_import_startups import ROWS, xlsx

pytestmark = pytest.mark.e2e


def test_manager_uploads_maps_and_sees_the_report(live_server, page, tmp_path):
    base, _app = live_server
    bad_row = ["ZJ-E2E-9", "Tomorrow Labs", "tomorrow.example", "From the future", "2099", "", "", "", ""]
    sheet = tmp_path / "portfolio.xlsx"
    sheet.write_bytes(xlsx([*ROWS, bad_row]))
    sign_in(page, base, "manager@zhangjiang.example")

    page.click("nav >> text=Import")
    page.set_input_files("input[type=file]", str(sheet))
    page.click("button:has-text('Upload and map columns')")

    expect(page.locator("h1")).to_have_text("Map columns")
    expect(page.locator("table.grid")).to_contain_text("链融科技")
    expect(page.locator("select#col-1")).to_have_value("name")
    page.click("button:has-text('Start the import')")

    expect(page.locator("#stage")).to_contain_text("Finished")
    expect(page.locator('[data-count="imported"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    expect(page.locator("table.grid")).to_contain_text("The founding year cannot be in the future.")
    with page.expect_download() as download:
        page.click("text=Download the rejected rows")
    assert "Tomorrow Labs" in download.value.path().read_text(encoding="utf-8-sig")
