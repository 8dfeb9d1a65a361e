"""API tokens: created once (the secret is shown a single time), stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import ApiToken, User
from marketplace.audit.services import record_change
from marketplace.core.db import db, utcnow
from marketplace.core.errors import InvalidInput, PermissionDenied

PREFIX = "imt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, user: User, name: str, can_write: bool) -> tuple[ApiToken, str]:
    """Adds a token for ``user``; returns it with the secret, which is not stored anywhere."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Give the token a name, e.g. the system that will use it.")]})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:100], prefix=secret[:12], token_hash=_digest(secret), can_write=can_write
    )
    db.session.add(token)
    db.session.flush()
    record_change(
        actor_id=user.id,
        action="api_token.create",
        entity="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix, "can_write": token.can_write},
    )
    return token, secret


def revoke_token(*, user: User, token: ApiToken) -> None:
    """Ends the token now (an audit row says who); revoking twice changes nothing."""
    if token.user_id != user.id:
        raise PermissionDenied()
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record_change(
        actor_id=user.id,
        action="api_token.revoke",
        entity="api_token",
        entity_id=token.id,
        after={"name": token.name, "prefix": token.prefix},
    )


def tokens_for_user(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens; None for a token that is not there or is someone else's."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def user_for_secret(secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a live token, or None."""
    if not secret.startswith(PREFIX):
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    return user, token


# A token's last use is written at most this often: bookkeeping, not an audit trail (every request would
# otherwise be a write).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def stamp_last_use(token_id: int) -> None:
    """Notes that the token was used now (unless it was within ``LAST_USED_RESOLUTION``)."""
    now = utcnow()
    db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token_id,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )
