"""Posting and editing needs: validation, ownership, audit trail, review notification."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.models import Need, NeedAudience
from marketplace.needs.services import change_need_status, create_need, update_need
from marketplace.notifications.models import OutboxMessage
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import form_token, need_id, org, user, version_of

pytestmark = pytest.mark.integration

VALID = {
    "title": "Smart campus canteen payments",
    "summary": "Cashless canteen and dormitory payments for universities.",
    "description": "We want a pilot at two campuses.",
    "scenarios": "Universities\nVocational colleges",
    "sector_tags": ["education"],
    "technology_tags": "payments, campus card",
    "pilot_horizon": "h1",
    "visibility": "public",
    "budget_min_cny": "200000",
    "budget_max_cny": "800000",
    "deadline": "2027-03-31",
    "contact_email": "campus@bank.example.com",
}


def test_create_need_via_form_saves_draft_for_own_unit(app, client, auth):
    auth.login(BANK_STAFF)

    response = client.post("/needs/new", data={**VALID, "form_token": form_token()})

    assert response.status_code == 302
    with app.app_context():
        need = db.session.scalar(sa.select(Need).where(Need.title == VALID["title"]))
        assert need.status == NeedStatus.DRAFT
        assert need.owner_id == org("large-corporate").id
        assert need.scenarios == ["Universities", "Vocational colleges"]
        assert need.technology_tags == ["payments", "campus card"]
        assert need.budget_max_cny == 800_000
        audit = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity_id == need.id, AuditEvent.action == "need.create")
        )
        assert audit.after["title"] == VALID["title"]


def test_create_need_with_bad_input_shows_field_errors_and_saves_nothing(app, client, auth):
    auth.login(BANK_STAFF)
    bad = {
        **VALID,
        "title": "abc",
        "budget_min_cny": "900000",
        "budget_max_cny": "100",
        "contact_email": "not-an-email",
        "deadline": "31/03/2027",
    }

    response = client.post("/needs/new", data={**bad, "form_token": form_token()})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter at least 5 characters." in page
    assert "The maximum budget is below the minimum." in page
    assert "Enter a valid email address." in page
    assert "Enter a date as YYYY-MM-DD." in page
    assert 'value="not-an-email"' in page  # what the user typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Need.title == "abc")) == 0


def test_invited_need_requires_an_audience(ctx):
    staff = user(BANK_STAFF)

    with pytest.raises(InvalidInput) as exc:
        create_need(actor=staff, data={**VALID, "visibility": "invited"})

    assert list(exc.value.errors) == ["invited_incubators"]


def test_invited_need_rejects_non_incubator_audience(ctx):
    staff = user(BANK_STAFF)

    with pytest.raises(InvalidInput):
        create_need(
            actor=staff, data={**VALID, "visibility": "invited"}, invited_incubator_ids=[org("large-corporate").id]
        )


def test_create_invited_need_stores_audience(ctx):
    staff = user(BANK_STAFF)
    zj = org("zhangjiang-incubator")

    need = create_need(actor=staff, data={**VALID, "visibility": "invited"}, invited_incubator_ids=[zj.id])

    assert need.visibility == NeedVisibility.INVITED
    rows = db.session.scalars(sa.select(NeedAudience.organisation_id).where(NeedAudience.need_id == need.id))
    assert list(rows) == [zj.id]


def test_incubator_cannot_create_need_in_service(ctx):
    with pytest.raises(PermissionDenied):
        create_need(actor=user(ZJ_MANAGER), data=VALID)


def test_organiser_must_choose_bank_unit_owner(ctx):
    organiser = user(ORGANISER)

    with pytest.raises(InvalidInput) as exc:
        create_need(actor=organiser, data=VALID, owner_id=org("zhangjiang-incubator").id)
    need = create_need(actor=organiser, data=VALID, owner_id=org("retail-credit").id)

    assert list(exc.value.errors) == ["owner_id"]
    assert need.owner_id == org("retail-credit").id


def test_update_need_records_only_changed_fields_and_bumps_version(ctx):
    staff = user(BANK_STAFF)
    need = create_need(actor=staff, data=VALID)

    update_need(actor=staff, need=need, data={**VALID, "title": "Smart campus payments, phase two"})

    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.entity_id == need.id, AuditEvent.action == "need.update")
    )
    assert event.before == {"title": VALID["title"]}
    assert event.after == {"title": "Smart campus payments, phase two"}
    assert need.version == 2


def test_update_need_without_changes_writes_no_audit_row(ctx):
    staff = user(BANK_STAFF)
    need = create_need(actor=staff, data=VALID)

    update_need(actor=staff, need=need, data=VALID)

    count = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.entity_id == need.id, AuditEvent.action == "need.update")
    )
    assert count == 0
    assert need.version == 1


def test_failed_edit_leaves_need_untouched(app, client, auth):
    edu = need_id(app, "education-ecosystem-it")
    auth.login(BANK_STAFF)

    response = client.post(
        f"/needs/{edu}/edit",
        data={**VALID, "title": "Renamed", "summary": "short", "version": version_of(app, Need, edu)},
    )

    assert response.status_code == 400
    with app.app_context():
        need = db.session.get(Need, edu)
        assert need.title != "Renamed"
        assert need.version == 1


def test_submit_need_moves_to_review_and_mails_organisers(ctx):
    staff = user(BANK_STAFF)
    with unit_of_work():
        need = create_need(actor=staff, data=VALID)
    with unit_of_work():
        change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)

    assert need.status == NeedStatus.IN_REVIEW
    mails = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == ORGANISER)))
    assert [m.subject for m in mails] == [f"Need to review: {VALID['title']}"]
    assert mails[0].sent_at is not None  # no REDIS_URL: delivered in-process after commit


def test_submit_twice_is_refused(ctx):
    staff = user(BANK_STAFF)
    need = create_need(actor=staff, data=VALID)
    change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)

    with pytest.raises(InvalidTransition):
        change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)


def test_rollback_drops_after_commit_side_effects(ctx):
    staff = user(BANK_STAFF)
    need = create_need(actor=staff, data=VALID)

    with pytest.raises(RuntimeError), unit_of_work():
        change_need_status(actor=staff, need=need, to=NeedStatus.IN_REVIEW)
        raise RuntimeError("boom")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_needs_filters_by_sector_status_and_text(app, client, auth):
    auth.login(BANK_STAFF)

    by_sector = client.get("/needs/?sector=healthcare").get_data(as_text=True)
    by_status = client.get("/needs/?status=closed").get_data(as_text=True)
    by_text = client.get("/needs/?q=collateral").get_data(as_text=True)

    assert f'/needs/{need_id(app, "healthcare-ecosystem-it")}"' in by_sector
    assert f'/needs/{need_id(app, "education-ecosystem-it")}"' not in by_sector
    assert f'/needs/{need_id(app, "campus-travel-expense")}"' in by_status
    assert f'/needs/{need_id(app, "education-ecosystem-it")}"' not in by_status
    assert f'/needs/{need_id(app, "iot-collateral-monitoring")}"' in by_text
    assert f'/needs/{need_id(app, "education-ecosystem-it")}"' not in by_text
