"""Dates that make sense: a deadline or a first day being set is not in the past, and a
published need past its deadline stops counting as open everywhere: lists, an incubator's best fit, the needs
ranked for a startup, new-match alerts, nominations and the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition
from marketplace.events.services import create_event, update_event
from marketplace.needs import lifecycle
from marketplace.needs.models import Need
from marketplace.needs.queries import OPEN, needs_for_user
from marketplace.needs.services import create_need, update_need
from marketplace.notifications.models import Notification
from marketplace.pipeline.nominations import check_open_for
from marketplace.pipeline.workspace import open_needs_for
from marketplace.rankings.services import rank_needs_for_startup
from marketplace.startups.models import Listing, Startup
from marketplace.startups.services import create_startup
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import form_token, in_app, need_id, org, user
from tests.integration.imports.test_import_api import bearer, token_for

pytestmark = pytest.mark.integration

NEED = {
    "title": "Trade finance document checks",
    "summary": "Check letters of credit documents automatically.",
    "sector_tags": ["sme_finance"],
}
EDU = "education-ecosystem-it"
YESTERDAY = lifecycle.today() - timedelta(days=1)  # the platform's day (EVENT_TIMEZONE), as the rules read it


def past_deadline(slug: str = EDU) -> Need:
    """A published need whose deadline went by (as the days pass; nobody can set one in the past)."""
    need = db.session.scalar(sa.select(Need).where(Need.slug == slug))
    need.deadline = YESTERDAY
    db.session.flush()
    return need


def test_a_new_need_cannot_have_a_deadline_in_the_past(ctx):
    with pytest.raises(InvalidInput) as refused:
        create_need(actor=user(BANK_STAFF), data={**NEED, "deadline": YESTERDAY.isoformat()})

    assert refused.value.errors == {
        "deadline": [f"The deadline {YESTERDAY.isoformat()} has passed: choose today or a later day."]
    }
    assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == NEED["title"])) == 0
    assert create_need(actor=user(BANK_STAFF), data={**NEED, "deadline": lifecycle.today().isoformat()}).id


def test_an_edit_may_keep_a_passed_deadline_but_not_set_one(ctx):
    need = past_deadline()
    fields = {name: getattr(need, name) for name in ("title", "summary", "sector_tags", "deadline")}

    update_need(actor=user(BANK_STAFF), need=need, data={**fields, "summary": "Fee collection for campuses."})
    with pytest.raises(InvalidInput) as refused:
        update_need(actor=user(BANK_STAFF), need=need, data={**fields, "deadline": date(2020, 1, 1)})

    assert need.summary == "Fee collection for campuses." and need.deadline == YESTERDAY
    assert list(refused.value.errors) == ["deadline"]


def test_the_form_keeps_what_was_typed_and_says_why(client, auth):
    auth.login(BANK_STAFF)

    response = client.post(
        "/needs/new",
        data={
            **NEED,
            "sector_tags": "sme_finance",
            "deadline": "2020-01-01",
            "visibility": "public",
            "form_token": form_token(),
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The deadline 2020-01-01 has passed: choose today or a later day." in page
    assert NEED["title"] in page


def test_a_need_past_its_deadline_is_not_open_anywhere(ctx):
    need = past_deadline()
    manager = user(ZJ_MANAGER)
    startups = list(
        db.session.scalars(
            sa.select(Startup)
            .join(Listing, Listing.startup_id == Startup.id)
            .where(Listing.incubator_id == org("zhangjiang-incubator").id)
            .limit(5)
        )
    )

    assert need.id not in {n.id for n in needs_for_user(manager, status=OPEN, per_page=500).items}
    assert need.id in {n.id for n in needs_for_user(manager, per_page=500).items}  # still listed, as passed
    assert need.id not in {item.need.id for item in open_needs_for(manager, {})}
    assert all(need.id not in {r.item.id for r in rank_needs_for_startup(manager, s, k=100)} for s in startups)
    with pytest.raises(InvalidTransition) as refused:
        check_open_for(manager, need)
    assert str(refused.value) == f"Nominations for this need closed on {YESTERDAY.isoformat()}."


def test_new_startups_alert_no_need_past_its_deadline(app):

    with in_app(app):
        with unit_of_work():
            past_deadline()
        with unit_of_work():
            create_startup(
                actor=user(ZJ_MANAGER),
                data={
                    "name": "Tuition Ledger",
                    "sectors": ["education"],
                    "tags": "campus payments, tuition, student accounts, universities",
                    "description": "Digital services that let universities and training institutions run fees, finance "
                    "and campus life on the bank's accounts: tuition collection, refunds, campus cards.",
                },
            )
        titles = {
            n.params["title"]
            for n in db.session.scalars(sa.select(Notification).where(Notification.kind == "new_matches"))
        }
        edu_title = db.session.scalar(sa.select(Need.title).where(Need.slug == EDU))

    assert edu_title not in titles


def test_the_list_marks_it_and_the_open_filter_leaves_it_out(app, client, auth):
    with app.app_context(), unit_of_work():
        title = past_deadline().title
    auth.login(ZJ_MANAGER)

    listed = client.get("/needs/").get_data(as_text=True)
    open_only = client.get("/needs/?status=open").get_data(as_text=True)
    page = client.get(f"/needs/{need_id(app, EDU)}").get_data(as_text=True)

    assert title in listed and "Deadline passed" in listed
    assert title not in open_only and "Open for nominations" in open_only
    assert "Deadline passed" in page and "Nominate a startup" not in page


def test_the_api_says_whether_a_need_is_open(app, client):

    with app.app_context(), unit_of_work():
        past_deadline()
    secret = token_for(app, ZJ_MANAGER, write=False)

    everything = client.get("/api/v1/needs?per_page=100", headers=bearer(secret)).get_json()["items"]
    open_only = client.get("/api/v1/needs?per_page=100&open=true", headers=bearer(secret)).get_json()["items"]

    passed = next(n for n in everything if n["id"] == need_id(app, EDU))
    assert passed["open"] is False and passed["deadline"] == YESTERDAY.isoformat()
    assert need_id(app, EDU) not in {n["id"] for n in open_only}
    assert open_only and all(n["open"] for n in open_only)


def test_an_event_cannot_start_in_the_past_nor_take_applications_after_its_first_day(ctx):
    organiser = user(ORGANISER)
    edu = db.session.scalar(sa.select(Need.id).where(Need.slug == EDU))
    first = lifecycle.today() + timedelta(days=30)

    with pytest.raises(InvalidInput) as past:
        create_event(
            actor=organiser, data={"name": "Old roadshow", "starts_on": "2019-05-10"}, rooms=["A"], need_ids=[edu]
        )
    with pytest.raises(InvalidInput) as late:
        create_event(
            actor=organiser,
            data={"name": "Late roadshow", "starts_on": first, "application_deadline": first + timedelta(days=1)},
            rooms=["A"],
            need_ids=[edu],
        )

    assert past.value.errors == {"starts_on": ["The first day 2019-05-10 has passed: choose today or a later day."]}
    assert late.value.errors == {
        "application_deadline": [f"Applications must close by the first day ({first.isoformat()})."]
    }

    event = create_event(
        actor=organiser, data={"name": "Spring roadshow", "starts_on": first}, rooms=["A"], need_ids=[edu]
    )
    event.starts_on = YESTERDAY  # the day went by; the event can still be edited without moving it
    update_event(
        actor=organiser,
        event=event,
        data={"name": "Spring roadshow, day one", "starts_on": YESTERDAY},
        rooms=["A"],
        need_ids=[edu],
    )
    assert event.name == "Spring roadshow, day one"
