from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.rules import organisers_clause
from marketplace.core.db import db


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))


def organisations_of_kind(kind: OrganisationKind) -> list[Organisation]:
    return list(
        db.session.scalars(sa.select(Organisation).where(Organisation.kind == kind).order_by(Organisation.name))
    )


def organisations_by_id(ids) -> dict[int, Organisation]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)))
    return {o.id: o for o in rows}


def organisers() -> list[User]:
    """Active organisers, who review needs."""
    return list(db.session.scalars(sa.select(User).where(organisers_clause(), User.active.is_(True)).order_by(User.id)))
