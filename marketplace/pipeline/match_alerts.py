"""Match alerts: when startups arrive, each published need is re-ranked in the background and its
bank unit hears if newcomers now rank among its best matches."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa

from marketplace.core.db import db, utcnow
from marketplace.needs.models import Need
from marketplace.needs.queries import open_needs_clause
from marketplace.notifications.services import link_for, notify
from marketplace.pipeline.notices import bank_side
from marketplace.rankings.services import top_startup_ids_for_need
from marketplace.startups.models import Startup

# A newcomer is worth an alert when it ranks among a need's best this many.
ALERT_TOP_K = 10
# Only startups created this recently count as arrivals (an edit of an old profile alerts nobody).
ARRIVAL_WINDOW = timedelta(days=2)


def alert_new_matches(startup_ids: Iterable[int]) -> int:
    """Re-ranks every published need and tells its unit's staff how many of these newly arrived
    startups now rank in its top ALERT_TOP_K; returns how many notifications were made. Run after
    the startups are in the index (the indexing and import jobs call it)."""
    since = utcnow() - ARRIVAL_WINDOW
    ids = list(set(startup_ids))
    if not ids:
        return 0
    arrived = set(db.session.scalars(sa.select(Startup.id).where(Startup.id.in_(ids), Startup.created_at >= since)))
    if not arrived:
        return 0
    made = 0
    for need in db.session.scalars(sa.select(Need).where(open_needs_clause()).order_by(Need.id)):
        hits = sorted(arrived & set(top_startup_ids_for_need(need, k=ALERT_TOP_K)))
        if not hits:
            continue
        key = hashlib.sha1(",".join(map(str, hits)).encode()).hexdigest()[:16]
        made += len(
            notify(
                bank_side(need),
                kind="new_matches",
                params={"count": len(hits), "title": need.title},
                link=link_for("needs.detail", need_id=need.id) + "#matches",
                dedupe_key=f"new_matches:{need.id}:{key}",
            )
        )
    return made
