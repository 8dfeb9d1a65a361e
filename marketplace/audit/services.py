from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.core.db import db


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """The named fields of ``obj`` as JSON-ready values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record_change(
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent | None:
    """Add an audit row holding only the fields that changed; no row when nothing changed.

    ``at`` backdates the row (seeding a world with a past); it defaults to now.
    """
    if before is not None and after is not None:
        changed = [k for k in after if before.get(k) != after.get(k)]
        if not changed:
            return None
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    event = AuditEvent(actor_id=actor_id, action=action, entity=entity, entity_id=entity_id, before=before, after=after)
    if at is not None:
        event.at = at
    db.session.add(event)
    db.session.flush()
    return event


def reassign_history(*, entity: str, from_id: int, to_id: int) -> None:
    """Keeps a merged record's history: its audit rows now belong to the surviving record."""
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == from_id)
        .values(entity_id=to_id)
    )
