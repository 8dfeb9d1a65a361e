from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.core.db import db


def history_for(
    entity: str, entity_id: int, *, action: str | None = None, since: datetime | None = None
) -> list[tuple[AuditEvent, User | None]]:
    """Audit rows of one record (from ``since`` on, if given), oldest first, with who made them."""
    query = (
        sa.select(AuditEvent, User)
        .join(User, User.id == AuditEvent.actor_id, isouter=True)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return [(event, user) for event, user in db.session.execute(query)]


def latest_changes(entity: str, entity_id: int, *, actions: tuple[str, ...], count: int) -> list[AuditEvent]:
    """The ``count`` newest audit rows of the given actions on one record, newest first."""
    if count <= 0:
        return []
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id, AuditEvent.action.in_(actions))
            .order_by(AuditEvent.id.desc())
            .limit(count)
        )
    )
