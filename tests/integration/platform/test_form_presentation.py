"""The need, startup and event forms: required marks, defaults, the confidentiality checkbox, budgets as staff
write them, and every message of a broken event form at once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.needs.models import Need
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import form_token, need_id

pytestmark = pytest.mark.integration

NEED = {
    "title": "Branch queue forecasting",
    "summary": "Forecast branch queues from appointment data.",
    "pilot_horizon": "h1",
    "visibility": "public",
}
EVENT = {
    "name": "Autumn roadshow",
    "starts_on": "2027-10-11",
    "days": "2",
    "day_start": "9:00",
    "day_end": "17:30",
    "slot_minutes": "20",
    "breaks": "12:00-13:00",
    "changeover_slots": "1",
    "rooms": "Room A\nRoom B",
}


def _required(page: str) -> set[str]:
    """The ids of the inputs the page marks as required (the mark sits inside their label)."""
    return set(re.findall(r'<label for="([\w-]+)">[^<]*<abbr class="required"', page))


def test_need_form_marks_required_fields_and_defaults_the_visibility(client, auth):
    auth.login(BANK_STAFF)

    page = client.get("/needs/new").get_data(as_text=True)

    assert _required(page) == {"title", "summary"}
    assert re.search(r'<input checked id="visibility-0" name="visibility" type="radio" value="public">', page)
    assert "marks a required field." in page


def test_need_form_puts_the_confidentiality_checkbox_inside_its_label(client, auth):
    auth.login(BANK_STAFF)

    page = client.get("/needs/new").get_data(as_text=True)

    assert re.search(
        r'<label class="checkbox-label" for="confidential"><input id="confidential" name="confidential" '
        r'type="checkbox" value="y">\s*<span>Confidential:',
        page,
    )


def test_startup_and_event_forms_mark_their_required_fields(client, auth):
    auth.login(ZJ_MANAGER)
    startup = client.get("/startups/new").get_data(as_text=True)
    auth.logout()
    auth.login(ORGANISER)
    event = client.get("/events/new").get_data(as_text=True)

    assert _required(startup) == {"name"}
    assert _required(event) == {"name", "starts_on"}


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        ("500,000", "50万", (500_000, 500_000)),
        ("5,000元", "￥80,000", (5_000, 80_000)),
        ("1.5万", "2亿", (15_000, 200_000_000)),
    ],
)
def test_need_form_reads_budgets_as_staff_write_them(app, client, auth, low, high, expected):
    auth.login(BANK_STAFF)

    response = client.post(
        "/needs/new", data={**NEED, "budget_min_cny": low, "budget_max_cny": high, "form_token": form_token()}
    )

    assert response.status_code == 302
    with app.app_context():
        need = db.session.scalar(sa.select(Need).where(Need.title == NEED["title"]))
        assert (need.budget_min_cny, need.budget_max_cny) == expected


def test_need_form_refuses_an_unreadable_budget_and_keeps_what_was_typed(app, client, auth):
    auth.login(BANK_STAFF)

    response = client.post(
        "/needs/new", data={**NEED, "budget_min_cny": "about 5万", "budget_max_cny": "10万", "form_token": form_token()}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter an amount in yuan, e.g. 500000, 500,000, 50万 or 5,000元." in page
    assert 'value="about 5万"' in page and 'value="10万"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == NEED["title"])) == 0


def test_need_form_refuses_an_unreadable_budget_in_chinese(client, auth):
    auth.login(BANK_STAFF)
    client.post("/language", data={"locale": "zh_Hans"})

    response = client.post("/needs/new", data={**NEED, "budget_min_cny": "很多", "form_token": form_token()})

    assert response.status_code == 400
    assert "请输入以元为单位的金额，例如 500000、500,000、50万 或 5,000元。" in response.get_data(as_text=True)


def test_event_form_shows_every_broken_field_at_once(app, client, auth):
    auth.login(ORGANISER)
    form = {**EVENT, "needs": [str(need_id(app, "education-ecosystem-it"))]}

    response = client.post("/events/new", data={**form, "name": "x", "breaks": "noon", "online_link": "ftp://x"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write each break as two times, e.g. 12:00-13:00." in page
    assert "Enter at least 3 characters." in page
    assert "Enter a web address starting with https:// or http://." in page
    assert 'value="ftp://x"' in page and "noon</textarea>" in page


def test_event_form_with_a_bad_time_does_not_repeat_it_as_missing(app, client, auth):
    auth.login(ORGANISER)
    form = {**EVENT, "needs": [str(need_id(app, "education-ecosystem-it"))]}

    response = client.post("/events/new", data={**form, "day_start": "nine", "venue": "v" * 301})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a time of day as HH:MM." in page
    assert "This field is required." not in page
    assert "Enter at most" in page
