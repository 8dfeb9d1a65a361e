"""The pipeline end to end in a real browser: a bank unit posts a need, the organiser publishes it, an
incubator nominates a startup with its pitch deck, the bank shortlists it and the board shows it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import signed_in

pytestmark = pytest.mark.e2e

TITLE = "Campus fee reconciliation for partner universities"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_post_publish_nominate_shortlist_board(live_server, browser):
    base, _app = live_server

    # Bank staff post the need and submit it for review.
    staff_ctx, staff = signed_in(browser, base, "staff@bank.example.com")
    staff.click("text=Post a need")
    staff.fill("input[name=title]", TITLE)
    staff.fill("textarea[name=summary]", "Match tuition payments, refunds and campus card top-ups to student accounts.")
    staff.fill(
        "textarea[name=description]",
        "Universities that bank with us reconcile fee payments by hand each term. "
        "We want a campus payment platform that posts them to student ledgers.",
    )
    staff.check("input[name=sector_tags][value=education]")
    staff.click("button:has-text('Save')")
    expect(staff.locator("h1")).to_have_text(TITLE)
    need_url = staff.url.split("#")[0]
    staff.click("button:has-text('Submit for review')")
    expect(staff.locator(".badge.status-in_review")).to_be_visible()

    # The organiser publishes it.
    organiser_ctx, organiser = signed_in(browser, base, "organiser@innomatch.example")
    organiser.goto(need_url)
    organiser.click("button:has-text('Publish')")
    expect(organiser.get_by_text("Published. The incubators it is open to have been notified.")).to_be_visible()
    organiser_ctx.close()

    # The incubator hears of it, and nominates a startup of its portfolio with a pitch deck.
    incubator_ctx, incubator = signed_in(browser, base, "manager@zhangjiang.example")
    expect(incubator.locator(".nav-count")).to_be_visible()
    incubator.click("nav >> text=Workspace")
    incubator.click(f"#open-needs >> text={TITLE}")
    incubator.click("a:has-text('Nominate a startup')")
    option = incubator.locator("select[name=startup_id] option").first.inner_text().strip()
    assert re.search(r" · fit \d+/100$", option)  # best fit first, with its fit
    chosen = option.rsplit(" · fit ", 1)[0]
    incubator.fill("textarea[name=note]", "Runs fee reconciliation for twelve universities in Shanghai.")
    incubator.set_input_files(
        "input[name=deck]", files=[{"name": "deck.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    incubator.click("button:has-text('Nominate')")
    expect(incubator.get_by_text("Nominated. The bank unit has been told.")).to_be_visible()
    row = incubator.locator("#nominations tr", has_text=TITLE)
    expect(row).to_contain_text(chosen)
    expect(row).to_contain_text("Applied")
    expect(row).to_contain_text("deck.pdf")

    # The bank shortlists it on the board; the board shows it there, with the contact now shared.
    staff.goto(need_url)
    card = staff.locator(".board-card", has_text=chosen)
    expect(card).to_contain_text("Opted in")
    card.locator("button:has-text('Shortlist')").click()
    expect(staff.get_by_text("Pipeline updated.")).to_be_visible()
    column = staff.locator(".board-col", has=staff.locator("h3", has_text=re.compile("^Shortlisted")))
    expect(column.locator(".board-card", has_text=chosen)).to_be_visible()

    # And the incubator sees the new status.
    incubator.goto(f"{base}/workspace")
    expect(incubator.locator("#nominations tr", has_text=TITLE)).to_contain_text("Shortlisted")
    incubator_ctx.close()
    staff_ctx.close()
