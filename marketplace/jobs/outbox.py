"""The job outbox: with Redis, every job is first a row written in the same transaction as the change that
caused it, then sent to rq after the commit and the row deleted.

So a job is never lost to a Redis outage (or a crash between commit and send): when Redis does not answer,
the row stays, the person is told their background work is waiting, and `relay_pending_jobs` sends it later
(every minute from the clock, and whenever a worker starts). A job may be sent twice in a rare race (sent,
then the delete fails); every job is safe to run twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.core.db import db, unit_of_work, utcnow

log = logging.getLogger(__name__)

RELAY_BATCH = 500


class PendingJob(SQLModel, table=True):
    """A job committed but not yet handed to rq."""

    __tablename__ = "pending_job"

    id: int | None = Field(default=None, primary_key=True)
    # The job function's import path, e.g. marketplace.imports.jobs.run_import (rq imports it by name).
    func: str = Field(max_length=200)
    queue: str = Field(max_length=40)
    kwargs: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    request_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


def send_pending(ids: list[int] | None, push) -> int:
    """Sends pending jobs (these ``ids``, or the oldest RELAY_BATCH) with ``push(row)`` and deletes each sent row.

    Rows another process is sending right now are skipped (row locks on PostgreSQL). Raises what ``push``
    raises (e.g. Redis down) after keeping the rows sent so far deleted.
    """
    sent = 0
    query = sa.select(PendingJob).order_by(PendingJob.id).with_for_update(skip_locked=True)
    query = query.where(PendingJob.id.in_(ids)) if ids is not None else query.limit(RELAY_BATCH)
    failure: Exception | None = None
    with unit_of_work():  # commits the deletes of what was sent, even when a later push fails
        for row in db.session.scalars(query).all():
            try:
                push(row)
            except Exception as exc:  # noqa: BLE001 - re-raised below, after the commit
                failure = exc
                break
            db.session.delete(row)
            sent += 1
    if failure is not None:
        raise failure
    return sent


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PendingJob)) or 0
