from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.db import utcnow


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
