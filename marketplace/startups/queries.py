from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Organisation
from marketplace.core.db import db
from marketplace.core.errors import NotFound
from marketplace.core.list_queries import Page, json_list_contains, json_list_empty, paginate
from marketplace.core.taxonomy import StartupStage
from marketplace.startups.models import Listing, Startup


def startup_directory(
    *,
    sector: str | None = None,
    stage: StartupStage | None = None,
    incubator_id: int | None = None,
    page: int = 1,
    per_page: int = 24,
) -> Page[Startup]:
    """Startups matching the structured filters, by name (text search ranks through matchmaking)."""
    query = sa.select(Startup)
    if sector:
        query = query.where(in_sector(sector))
    if stage:
        query = query.where(Startup.stage == stage)
    if incubator_id:
        query = query.where(sa.exists().where(Listing.startup_id == Startup.id, Listing.incubator_id == incubator_id))
    return paginate(query.order_by(Startup.name, Startup.id), page=page, per_page=per_page)


def startup_by_id(startup_id: int) -> Startup:
    startup = db.session.get(Startup, startup_id)
    if startup is None:
        raise NotFound()
    return startup


def listings_for_startup(startup_id: int) -> list[tuple[Listing, Organisation]]:
    rows = db.session.execute(
        sa.select(Listing, Organisation)
        .join(Organisation, Organisation.id == Listing.incubator_id)
        .where(Listing.startup_id == startup_id)
        .order_by(Organisation.name)
    )
    return [(listing, org) for listing, org in rows]


def listings(
    *, incubator_id: int | None = None, startup_id: int | None = None, page: int = 1, per_page: int = 24
) -> Page[Listing]:
    """Which incubator lists which startup, oldest first."""
    query = sa.select(Listing).order_by(Listing.id)
    if incubator_id:
        query = query.where(Listing.incubator_id == incubator_id)
    if startup_id:
        query = query.where(Listing.startup_id == startup_id)
    return paginate(query, page=page, per_page=per_page)


def incubator_ids_for_startup(startup_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Listing.incubator_id).where(Listing.startup_id == startup_id)))


def startup_count_for_incubator(incubator_id: int) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Listing).where(Listing.incubator_id == incubator_id))
        or 0
    )


def startup_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Startup)) or 0


def startup_ids_where(
    *,
    sector: str | None = None,
    stage: StartupStage | None = None,
    country: str | None = None,
    founded_from: int | None = None,
    incubator_id: int | None = None,
) -> set[int] | None:
    """Ids passing the structured filters, or None when no filter is set."""
    clauses = []
    if sector:
        clauses.append(in_sector(sector))
    if stage:
        clauses.append(Startup.stage == stage)
    if country:
        clauses.append(sa.func.lower(Startup.country) == country.strip().lower())
    if founded_from:
        clauses.append(Startup.founded_year >= founded_from)
    if incubator_id:
        clauses.append(sa.exists().where(Listing.startup_id == Startup.id, Listing.incubator_id == incubator_id))
    if not clauses:
        return None
    return set(db.session.scalars(sa.select(Startup.id).where(*clauses)))


def countries() -> list[str]:
    return [c for c in db.session.scalars(sa.select(Startup.country).distinct().order_by(Startup.country)) if c]


def in_sector(sector: str):
    """Startups of a sector: tagged with it, or (untagged) with it suggested from their text."""
    return sa.or_(
        json_list_contains(Startup.sectors, sector),
        sa.and_(json_list_empty(Startup.sectors), json_list_contains(Startup.suggested_sectors, sector)),
    )


def startups_with_suggested_sectors(ids, *, limit: int | None = None) -> list[Startup]:
    """Of the given startups, those without sectors that have suggested ones, by name."""
    ids = list(ids)
    if not ids:
        return []
    query = (
        sa.select(Startup)
        .where(Startup.id.in_(ids), ~json_list_empty(Startup.suggested_sectors), json_list_empty(Startup.sectors))
        .order_by(Startup.name)
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))
