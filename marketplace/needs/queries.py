from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.db import db
from marketplace.core.errors import NotFound
from marketplace.core.list_queries import Page, json_list_contains, paginate, text_matches
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need, NeedAudience, NeedTermsAcceptance
from marketplace.needs.rules import can_view_need, readable_needs_clause, visible_needs_clause

# The status filter's extra choice: published needs whose deadline has not passed (lifecycle.is_open).
OPEN = "open"


def open_needs_clause(day=None):
    """Needs open for nominations: published, the deadline not passed (lifecycle.is_open in SQL)."""
    return sa.and_(
        Need.status == NeedStatus.PUBLISHED,
        sa.or_(Need.deadline.is_(None), Need.deadline >= (day or lifecycle.today())),
    )


def needs_for_user(
    user: User,
    *,
    sector: str | None = None,
    status: NeedStatus | str | None = None,
    text: str = "",
    owner_id: int | None = None,
    page: int = 1,
    per_page: int = 24,
) -> Page[Need]:
    """The needs ``user`` may see, filtered, newest first; ``status=OPEN`` keeps those open for nominations."""
    query = sa.select(Need).where(visible_needs_clause(user))
    if sector:
        query = query.where(json_list_contains(Need.sector_tags, sector))
    if status == OPEN:
        query = query.where(open_needs_clause())
    elif status:
        query = query.where(Need.status == status)
    if owner_id:
        query = query.where(Need.owner_id == owner_id)
    if text.strip():
        # The description is searched only where the user may read it: a confidential need's hidden text
        # must not answer a search (each word would be an oracle on it).
        readable_description = sa.case((readable_needs_clause(user), Need.description), else_="")
        query = query.where(text_matches(text, Need.title, Need.summary, readable_description))
    query = query.order_by(Need.updated_at.desc(), Need.id.desc())
    return paginate(query, page=page, per_page=per_page)


def visible_need_ids(user: User, ids: set[int]) -> set[int]:
    """Those of ``ids`` that ``user`` may see."""
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Need.id).where(Need.id.in_(ids), visible_needs_clause(user))))


def readable_need_ids(user: User, ids: set[int]) -> set[int]:
    """Those of ``ids`` whose full text ``user`` may read (needs.rules.readable_needs_clause)."""
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Need.id).where(Need.id.in_(ids), readable_needs_clause(user))))


def audience_ids_for_need(need_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(NeedAudience.organisation_id).where(NeedAudience.need_id == need_id)))


def need_for_user(user: User, need_id: int) -> Need:
    """The need, if ``user`` may see it; NotFound otherwise, so ids cannot be probed."""
    need = db.session.get(Need, need_id)
    if need is None:
        raise NotFound()
    invited = user.organisation_id in audience_ids_for_need(need.id)
    if not can_view_need(user, need, invited=invited):
        raise NotFound()
    return need


def need_counts_by_status(user: User) -> dict[NeedStatus, int]:
    rows = db.session.execute(
        sa.select(Need.status, sa.func.count()).where(visible_needs_clause(user)).group_by(Need.status)
    )
    counts = {status: 0 for status in NeedStatus}
    for status, count in rows:
        counts[NeedStatus(status)] = count
    return counts


def has_accepted_terms(need_id: int, organisation_id: int) -> bool:
    return db.session.get(NeedTermsAcceptance, (need_id, organisation_id)) is not None


def terms_acceptance(need_id: int, organisation_id: int) -> NeedTermsAcceptance | None:
    return db.session.get(NeedTermsAcceptance, (need_id, organisation_id))
