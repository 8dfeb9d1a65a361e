"""Personal calendar subscription URLs: a signed token naming the person and their feed version, so a calendar
app can fetch the feed without signing in. A person resets their own address (``accounts.services.
reset_feed_address`` bumps ``User.feed_version``): the old URL answers 404 from then on. Changing SECRET_KEY
revokes every feed URL."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.accounts.models import User
from marketplace.core.db import db

_SALT = "innomatch-calendar-feed"
# Tokens made before feeds had versions name none: they stand for the first one, so they work until a reset.
_FIRST_VERSION = 1


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def feed_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "v": user.feed_version})


def user_id_for(token: str) -> int | None:
    """The id of the person a feed token names, or None: a forged token, or one from before the person's last
    feed reset."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, version = data.get("u"), data.get("v", _FIRST_VERSION)
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = db.session.get(User, user_id)  # the feed view's own lookup then comes from the identity map
    return user_id if user is not None and user.feed_version == version else None
