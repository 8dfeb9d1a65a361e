"""Sessions end on the server (security review, finding 13): the session cookie carries the person's session
version (``User.get_id``: "id:version"); signing out and changing the password move the version on, so a copy of
an old cookie, or the person's session in another browser, is anonymous from then on (the sign-in page)."""

from __future__ import annotations

import json

import pytest

from marketplace.accounts.services import set_user_password
from marketplace.accounts.tokens import create_token
from marketplace.audit.queries import history_for
from marketplace.core.db import db, unit_of_work
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import in_app, user

pytestmark = pytest.mark.integration

SIGNED_IN_PAGE = "/account/tokens"
NEW_PASSWORD = "harbour-lantern-47-quay"


def _signed_in(app, email: str, password: str = DEMO_PASSWORD):
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code == 302, answer.status_code
    return client


def _with_cookie(app, cookie: str):
    """A fresh client holding nothing but a copy of someone's session cookie (what a thief would have)."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def _is_signed_in(client) -> bool:
    answer = client.get(SIGNED_IN_PAGE)
    if answer.status_code == 200:
        return True
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next="), answer.status_code
    return False


def test_a_session_cookie_copied_before_sign_out_is_anonymous_after_it(app):
    browser = _signed_in(app, BANK_STAFF)
    cookie = browser.get_cookie("session").value
    assert _is_signed_in(_with_cookie(app, cookie))  # the copy works while the session does

    assert browser.post("/logout").status_code == 302

    assert not _is_signed_in(_with_cookie(app, cookie))
    assert not _is_signed_in(browser)
    assert _is_signed_in(_signed_in(app, BANK_STAFF))  # signing in again starts a session that works


def test_signing_out_ends_the_persons_other_sessions_and_nobody_elses(app):
    laptop, phone = _signed_in(app, ZJ_MANAGER), _signed_in(app, ZJ_MANAGER)
    colleague = _signed_in(app, PNP_MANAGER)

    laptop.post("/logout")

    assert not _is_signed_in(phone)
    assert _is_signed_in(colleague)


def test_a_session_id_without_a_version_loads_nobody(app):
    """A cookie naming only the user id (as before sessions carried a version) is anonymous."""
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = app.login_manager._session_identifier_generator()
    with in_app(app):
        person = user(BANK_STAFF)
        bare, versioned = str(person.id), person.get_id()
    with client.session_transaction() as session:
        session.update({"_user_id": bare, "_fresh": True, "_id": identifier})
    assert not _is_signed_in(client)

    with client.session_transaction() as session:
        session.update({"_user_id": versioned, "_fresh": True, "_id": identifier})
    assert _is_signed_in(client)  # the same session with the version is the person's


def test_changing_the_password_keeps_this_session_and_ends_the_others(app):
    changing, other_browser = _signed_in(app, ZJ_MANAGER), _signed_in(app, ZJ_MANAGER)
    colleague = _signed_in(app, PNP_MANAGER)
    stolen = changing.get_cookie("session").value

    answer = changing.post(
        "/account/password", data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )

    assert answer.status_code == 302 and answer.headers["Location"] == "/account"  # the profile
    assert _is_signed_in(changing)
    assert not _is_signed_in(other_browser)
    assert not _is_signed_in(_with_cookie(app, stolen))  # this browser's cookie from before the change
    assert _is_signed_in(colleague)
    assert app.test_client().post("/login", data={"email": ZJ_MANAGER, "password": DEMO_PASSWORD}).status_code == 401
    assert _is_signed_in(_signed_in(app, ZJ_MANAGER, NEW_PASSWORD))
    with in_app(app):
        rows = history_for("user", user(ZJ_MANAGER).id, action="user.password_change")
        assert [
            (event.actor_id, event.after["session_version"] - event.before["session_version"]) for event, _who in rows
        ] == [(user(ZJ_MANAGER).id, 1)]
        stored = json.dumps([(event.before, event.after) for event, _who in rows])
    assert NEW_PASSWORD not in stored and DEMO_PASSWORD not in stored


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"current_password": "not-my-password-1", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD},
            "current_password",
            "This is not your current password.",
        ),
        (
            {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"},
            "repeat",
            "The two new passwords are not the same.",
        ),
        (
            {"current_password": DEMO_PASSWORD, "password": "tiny-pw-9", "repeat": "tiny-pw-9"},
            "password",
            "Use at least 12 characters.",
        ),
    ],
)
def test_a_refused_password_change_changes_nothing_and_ends_no_session(app, form, field, message):
    changing, other_browser = _signed_in(app, ZJ_MANAGER), _signed_in(app, ZJ_MANAGER)
    with in_app(app):
        before = user(ZJ_MANAGER).session_version, user(ZJ_MANAGER).password_hash

    answer = changing.post("/account/password", data=form)

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and message in page and f'aria-invalid="true" id="{field}"' in page
    assert form["password"] not in page  # no password typed is sent back
    assert _is_signed_in(changing) and _is_signed_in(other_browser)
    with in_app(app):
        db.session.expire_all()
        assert (user(ZJ_MANAGER).session_version, user(ZJ_MANAGER).password_hash) == before
        assert history_for("user", user(ZJ_MANAGER).id, action="user.password_change") == []


def test_setting_a_password_ends_every_session_of_the_person(app):
    """``set_user_password`` (any flow that sets one, not only the page) moves the version on."""

    browser = _signed_in(app, BANK_STAFF)
    with in_app(app), unit_of_work():
        set_user_password(user(BANK_STAFF), NEW_PASSWORD)

    assert not _is_signed_in(browser)


def test_api_tokens_do_not_depend_on_the_session(app):

    browser = _signed_in(app, BANK_STAFF)
    with in_app(app), unit_of_work():
        secret = create_token(user=user(BANK_STAFF), name="sessions", can_write=False)[1]
    browser.post("/logout")

    answer = app.test_client().get("/api/v1/needs", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200


def test_the_sign_out_message_says_every_device_is_signed_out(app):
    browser = _signed_in(app, BANK_STAFF)

    page = browser.post("/logout", follow_redirects=True).get_data(as_text=True)

    assert "You are signed out, here and on your other devices." in page
