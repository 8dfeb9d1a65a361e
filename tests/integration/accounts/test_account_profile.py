"""The profile page: clicking your name opens it; a signed-in person changes their own name,
interface language and email digest choice, and their password (the current one, the new one twice, the password
policy; their other sessions end). It names no user, so nobody changes anyone else's profile."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.enums import DigestPreference
from marketplace.audit.queries import history_for
from marketplace.core.db import db
from marketplace.notifications.models import OutboxMessage
from marketplace.notifications.services import notify
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, user

pytestmark = pytest.mark.integration

NEW_PASSWORD = "harbour-lantern-47-quay"
PROFILE = {"name": "Wang Fang", "locale": "zh_Hans", "digest": "daily"}


def _person(app, email: str):
    with in_app(app):
        found = user(email)
        return found.name, found.locale, found.digest, found.password_hash, found.session_version


def test_your_name_in_the_menu_opens_your_profile(client, auth):
    auth.login(ZJ_MANAGER)

    home = client.get("/").get_data(as_text=True)
    page = client.get("/account")

    assert 'class="whoami" href="/account"' in home
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ZJ_MANAGER in html and 'name="name"' in html and 'name="digest"' in html and 'name="locale"' in html
    assert 'action="/account/password"' in html and 'name="current_password"' in html
    assert 'href="/account/tokens"' in html and 'action="/events/feeds/reset"' in html


def test_the_profile_needs_a_sign_in(app, client):
    before = _person(app, ZJ_MANAGER)

    page = client.get("/account")
    post = client.post("/account", data=PROFILE)

    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert post.status_code == 302 and post.headers["Location"].startswith("/login?next=")
    assert _person(app, ZJ_MANAGER) == before


def test_saving_changes_name_language_and_digest_and_the_page_speaks_the_new_language(app, client, auth):
    auth.login(ZJ_MANAGER)
    old_name, old_locale, old_digest, *_ = _person(app, ZJ_MANAGER)
    assert (old_locale, old_digest) == ("en", DigestPreference.IMMEDIATE)

    answer = client.post("/account", data=PROFILE)

    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    name, locale, digest, *_ = _person(app, ZJ_MANAGER)
    assert (name, locale, digest) == ("Wang Fang", "zh_Hans", DigestPreference.DAILY)
    page = client.get("/account").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page and "Wang Fang" in page
    notifications = client.get("/notifications/").get_data(as_text=True)
    assert re.search(r'<input checked[^>]* value="daily"', notifications)  # the same choice there
    with in_app(app):
        person = user(ZJ_MANAGER)
        rows = history_for("user", person.id, action="user.profile")
        assert [(e.actor_id, e.before, e.after) for e, _who in rows] == [
            (person.id, {"name": old_name, "locale": "en", "digest": "immediate"}, PROFILE)
        ]


def test_the_language_chosen_stays_after_signing_in_again(app, client, auth):
    auth.login(ZJ_MANAGER)
    client.post("/account", data=PROFILE)
    auth.logout()

    fresh = app.test_client()
    fresh.post("/login", data={"email": ZJ_MANAGER, "password": DEMO_PASSWORD})

    assert '<html lang="zh-Hans">' in fresh.get("/account").get_data(as_text=True)


def test_choosing_no_email_stops_notification_mail(app, client, auth):

    auth.login(ZJ_MANAGER)
    client.post("/account", data={**PROFILE, "digest": "never"})

    with in_app(app):
        before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        notify([user(ZJ_MANAGER)], kind="withdrawn", params={"startup": "S", "title": "T"})
        after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        db.session.rollback()
    assert after == before


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"name": "   "}, "Enter the name people see"),
        ({"name": "x" * 201}, "Use at most 200 characters."),
        ({"digest": "hourly"}, "Choose how you want to hear of new notifications."),
        ({"locale": "fr"}, "Not a valid choice"),
    ],
)
def test_a_refused_profile_changes_nothing(app, client, auth, change, field_message):
    auth.login(ZJ_MANAGER)
    before = _person(app, ZJ_MANAGER)

    answer = client.post("/account", data={**PROFILE, **change})

    assert answer.status_code == 200 and field_message in answer.get_data(as_text=True)
    assert _person(app, ZJ_MANAGER) == before
    with in_app(app):
        assert history_for("user", user(ZJ_MANAGER).id, action="user.profile") == []


def test_nobody_changes_another_persons_profile(app, client, auth):
    """The form names no person: fields naming someone else are ignored, and only the signed-in person changes."""
    other_before = _person(app, PNP_MANAGER)
    with in_app(app):
        other_id = user(PNP_MANAGER).id
    auth.login(ZJ_MANAGER)

    answer = client.post(
        f"/account?user_id={other_id}",
        data={**PROFILE, "user_id": str(other_id), "id": str(other_id), "email": PNP_MANAGER},
    )

    assert answer.status_code == 302
    assert _person(app, PNP_MANAGER) == other_before
    name, _locale, _digest, *_ = _person(app, ZJ_MANAGER)
    with in_app(app):
        assert (name, user(ZJ_MANAGER).email) == ("Wang Fang", ZJ_MANAGER)


def test_changing_the_password_from_the_profile_ends_the_other_sessions(app, client, auth):
    auth.login(ZJ_MANAGER)
    other_browser = app.test_client()
    other_browser.post("/login", data={"email": ZJ_MANAGER, "password": DEMO_PASSWORD})
    colleague = app.test_client()
    colleague.post("/login", data={"email": BANK_STAFF, "password": DEMO_PASSWORD})

    answer = client.post(
        "/account/password", data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )

    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    assert other_browser.get("/account").status_code == 302
    assert colleague.get("/account").status_code == 200
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": ZJ_MANAGER, "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"current_password": "not-my-password-1", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
            "This is not your current password.",
        ),
        (
            {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"},
            "The two new passwords are not the same.",
        ),
        (
            {"current_password": DEMO_PASSWORD, "password": "204867193520", "repeat": "204867193520"},
            "Use letters or symbols too, not only digits.",
        ),
    ],
)
def test_a_refused_password_change_from_the_profile_changes_nothing(app, client, auth, form, message):
    auth.login(ZJ_MANAGER)
    before = _person(app, ZJ_MANAGER)

    answer = client.post("/account/password", data=form)

    assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert _person(app, ZJ_MANAGER) == before
    assert client.get("/account").status_code == 200  # still signed in
