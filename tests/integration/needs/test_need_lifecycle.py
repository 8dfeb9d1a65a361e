"""Need lifecycle through one function: review, publish, changes requested, close, withdraw."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import User
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.needs.services import change_need_status, create_need
from marketplace.notifications.models import OutboxMessage
from tests.conftest import BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import form_token, need_id, user

pytestmark = pytest.mark.integration

NEED = {
    "title": "Trade finance document checks",
    "summary": "Check letters of credit documents automatically.",
    "sector_tags": ["sme_finance"],
}


def need(slug: str) -> Need:
    return db.session.scalar(sa.select(Need).where(Need.slug == slug))


def mails_to(role: UserRole) -> list[str]:
    emails = set(db.session.scalars(sa.select(User.email).where(User.role == role)))
    return sorted(m.recipient for m in db.session.scalars(sa.select(OutboxMessage)) if m.recipient in emails)


def test_publishing_a_public_need_mails_every_incubator_manager(ctx):
    with unit_of_work():
        change_need_status(actor=user(ORGANISER), need=need("sme-invoice-financing"), to=NeedStatus.PUBLISHED)

    assert need("sme-invoice-financing").status == NeedStatus.PUBLISHED
    managers = sorted(db.session.scalars(sa.select(User.email).where(User.role == UserRole.INCUBATOR_MANAGER)))
    assert mails_to(UserRole.INCUBATOR_MANAGER) == managers


def test_publishing_an_invited_need_mails_only_the_invited(ctx):
    staff = user(BANK_STAFF)
    with unit_of_work():
        draft = create_need(
            actor=staff,
            data={**NEED, "visibility": "invited"},
            invited_incubator_ids=[user(ZJ_MANAGER).organisation_id],
        )
    with unit_of_work():
        change_need_status(actor=staff, need=draft, to=NeedStatus.IN_REVIEW)
    with unit_of_work():
        change_need_status(actor=user(ORGANISER), need=draft, to=NeedStatus.PUBLISHED)

    assert mails_to(UserRole.INCUBATOR_MANAGER) == [ZJ_MANAGER]


def test_changes_requested_needs_a_reason_and_reaches_the_author(ctx):
    staff = user(BANK_STAFF)
    with unit_of_work():
        draft = create_need(actor=staff, data=NEED)
    with unit_of_work():
        change_need_status(actor=staff, need=draft, to=NeedStatus.IN_REVIEW)

    with pytest.raises(InvalidInput):
        change_need_status(actor=user(ORGANISER), need=draft, to=NeedStatus.DRAFT)
    with unit_of_work():
        change_need_status(actor=user(ORGANISER), need=draft, to=NeedStatus.DRAFT, comment="Add a budget range.")

    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == BANK_STAFF))
    assert mail.subject == f"Changes requested: {NEED['title']}"
    assert "Add a budget range." in mail.body


def test_owner_cannot_publish_or_skip_review(ctx):
    staff = user(BANK_STAFF)
    draft = create_need(actor=staff, data=NEED)

    with pytest.raises(InvalidTransition):
        change_need_status(actor=staff, need=draft, to=NeedStatus.PUBLISHED)
    change_need_status(actor=staff, need=draft, to=NeedStatus.IN_REVIEW)
    with pytest.raises(InvalidTransition):
        change_need_status(actor=staff, need=draft, to=NeedStatus.PUBLISHED)


def test_incubators_and_other_units_have_no_say(ctx):
    with pytest.raises(PermissionDenied):
        change_need_status(actor=user(ZJ_MANAGER), need=need("education-ecosystem-it"), to=NeedStatus.CLOSED)
    with pytest.raises(PermissionDenied):
        change_need_status(actor=user(BANK_STAFF), need=need("iot-collateral-monitoring"), to=NeedStatus.CLOSED)


def test_status_form_shows_history_and_refuses_bad_moves(app, client, auth):
    edu = need_id(app, "education-ecosystem-it")
    auth.login(BANK_STAFF)

    refused = client.post(f"/needs/{edu}/status", data={"to": "draft"}, follow_redirects=True)
    closed = client.post(
        f"/needs/{edu}/status", data={"to": "closed", "comment": "Pilot partner chosen."}, follow_redirects=True
    ).get_data(as_text=True)

    assert "by your hand" in refused.get_data(as_text=True)
    assert "Review history" in closed and "Pilot partner chosen." in closed


def test_incubator_status_post_on_hidden_need_is_404(app, client, auth):
    auth.login(ZJ_MANAGER)

    response = client.post(f"/needs/{need_id(app, 'corporate-ap-automation')}/status", data={"to": "in_review"})

    assert response.status_code == 404


def test_clone_makes_a_draft_copy_for_the_cloner(app, client, auth):
    mpc = need_id(app, "mpc-blockchain-cryptography")
    auth.login(BANK_STAFF)

    response = client.post(f"/needs/{mpc}/clone", data={"form_token": form_token()})

    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    with app.app_context():
        copy = db.session.get(Need, int(response.headers["Location"].split("/")[2]))
        original = db.session.get(Need, mpc)
        assert copy.status == NeedStatus.DRAFT
        assert copy.title == f"Copy of {original.title}"
        assert copy.owner_id == user(BANK_STAFF).organisation_id  # bank staff clone into their own unit
        assert copy.description == original.description


def test_incubator_cannot_clone(app, client, auth):
    auth.login(ZJ_MANAGER)

    assert client.post(f"/needs/{need_id(app, 'education-ecosystem-it')}/clone").status_code == 403


def test_need_past_its_deadline_cannot_be_submitted_or_published(ctx):
    """A need due in 2020 was submitted and published, and incubators were notified."""

    draft = create_need(actor=user(BANK_STAFF), data={**NEED, "deadline": "2099-01-01"})
    draft.deadline = date(2020, 1, 1)  # the days went by (a deadline in the past cannot be set)
    in_review = need("sme-invoice-financing")
    in_review.deadline = date(2020, 1, 1)

    with pytest.raises(InvalidInput) as submitted:
        change_need_status(actor=user(BANK_STAFF), need=draft, to=NeedStatus.IN_REVIEW)
    with pytest.raises(InvalidInput) as published:
        change_need_status(actor=user(ORGANISER), need=in_review, to=NeedStatus.PUBLISHED)

    assert submitted.value.errors == {"deadline": ["The deadline 2020-01-01 has passed: set a later one first."]}
    assert published.value.errors == submitted.value.errors
    assert (draft.status, in_review.status) == (NeedStatus.DRAFT, NeedStatus.IN_REVIEW)
    assert mails_to(UserRole.INCUBATOR_MANAGER) == []
