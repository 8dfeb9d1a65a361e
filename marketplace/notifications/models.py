from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.core.db import utcnow


class Notification(SQLModel, table=True):
    """Something a person should know, shown in the app and (by their digest preference) emailed.

    The text is rendered in the reader's language when shown, from ``kind`` and ``params``.
    ``dedupe_key`` makes a notification that must happen once (a deadline reminder) idempotent.
    """

    __table_args__ = (sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notification_user_dedupe"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=40)
    params: dict = Field(default_factory=dict, sa_type=sa.JSON)
    link: str = Field(default="", max_length=300)
    dedupe_key: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = Field(default=None)
    # Set once the notification went out by email, alone or in a digest.
    mailed_at: datetime | None = Field(default=None)


class OutboxMessage(SQLModel, table=True):
    """An email waiting to be delivered, or delivered (sent_at set)."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_type=sa.Text)
