"""In-app notifications, emails by each person's digest preference, daily digests and deadline reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.enums import DigestPreference
from marketplace.core.db import db, unit_of_work
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.needs.reminders import remind_deadlines
from marketplace.needs.services import change_need_status
from marketplace.notifications.jobs import send_digests
from marketplace.notifications.models import Notification, OutboxMessage
from marketplace.notifications.services import notify
from marketplace.pipeline.match_alerts import alert_new_matches
from marketplace.startups.models import Startup
from marketplace.startups.services import create_startup
from tests.conftest import BANK_STAFF, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, need_id, user

pytestmark = pytest.mark.integration


def _mails(email: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id))
    )


def _tell(person, title="Campus payments"):
    return notify(
        [person],
        kind="stage_changed",
        params={"startup": "Tuition Ledger", "title": title, "stage": "shortlisted"},
        link="/workspace",
    )


def test_immediate_preference_mails_each_notification(ctx):
    staff = user(BANK_STAFF)
    with unit_of_work():
        _tell(staff)

    [mail] = _mails(BANK_STAFF)
    assert mail.subject == "Tuition Ledger is now “Shortlisted” for “Campus payments”"
    assert "http://127.0.0.1:5000/workspace" in mail.body
    assert db.session.scalar(sa.select(Notification.mailed_at).where(Notification.user_id == staff.id))


def test_daily_digest_collects_everything_once(ctx):
    staff = user(BANK_STAFF)
    staff.digest = DigestPreference.DAILY
    with unit_of_work():
        _tell(staff, "First need")
        _tell(staff, "Second need")
    assert _mails(BANK_STAFF) == []

    assert send_digests() == 1
    assert send_digests() == 0  # nothing new: nothing sent

    [digest] = _mails(BANK_STAFF)
    assert "2" in digest.subject
    assert "“First need”" in digest.body and "“Second need”" in digest.body


def test_never_means_in_app_only(ctx):
    staff = user(BANK_STAFF)
    staff.digest = DigestPreference.NEVER
    with unit_of_work():
        _tell(staff)

    assert send_digests() == 0
    assert _mails(BANK_STAFF) == []
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == staff.id))
        == 1
    )


def test_lines_and_subjects_speak_the_readers_language(ctx):
    staff = user(BANK_STAFF)
    staff.locale = "zh_Hans"
    with unit_of_work():
        _tell(staff)

    [mail] = _mails(BANK_STAFF)
    assert "已入围" in mail.subject or "入围" in mail.subject


def test_notification_page_marks_read_and_hides_other_peoples(app, client, auth):
    with in_app(app):
        with unit_of_work():
            [mine] = _tell(user(BANK_STAFF))
            [theirs] = _tell(user(ZJ_MANAGER))
        mine_id, theirs_id = mine.id, theirs.id
    auth.login(BANK_STAFF)

    page = client.get("/notifications/").get_data(as_text=True)
    assert 'class="nav-count"' in page and "Tuition Ledger" in page
    opened = client.get(f"/notifications/{mine_id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/workspace")
    assert client.get(f"/notifications/{theirs_id}").status_code == 404
    assert 'class="nav-count"' not in client.get("/notifications/").get_data(as_text=True)

    client.post("/notifications/settings", data={"digest": "daily"})
    with in_app(app):
        assert user(BANK_STAFF).digest == DigestPreference.DAILY


def test_publishing_a_need_notifies_its_audience_in_the_app(ctx):

    need = db.session.get(Need, need_id(ctx, "sme-invoice-financing"))  # in review, public
    with unit_of_work():
        change_need_status(actor=user("organiser@innomatch.example"), need=need, to=NeedStatus.PUBLISHED)

    told = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "need_published")))
    assert {user(ZJ_MANAGER).id, user(PNP_MANAGER).id} <= told
    assert user(BANK_STAFF).id not in told


def test_deadline_reminders_go_out_once(ctx):
    need = db.session.get(Need, need_id(ctx, "iot-collateral-monitoring"))  # published to every incubator
    need.deadline = date.today() + timedelta(days=2)
    db.session.flush()

    with unit_of_work():
        first = remind_deadlines()
    with unit_of_work():
        again = remind_deadlines()

    reminded = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "deadline_soon")))
    assert first >= 3 and again == 0
    assert {user(ZJ_MANAGER).id, user(PNP_MANAGER).id} <= reminded


def test_the_owning_unit_hears_when_the_deadline_passed(ctx):
    need = db.session.get(Need, need_id(ctx, "education-ecosystem-it"))
    need.deadline = date.today() - timedelta(days=1)
    db.session.flush()

    with unit_of_work():
        remind_deadlines()

    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "deadline_passed"))
    assert note.user_id == user(BANK_STAFF).id and note.params["count"] > 0


def test_a_newly_arrived_startup_that_ranks_high_alerts_the_needs_unit(app, client, auth):
    """Indexing runs in the background (in-process here); the published needs are re-ranked and the
    education need's unit hears that a newcomer ranks among its best matches."""

    with in_app(app):
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
        alerts = list(db.session.scalars(sa.select(Notification).where(Notification.kind == "new_matches")))
        staff = user(BANK_STAFF)
        titles = {a.params["title"] for a in alerts if a.user_id == staff.id}
        edu_title = db.session.get(Need, need_id(app, "education-ecosystem-it")).title

    assert edu_title in titles
    assert all(a.params["count"] == 1 for a in alerts)


def test_editing_an_old_startup_alerts_nobody(ctx):

    old = db.session.scalar(sa.select(Startup).order_by(Startup.id))
    old.created_at = old.created_at.replace(year=2020)
    db.session.flush()

    assert alert_new_matches([old.id]) == 0
