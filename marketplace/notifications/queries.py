from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.db import db
from marketplace.core.list_queries import Page, paginate
from marketplace.notifications.models import Notification


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def notifications_for(user: User, *, page: int = 1, per_page: int = 30) -> Page[Notification]:
    """The user's notifications, newest first."""
    query = (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return paginate(query, page=page, per_page=per_page)


def notification_of(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
