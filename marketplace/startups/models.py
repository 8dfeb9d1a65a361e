from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from marketplace.core.db import enum_type, utcnow
from marketplace.core.places import canonical_city, canonical_country
from marketplace.core.taxonomy import ProfileRules, StartupStage
from marketplace.core.validation import check_website, rule_error


class StartupFields(SQLModel):
    """What an incubator says about a startup; the rules forms, imports and the API share."""

    name: str = Field(min_length=1, max_length=200, index=True)
    website: str = Field(default="", max_length=300)
    founded_year: int | None = Field(default=None, ge=1900)
    city: str = Field(default="", max_length=120)
    country: str = Field(default="", max_length=120)
    stage: StartupStage | None = Field(default=None, sa_type=enum_type(StartupStage))
    team_size: int | None = Field(default=None, ge=1, le=1_000_000)
    funding_raised_usd: int | None = Field(default=None, ge=0, le=10**13, sa_type=sa.BigInteger)
    description: str = Field(default="", max_length=20000, sa_type=sa.Text)
    products: str = Field(default="", max_length=5000, sa_type=sa.Text)
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sectors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    customers: str = Field(default="", max_length=5000, sa_type=sa.Text)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=254)


class StartupInput(StartupFields, ProfileRules):
    """Validated input for creating or editing a startup profile."""

    @field_validator("country")
    @classmethod
    def _country(cls, value):
        return canonical_country(value)  # one spelling per country: 中国, PRC and China are all "China"

    @field_validator("city")
    @classmethod
    def _city(cls, value):
        return canonical_city(value)

    @field_validator("website", mode="before")
    @classmethod
    def _website(cls, value):
        return check_website(value)

    @field_validator("founded_year")
    @classmethod
    def _not_future(cls, value):
        if value is not None and value > date.today().year:
            raise rule_error("founded_in_future")
        return value


class Startup(StartupFields, table=True):
    """A startup profile; one row per company however many incubators list it."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    # Sectors inferred from the text of a profile that has none (matchmaking.labels), shown as suggestions and
    # used by the sector filter until someone who may edit the profile confirms them; empty once it has sectors.
    suggested_sectors: list[str] = Field(
        default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"}
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class Listing(SQLModel, table=True):
    """An incubator represents a startup, under the incubator's own external id."""

    __table_args__ = (
        sa.UniqueConstraint("incubator_id", "startup_id", name="uq_listing_incubator_startup"),
        sa.UniqueConstraint("incubator_id", "external_id", name="uq_listing_incubator_external"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incubator_id: int = Field(foreign_key="organisation.id", index=True)
    startup_id: int = Field(foreign_key="startup.id", index=True, ondelete="CASCADE")
    external_id: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
