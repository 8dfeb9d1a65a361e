"""Password reset by email: "Forgot your password?" on the sign-in page asks for an email and
always answers the same; an active person's email gets, through the outbox, a link that is signed, expires after
an hour and works once (it names a fingerprint of the password hash, so any new password ends it)."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from marketplace.audit.queries import history_for
from marketplace.core.db import db
from marketplace.events.feeds import feed_token
from marketplace.jobs.outbox import PendingJob
from marketplace.notifications.models import OutboxMessage
from tests.conftest import BANK_STAFF, DEMO_PASSWORD, PNP_MANAGER, ZJ_MANAGER, seeded_app
from tests.helpers import in_app, user

pytestmark = pytest.mark.integration

NEW_PASSWORD = "harbour-lantern-47-quay"
OTHER_PASSWORD = "copper-kettle-93-ridge"
NEUTRAL = "If an account uses this email address, a link to choose a new password is on its way."
DEAD_LINK = "This link does not work any more"
LINK = re.compile(r"https?://[^/\s]+(/account/reset\?token=[\w.\-]+)")


def _mails(app) -> list[OutboxMessage]:
    with in_app(app):
        return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _ask(client, email: str):
    return client.post("/account/forgot", data={"email": email})


def _link(app, email: str) -> str:
    """The path of the newest reset link mailed to ``email``."""
    with in_app(app):
        body = db.session.scalars(
            sa.select(OutboxMessage.body).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())
        ).first()
    assert body is not None, email
    return LINK.search(body).group(1)


def _reset(client, link: str, password: str = NEW_PASSWORD, repeat: str | None = None):
    token = link.partition("token=")[2]
    return client.post(
        "/account/reset", data={"token": token, "password": password, "repeat": password if repeat is None else repeat}
    )


def _signs_in(app, email: str, password: str) -> bool:
    answer = app.test_client().post("/login", data={"email": email, "password": password})
    assert answer.status_code in (302, 401), answer.status_code
    return answer.status_code == 302


def test_the_sign_in_page_links_to_the_request_form(client):
    page = client.get("/login").get_data(as_text=True)

    assert 'href="/account/forgot"' in page and "Forgot your password?" in page
    assert client.get("/account/forgot").status_code == 200


def test_a_known_email_gets_a_link_that_sets_a_new_password(app, client):
    before = len(_mails(app))

    answer = _ask(client, ZJ_MANAGER.upper())  # as typed: any case

    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert NEUTRAL in client.get("/login").get_data(as_text=True)
    mails = _mails(app)[before:]
    assert [m.recipient for m in mails] == [ZJ_MANAGER]
    assert mails[0].subject == "Choose a new innomatch password"
    assert "works once, for 1 hour" in mails[0].body
    link = _link(app, ZJ_MANAGER)
    form = client.get(link)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert 'name="password"' in form.get_data(as_text=True)
    assert '<meta name="referrer" content="no-referrer">' in form.get_data(as_text=True)

    done = _reset(client, link)

    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Sign in with the new password." in client.get("/login").get_data(as_text=True)
    assert not _signs_in(app, ZJ_MANAGER, DEMO_PASSWORD)
    assert _signs_in(app, ZJ_MANAGER, NEW_PASSWORD)
    with in_app(app):
        person = user(ZJ_MANAGER)
        assert [e.actor_id for e, _who in history_for("user", person.id, action="user.password_reset")] == [person.id]
        assert len(history_for("user", person.id, action="user.password_reset_request")) == 1


def test_an_unknown_email_gets_the_same_answer_and_nothing_is_sent(app, client):
    before = len(_mails(app))
    known, unknown = app.test_client(), app.test_client()

    known_answer = _ask(known, BANK_STAFF)
    unknown_answer = _ask(unknown, "nobody-here@bank.example.com")

    assert (unknown_answer.status_code, unknown_answer.headers["Location"]) == (
        known_answer.status_code,
        known_answer.headers["Location"],
    )
    assert unknown.get("/login").get_data(as_text=True).count(NEUTRAL) == 1
    assert known.get("/login").get_data(as_text=True).count(NEUTRAL) == 1
    assert [m.recipient for m in _mails(app)[before:]] == [BANK_STAFF]


def test_with_redis_unreachable_every_email_reads_the_same_page(tmp_path):
    """The mail job was queued for real accounts only, so with Redis down only they read
    "Background work ... is waiting", and without Redis only they waited for the mail in the request."""

    app = seeded_app(f"sqlite:///{tmp_path / 'reset.sqlite3'}", REDIS_URL="redis://127.0.0.1:9/0")
    flashes = []
    for email in (BANK_STAFF, "nobody-here@bank.example.com"):
        client = app.test_client()
        assert _ask(client, email).status_code == 302
        page = client.get("/login").get_data(as_text=True)
        flashes.append(re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', page, re.S))
    with in_app(app):
        waiting = list(db.session.scalars(sa.select(PendingJob.kwargs).order_by(PendingJob.id)))

    assert flashes[0] == flashes[1] and any(NEUTRAL in f for f in flashes[0])
    assert [k["email"] for k in waiting] == [BANK_STAFF, "nobody-here@bank.example.com"]


def test_an_inactive_person_gets_no_link(app, client):
    with in_app(app):
        user(PNP_MANAGER).active = False
        db.session.commit()
    before = len(_mails(app))

    answer = _ask(client, PNP_MANAGER)

    assert answer.status_code == 302 and NEUTRAL in client.get("/login").get_data(as_text=True)
    assert _mails(app)[before:] == []


def test_a_link_works_once(app, client):
    _ask(client, ZJ_MANAGER)
    link = _link(app, ZJ_MANAGER)
    assert _reset(client, link).status_code == 302

    again = _reset(app.test_client(), link, OTHER_PASSWORD)
    opened = app.test_client().get(link)

    assert again.status_code == 400 and DEAD_LINK in again.get_data(as_text=True)
    assert opened.status_code == 400 and DEAD_LINK in opened.get_data(as_text=True)
    assert 'name="password"' not in opened.get_data(as_text=True)
    assert 'href="/account/forgot"' in opened.get_data(as_text=True)  # ask for a new one
    assert _signs_in(app, ZJ_MANAGER, NEW_PASSWORD) and not _signs_in(app, ZJ_MANAGER, OTHER_PASSWORD)


def test_a_link_dies_when_the_password_changes_otherwise(app, client, auth):
    _ask(client, ZJ_MANAGER)
    link = _link(app, ZJ_MANAGER)
    auth.login(ZJ_MANAGER)
    changed = client.post(
        "/account/password", data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert changed.status_code == 302

    answer = _reset(app.test_client(), link, OTHER_PASSWORD)

    assert answer.status_code == 400 and DEAD_LINK in answer.get_data(as_text=True)
    assert _signs_in(app, ZJ_MANAGER, NEW_PASSWORD)


def test_using_a_newer_link_ends_the_older_one_even_with_the_same_password(app, client, monkeypatch):
    made_at = int(time.time()) - 600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at)
        _ask(client, ZJ_MANAGER)
    older = _link(app, ZJ_MANAGER)
    _ask(client, ZJ_MANAGER)
    newer = _link(app, ZJ_MANAGER)
    assert older != newer

    assert _reset(client, newer, DEMO_PASSWORD).status_code == 302  # the old password again: a new hash

    assert _reset(app.test_client(), older, OTHER_PASSWORD).status_code == 400
    assert _signs_in(app, ZJ_MANAGER, DEMO_PASSWORD)


def test_a_link_older_than_an_hour_does_not_work(app, client, monkeypatch):
    made_at = int(time.time()) - 3601
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at)
        _ask(client, ZJ_MANAGER)
    link = _link(app, ZJ_MANAGER)

    opened = client.get(link)
    used = _reset(client, link)

    assert opened.status_code == 400 and DEAD_LINK in opened.get_data(as_text=True)
    assert used.status_code == 400
    assert _signs_in(app, ZJ_MANAGER, DEMO_PASSWORD)


def test_a_link_almost_an_hour_old_still_works(app, client, monkeypatch):
    made_at = int(time.time()) - 3540
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at)
        _ask(client, ZJ_MANAGER)

    assert _reset(client, _link(app, ZJ_MANAGER)).status_code == 302


@pytest.mark.parametrize("forge", ["tampered", "payload_changed", "feed_token", "empty"])
def test_a_forged_link_does_not_work(app, client, forge):

    _ask(client, ZJ_MANAGER)
    token = _link(app, ZJ_MANAGER).partition("token=")[2]
    payload, stamp, signature = token.rsplit(".", 2)
    with in_app(app):
        forged = {
            # the signature's first character: all six of its bits count (the last one's low bits are padding,
            # so changing it could leave the same signature)
            "tampered": f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
            # another payload under this signature
            "payload_changed": f"{payload[:-2]}xx.{stamp}.{signature}",
            "feed_token": feed_token(user(ZJ_MANAGER)),  # signed with the same key, another salt
            "empty": "",
        }[forge]

    answer = client.post("/account/reset", data={"token": forged, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})

    assert answer.status_code == 400 and DEAD_LINK in answer.get_data(as_text=True)
    assert _signs_in(app, ZJ_MANAGER, DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("password", "repeat", "message"),
    [
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two new passwords are not the same."),
        ("tiny-pw-9", "tiny-pw-9", "Use at least 12 characters."),
        ("manager-zhangjiang-7", "manager-zhangjiang-7", "Do not put your email address in the password."),
    ],
)
def test_a_refused_new_password_changes_nothing_and_the_link_still_works(app, client, password, repeat, message):
    _ask(client, ZJ_MANAGER)
    link = _link(app, ZJ_MANAGER)

    refused = _reset(client, link, password, repeat)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and message in page
    assert password not in page  # no password typed is sent back
    assert _signs_in(app, ZJ_MANAGER, DEMO_PASSWORD)
    assert _reset(client, link).status_code == 302


def test_a_reset_ends_every_session_of_the_person_and_nobody_elses(app, client):
    phone, colleague = app.test_client(), app.test_client()
    phone.post("/login", data={"email": ZJ_MANAGER, "password": DEMO_PASSWORD})
    colleague.post("/login", data={"email": PNP_MANAGER, "password": DEMO_PASSWORD})
    assert phone.get("/account").status_code == 200
    _ask(client, ZJ_MANAGER)

    _reset(client, _link(app, ZJ_MANAGER))

    assert phone.get("/account").status_code == 302
    assert colleague.get("/account").status_code == 200


def test_the_mail_is_written_in_the_persons_language(app, client):
    with in_app(app):
        user(ZJ_MANAGER).locale = "zh_Hans"
        db.session.commit()

    _ask(client, ZJ_MANAGER)

    with in_app(app):
        mail = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == ZJ_MANAGER).order_by(OutboxMessage.id.desc())
        ).first()
    assert "/account/reset?token=" in mail.body
    assert "Hello" not in mail.body  # Chinese, from the catalogue


# --- rate limit ---------------------------------------------------------------------------------


def test_requests_for_one_email_are_limited_whoever_it_belongs_to(app, limited):
    client = limited(PASSWORD_RESET_RATE_LIMIT="2/hour").test_client()
    before = len(_mails(app))

    known = [_ask(client, BANK_STAFF).status_code for _ in range(3)]
    unknown = [_ask(client, "nobody-here@bank.example.com").status_code for _ in range(3)]
    other = _ask(client, ZJ_MANAGER)

    assert known == unknown == [302, 302, 429]
    page = _ask(client, BANK_STAFF).get_data(as_text=True)
    assert "Too many requests. Try again in" in page
    assert other.status_code == 302
    assert [m.recipient for m in _mails(app)[before:]] == [BANK_STAFF, BANK_STAFF, ZJ_MANAGER]


def test_requests_from_one_address_are_limited(app, limited):
    client = limited(PASSWORD_RESET_IP_RATE_LIMIT="2/hour").test_client()

    answers = [_ask(client, email).status_code for email in (BANK_STAFF, ZJ_MANAGER, PNP_MANAGER)]

    assert answers == [302, 302, 429]
