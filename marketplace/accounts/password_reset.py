"""Password reset by email: a signed, expiring, single-use link sent through the outbox.

The link carries a token signed with SECRET_KEY (itsdangerous, its own salt) naming the person and a fingerprint of
their password hash at the time of asking. It expires after ``RESET_LINK_MAX_AGE``; once any new password is set
(by this link, another one, or the profile page) the hash, and so the fingerprint, changes, so every link asked
for before stops working: a link works once. Changing SECRET_KEY revokes every link.

Asking never tells whether the email belongs to anyone: the same answer, and mail only to an active person.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.accounts.models import User
from marketplace.accounts.queries import user_by_email
from marketplace.accounts.services import check_password_policy, end_sessions, hash_password
from marketplace.audit.services import record_change
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import InvalidInput
from marketplace.jobs.queue import enqueue
from marketplace.notifications.services import mail_subject, queue_email

_SALT = "innomatch-password-reset"
RESET_LINK_MAX_AGE = timedelta(hours=1)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    """Names the password hash without revealing it (keyed, so the token's readable payload gives nothing away)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_reset_token(token: str, *, for_update: bool = False) -> User | None:
    """The active person a reset token names, or None: forged, expired, or made before their password last
    changed (a link already used is one of those). ``for_update`` locks the person's row, so of two uses of one
    link racing, the second finds the new hash."""
    try:
        data = _serializer().loads(token or "", max_age=int(RESET_LINK_MAX_AGE.total_seconds()))
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("p"), str):
        return None
    user = db.session.get(User, data["u"], with_for_update=for_update or None, populate_existing=for_update)
    if user is None or not user.active or not hmac.compare_digest(_fingerprint(user), data["p"]):
        return None
    return user


def request_password_reset(email: str, *, ip: str | None = None) -> None:
    """Queues ``send_reset_link`` for any email, after commit: whether the email is anyone's is looked up in the
    job, so the answer, its timing and what a waiting job makes the page say are the same for every email."""
    enqueue(
        "marketplace.accounts.password_reset.send_reset_link", queue="email", email=(email or "").strip()[:320], ip=ip
    )


def send_reset_link(*, email: str, ip: str | None = None) -> bool:
    """The job: queues the reset mail (outbox) when ``email`` is an active person's; returns whether it did.
    Audited as ``user.password_reset_request``."""
    with unit_of_work():
        user = user_by_email(email)
        if user is None or not user.active:
            return False
        queue_email(
            recipient=user,
            subject=mail_subject("Choose a new innomatch password"),
            template="email/password_reset.txt",
            token=reset_token(user),
            hours=int(RESET_LINK_MAX_AGE.total_seconds() // 3600),
        )
        record_change(
            actor_id=None, action="user.password_reset_request", entity="user", entity_id=user.id, after={"ip": ip}
        )
    return True


def reset_password(token: str, *, password: str, repeat: str) -> User:
    """Sets the new password of the person the link names (a fresh hash, so this link and every older one stop
    working) and ends every session of theirs. Raises InvalidInput on ``""`` for a dead link, on the fields for
    a weak or mismatched password. Audited as ``user.password_reset``."""
    user = user_for_reset_token(token, for_update=True)
    if user is None:
        raise InvalidInput({"": [invalid_link_message()]})
    if password != repeat:
        raise InvalidInput({"repeat": [_("The two new passwords are not the same.")]})
    check_password_policy(password, email=user.email)
    before = user.session_version
    user.password_hash = hash_password(password)  # always a new salt: even the same password makes a new hash
    end_sessions(user)
    record_change(
        actor_id=user.id,
        action="user.password_reset",
        entity="user",
        entity_id=user.id,
        before={"session_version": before},
        after={"session_version": user.session_version},
    )
    return user


def invalid_link_message() -> str:
    return _(
        "This link does not work any more: it is older than an hour, was used already, or your password "
        "has changed since. Ask for a new one."
    )
