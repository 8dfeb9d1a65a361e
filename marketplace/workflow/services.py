from __future__ import annotations

import sqlalchemy as sa

from marketplace.db import db
from marketplace.workflow.models import Candidate


def move_candidates(*, from_startup_id: int, to_startup_id: int) -> tuple[list[int], list[dict]]:
    """Re-points a startup's pipeline candidates to another startup (a merge).

    A need that already has the target as a candidate keeps that one; the other is removed
    and returned as (need, stage) for the audit trail. Returns (moved ids, removed).
    """
    kept_needs = set(db.session.scalars(sa.select(Candidate.need_id).where(Candidate.startup_id == to_startup_id)))
    moved, removed = [], []
    for candidate in db.session.scalars(sa.select(Candidate).where(Candidate.startup_id == from_startup_id)).all():
        if candidate.need_id in kept_needs:
            removed.append({"need_id": candidate.need_id, "stage": candidate.stage.value})
            db.session.delete(candidate)
        else:
            candidate.startup_id = to_startup_id
            moved.append(candidate.id)
    db.session.flush()
    return moved, removed
