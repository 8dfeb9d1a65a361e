"""Deadline reminders: incubators hear that a need closes soon, the owning unit that it has closed."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.core.db import db
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.needs.services import audience_managers
from marketplace.notifications.services import link_for, notify
from marketplace.pipeline.notices import bank_side
from marketplace.pipeline.queries import open_candidate_count

# Incubators are reminded this many days before a need's deadline.
REMIND_DAYS_BEFORE = 3


def remind_deadlines(today: date | None = None) -> int:
    """Notifies, once per need and deadline: the managers of incubators a published need is open to
    when it closes within REMIND_DAYS_BEFORE days, and the owning unit's staff the day after it
    closed, with how many candidates wait. Returns how many notifications were made."""
    today = today or lifecycle.today()
    made = 0
    soon = db.session.scalars(
        sa.select(Need).where(
            Need.status == NeedStatus.PUBLISHED,
            Need.deadline.is_not(None),
            Need.deadline >= today,
            Need.deadline <= today + timedelta(days=REMIND_DAYS_BEFORE),
        )
    ).all()
    for need in soon:
        made += len(
            notify(
                audience_managers(need),
                kind="deadline_soon",
                params={"title": need.title, "deadline": need.deadline.isoformat()},
                link=link_for("needs.detail", need_id=need.id),
                dedupe_key=f"deadline_soon:{need.id}:{need.deadline.isoformat()}",
            )
        )
    passed = db.session.scalars(
        sa.select(Need).where(Need.status == NeedStatus.PUBLISHED, Need.deadline.is_not(None), Need.deadline < today)
    ).all()
    for need in passed:
        made += len(
            notify(
                bank_side(need),
                kind="deadline_passed",
                params={"title": need.title, "count": open_candidate_count(need.id)},
                link=link_for("needs.detail", need_id=need.id) + "#pipeline",
                dedupe_key=f"deadline_passed:{need.id}:{need.deadline.isoformat()}",
            )
        )
    return made
