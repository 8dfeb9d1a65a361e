from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.accounts.enums import DigestPreference, OrganisationKind, UserRole
from marketplace.core.db import enum_type, utcnow


class Organisation(SQLModel, table=True):
    """A bank unit, an incubator/accelerator, or the organiser running the platform."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    name_zh: str = Field(default="", max_length=200)
    kind: OrganisationKind = Field(sa_type=enum_type(OrganisationKind), index=True)
    description: str = Field(default="", sa_type=sa.Text)
    website: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)

    def display_name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") and self.name_zh else self.name


class User(SQLModel, table=True):
    """A person who signs in; belongs to exactly one organisation."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    role: UserRole = Field(sa_type=enum_type(UserRole))
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    password_hash: str = Field(max_length=255)
    locale: str = Field(default="en", max_length=16)
    active: bool = Field(default=True)
    digest: DigestPreference = Field(default=DigestPreference.IMMEDIATE, sa_type=enum_type(DigestPreference))
    created_at: datetime = Field(default_factory=utcnow)
    # Signed into the session cookie; bumped on sign-out and password change, so older cookies stop working.
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Signed into the calendar-feed URL; bumped when the person resets their feed address.
    feed_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version ("7:3"), so the user loader
        (``accounts.views.load_user``) can refuse a cookie from before a sign-out or a password change."""
        return f"{self.id}:{self.session_version}"


class ApiToken(SQLModel, table=True):
    """A per-user token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=12)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    can_write: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class FormSubmission(SQLModel, table=True):
    """A one-time token handed out with a create form: the first submit creates, a resubmit of the same form
    (double click, back button, retry) finds the row and goes to what the first one made."""

    __tablename__ = "form_submission"

    token: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    target_url: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
