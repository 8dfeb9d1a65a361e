"""Incubators add and edit the startups they list; the directory filters."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, PermissionDenied
from marketplace.startups.models import Listing, Startup
from marketplace.startups.services import create_startup, update_startup
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import form_token, in_app, org, startup_listed_by, user

pytestmark = pytest.mark.integration

NEW = {
    "name": "Cangqiong Ledger",
    "website": "https://cangqiong.example",
    "founded_year": "2021",
    "city": "Hangzhou",
    "country": "China",
    "stage": "seed",
    "team_size": "18",
    "description": "Consortium ledgers for warehouse receipts.",
    "tags": "Consortium Blockchain, warehouse receipts",
    "sectors": ["privacy_blockchain", "iot_logistics"],
    "contact_email": "hello@cangqiong.example",
    "external_id": "ZJ-2026-0001",
}


def test_incubator_adds_startup_listed_under_its_own_id(app, client, auth):
    auth.login(ZJ_MANAGER)

    response = client.post("/startups/new", data={**NEW, "form_token": form_token()})

    assert response.status_code == 302
    with app.app_context():
        startup = db.session.scalar(sa.select(Startup).where(Startup.name == "Cangqiong Ledger"))
        listing = db.session.scalar(sa.select(Listing).where(Listing.startup_id == startup.id))
        assert startup.slug == "cangqiong-ledger"
        assert startup.tags == ["consortium blockchain", "warehouse receipts"]
        assert startup.team_size == 18
        assert (listing.incubator_id, listing.external_id) == (org("zhangjiang-incubator").id, "ZJ-2026-0001")


def test_add_startup_with_bad_input_keeps_values_and_saves_nothing(app, client, auth):
    auth.login(ZJ_MANAGER)

    response = client.post(
        "/startups/new", data={**NEW, "founded_year": "20x1", "contact_email": "nope", "form_token": form_token()}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a whole number." in page
    assert "Enter a valid email address." in page
    assert 'value="Cangqiong Ledger"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Startup.name == "Cangqiong Ledger")) == 0


def test_external_id_is_unique_per_incubator(ctx):
    manager = user(ZJ_MANAGER)
    create_startup(actor=manager, data={"name": "First Co"}, external_id="ZJ-DUP")

    with pytest.raises(InvalidInput) as exc:
        create_startup(actor=manager, data={"name": "Second Co"}, external_id="ZJ-DUP")

    assert list(exc.value.errors) == ["external_id"]


def test_organiser_must_choose_listing_incubator(ctx):
    organiser = user(ORGANISER)

    with pytest.raises(InvalidInput) as exc:
        create_startup(actor=organiser, data={"name": "Nobody's Co"}, incubator_id=org("large-corporate").id)

    assert list(exc.value.errors) == ["incubator_id"]


def test_edit_by_listing_incubator_is_audited(app, client, auth):
    startup_id = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(ZJ_MANAGER)
    with app.app_context():
        current = db.session.get(Startup, startup_id)
        form = {
            "name": current.name,
            "description": "A rewritten description.",
            "stage": "series_a",
            "version": str(current.version),
        }

    response = client.post(f"/startups/{startup_id}/edit", data=form)

    assert response.status_code == 302
    with app.app_context():
        startup = db.session.get(Startup, startup_id)
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity == "startup", AuditEvent.entity_id == startup_id)
        )
        assert startup.description == "A rewritten description."
        assert event.after["description"] == "A rewritten description."
        assert event.actor_id == user(ZJ_MANAGER).id


def test_update_startup_service_checks_permission(ctx, app):
    startup = db.session.get(Startup, startup_listed_by(app, "zhangjiang-incubator"))
    rival = user("manager@plugandplay.example")

    with pytest.raises(PermissionDenied):
        update_startup(actor=rival, startup=startup, data={"name": "Taken over"})


def test_directory_filters_by_sector_and_text(app, client, auth):
    auth.login(ZJ_MANAGER)
    client.post("/startups/new", data={**NEW, "form_token": form_token()})

    by_sector = client.get("/startups/?sector=privacy_blockchain&q=cangqiong").get_data(as_text=True)
    wrong_sector = client.get("/startups/?sector=healthcare&q=cangqiong").get_data(as_text=True)
    mine = client.get("/startups/?mine=1&q=cangqiong").get_data(as_text=True)

    assert "Cangqiong Ledger" in by_sector
    assert "Cangqiong Ledger" not in wrong_sector
    assert "Cangqiong Ledger" in mine


def test_listing_ids_of_other_incubators_are_hidden(app, client, auth):
    startup_id = startup_listed_by(app, "zhangjiang-incubator")
    with app.app_context():
        external_id = db.session.scalar(sa.select(Listing.external_id).where(Listing.startup_id == startup_id))
    auth.login("manager@plugandplay.example")

    page = client.get(f"/startups/{startup_id}").get_data(as_text=True)

    assert external_id not in page


def test_directory_pages_through_every_startup(app, client, auth):
    auth.login(ZJ_MANAGER)
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Startup))
    per_page = app.config["PAGE_SIZE"]
    last = -(-total // per_page)

    first = client.get("/startups/?sector=").get_data(as_text=True)
    final = client.get(f"/startups/?sector=&page={last}").get_data(as_text=True)

    assert f"Page 1 of {last}" in first
    assert 'href="/startups/?sector=&amp;page=2"' in first
    assert f"Page {last} of {last}" in final
    assert final.count('class="card startup-card"') == total - (last - 1) * per_page


def test_directory_in_chinese_pages_too(app, client, auth):
    auth.login(ZJ_MANAGER)
    client.post("/language", data={"locale": "zh_Hans", "next": "/startups/"})

    response = client.get("/startups/?page=2")

    assert response.status_code == 200
    assert "初创企业名录" in response.get_data(as_text=True)


def test_an_incubators_crm_ids_are_its_own(app, client, auth):

    with in_app(app):
        with unit_of_work():
            startup = create_startup(actor=user(ZJ_MANAGER), data={"name": "Ledger Lantern"}, external_id="ZJ-SECRET-7")
        startup_id = startup.id
    seen = {}
    for email in (ZJ_MANAGER, PNP_MANAGER, BANK_STAFF):
        auth.login(email)
        seen[email] = "ZJ-SECRET-7" in client.get(f"/startups/{startup_id}").get_data(as_text=True)
        auth.logout()

    assert seen == {ZJ_MANAGER: True, PNP_MANAGER: False, BANK_STAFF: False}
