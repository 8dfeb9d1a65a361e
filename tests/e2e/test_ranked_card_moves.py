"""A ranked startup's card offers only the moves the pipeline allows at its stage."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import signed_in
from tests.helpers import need_id

pytestmark = pytest.mark.e2e


def test_card_after_invite_offers_only_allowed_moves(live_server, browser):
    base, app = live_server
    context, staff = signed_in(browser, base, "staff@bank.example.com")
    staff.goto(f"{base}/needs/{need_id(app, 'education-ecosystem-it')}")
    card = staff.locator("li.ranked").first
    name = card.locator("a.ranked-title").inner_text()
    expect(card.locator("button[name=to]")).to_have_text(["Invite to apply", "Shortlist", "Not a fit"])

    card.locator("button:has-text('Invite to apply')").click()

    expect(staff.get_by_text("Pipeline updated.")).to_be_visible()
    card = staff.locator("li.ranked", has=staff.locator("a.ranked-title", has_text=name))
    expect(card.locator(".candidate-stage")).to_contain_text("Invited")
    expect(card.locator("button[name=to]")).to_have_text(["Not a fit"])
    context.close()


def test_declining_a_ranked_startup_asks_first(live_server, browser):
    """Cancelling the question changes nothing; confirming declines."""
    base, app = live_server
    context, staff = signed_in(browser, base, "staff@bank.example.com")
    staff.goto(f"{base}/needs/{need_id(app, 'education-ecosystem-it')}")
    name = staff.locator("li.ranked a.ranked-title").last.inner_text()
    card = staff.locator("li.ranked", has=staff.locator("a.ranked-title", has_text=name))
    questions = []

    staff.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    card.locator("button:has-text('Not a fit')").click()
    expect(card.locator(".candidate-stage")).to_have_count(0)
    staff.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    card.locator("input[name=note]").fill("Outside our region")
    card.locator("button:has-text('Not a fit')").click()

    expect(staff.get_by_text("Pipeline updated.")).to_be_visible()
    expect(card.locator(".candidate-stage")).to_contain_text("Declined")
    assert questions == ["Decline this startup for this need? This cannot be undone."] * 2
    context.close()
