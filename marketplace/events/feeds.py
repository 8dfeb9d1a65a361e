"""Personal calendar subscription URLs: a signed token naming the person, so a calendar app can fetch
the feed without signing in. Changing SECRET_KEY revokes every feed URL."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "innomatch-calendar-feed"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def feed_token(user_id: int) -> str:
    return _serializer().dumps({"u": user_id})


def user_id_for(token: str) -> int | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    return data.get("u") if isinstance(data, dict) and isinstance(data.get("u"), int) else None
