"""A matchmaking day end to end in a real browser: the organiser creates the event, shortlists, generates
the schedule, moves a pitch, publishes and exports the calendar; a judge scores; the organiser picks
the winner, who moves on to a pilot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.conftest import signed_in

pytestmark = pytest.mark.e2e

NAME = "Education and IoT roadshow"


def test_event_schedule_publish_score_winner(live_server, browser):
    base, _app = live_server
    organiser_ctx, organiser = signed_in(
        browser, base, "organiser@innomatch.example", timeout=30_000, accept_downloads=True
    )

    # Set the event up.
    organiser.click("nav >> text=Events")
    organiser.click("text=New event")
    organiser.fill("input[name=name]", NAME)
    organiser.fill("input[name=starts_on]", "2027-04-12")
    organiser.select_option("select[name=days]", "1")
    organiser.fill("textarea[name=rooms]", "Room A\nRoom B")
    organiser.get_by_label("IT for the education ecosystem", exact=True).check()
    organiser.get_by_label("IoT monitoring of loan collateral", exact=True).check()
    organiser.click("button:has-text('Save')")
    expect(organiser.locator("h1")).to_have_text(NAME)
    event_url = organiser.url.split("#")[0]
    before = int(organiser.locator("#pitches h2 .muted").inner_text())

    # Shortlist one more applicant on the need's board, then let the event follow the shortlists.
    organiser.goto(f"{base}/needs/")
    organiser.click("text=IT for the education ecosystem")
    applied = organiser.locator(".board-col", has=organiser.locator("h3", has_text=re.compile("^Applied")))
    card = applied.locator(".board-card").first
    card.locator("button:has-text('Shortlist')").click()
    expect(organiser.get_by_text("Pipeline updated.")).to_be_visible()
    organiser.goto(event_url)
    organiser.click("button:has-text('Applications open')")
    organiser.click("button:has-text('Shortlisting')")
    expect(organiser.locator("#pitches h2 .muted")).to_have_text(str(before + 1))

    # Generate the schedule (the job runs in-process here) and move one pitch by choosing a slot.
    organiser.click("button:has-text('Generate the schedule')")
    expect(organiser.locator("#run-status")).to_contain_text(re.compile("schedule found", re.IGNORECASE))
    organiser.locator(".schedule-grid a:has-text('Move')").first.click()
    expect(organiser.get_by_text(re.compile("Choose where .* should pitch"))).to_be_visible()
    organiser.locator(".schedule-grid tbody tr").last.locator(".move-here button").last.click()
    expect(organiser.get_by_text("Pitch moved and pinned there.")).to_be_visible()
    expect(organiser.locator(".schedule-grid td:has-text('📌')")).to_have_count(1)

    # Publish, and take the calendar file.
    organiser.click("button:has-text('Scheduled')")
    expect(organiser.get_by_text("The event is now “Scheduled”.")).to_be_visible()
    organiser.click("a:has-text('Agenda')")
    with organiser.expect_download() as download:
        organiser.click("text=Download .ics")
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    assert len(calendar.walk("VEVENT")) == before + 1

    # A judge of the education panel scores on the phone-sized form.
    judge_ctx, judge = signed_in(
        browser, base, "staff@bank.example.com", timeout=30_000, viewport={"width": 390, "height": 844}
    )
    judge.goto(event_url)
    judge.click("text=Score pitches")
    first = judge.locator(".score-list a.button").first
    startup = re.sub(r"^\d\d:\d\d · ", "", first.inner_text().strip())
    first.click()
    for criterion, mark in (("fit", "5"), ("value", "4"), ("team", "4"), ("feasibility", "5")):
        judge.locator(f"input[name={criterion}][value='{mark}'] + span").click()
    judge.fill("textarea[name=comment]", "Clear integration plan.")
    judge.click("button:has-text('Save scores')")
    expect(judge.get_by_text(f"Scores saved for {startup}.")).to_be_visible()
    judge_ctx.close()

    # The organiser sees the results and selects the winner for a pilot.
    organiser.goto(event_url)
    organiser.click("a:has-text('Results')")
    row = organiser.locator("tr", has_text=startup)
    expect(row).to_contain_text("4.50")
    questions = []
    organiser.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    row.locator("button:has-text('Select for pilot')").click()
    expect(organiser.locator(".flash")).to_contain_text("Selected for a pilot")
    assert questions == ["Select this startup for a pilot? Its incubator is told at once."]
    expect(organiser.locator("tr", has_text=startup)).to_contain_text("Selected for pilot")
    organiser_ctx.close()


def test_schedule_is_compact_and_a_need_without_pitches_is_flagged(live_server, browser):
    """With nobody away, the two panels pitch side by side in the two rooms in one half-day
    instead of one of them taking another half-day; the organiser is warned about a need of the event that has
    no pitches."""
    base, _app = live_server
    ctx, organiser = signed_in(browser, base, "organiser@innomatch.example", timeout=30_000)
    organiser.click("nav >> text=Events")
    organiser.click("text=New event")
    organiser.fill("input[name=name]", "Compact roadshow")
    organiser.fill("input[name=starts_on]", "2027-05-10")
    organiser.select_option("select[name=days]", "1")
    organiser.fill("textarea[name=rooms]", "Room A\nRoom B")
    organiser.get_by_label("IT for the education ecosystem", exact=True).check()
    organiser.get_by_label("IoT monitoring of loan collateral", exact=True).check()
    organiser.get_by_label("Supply-chain finance for vehicle logistics", exact=True).check()  # nobody shortlisted
    organiser.click("button:has-text('Save')")
    expect(organiser.locator("h1")).to_have_text("Compact roadshow")
    expect(organiser.locator("#needs-without-pitches")).to_contain_text(
        "1 need has no pitches at this event: Supply-chain finance for vehicle logistics."
    )
    pitches = int(organiser.locator("#pitches h2 .muted").inner_text())
    assert pitches >= 2

    organiser.click("button:has-text('Applications open')")
    organiser.click("button:has-text('Shortlisting')")
    organiser.click("button:has-text('Generate the schedule')")
    expect(organiser.locator("#run-status")).to_contain_text(re.compile("schedule found", re.IGNORECASE))
    per_half_day: dict[str, int] = {}
    for row in organiser.locator(".schedule-grid tbody tr").all():
        starts = row.locator("td strong").count()
        if starts:
            half = "morning" if row.locator("th").inner_text().strip() < "12:00" else "afternoon"
            per_half_day[half] = per_half_day.get(half, 0) + starts
    assert sum(per_half_day.values()) == pitches
    assert len(per_half_day) == 1, f"spread over half-days with room to spare: {per_half_day}"
    expect(organiser.locator("#schedule .reasons")).to_have_count(0)  # nothing spread out to explain
    ctx.close()
