from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from marketplace.core.db import enum_type, utcnow
from marketplace.core.taxonomy import ProfileRules, StartupStage
from marketplace.core.validation import parse_budget, rule_error
from marketplace.needs.enums import NeedStatus, NeedVisibility, PilotHorizon


class NeedFields(SQLModel):
    """What a bank unit writes about a need; the rules every entry point validates against."""

    title: str = Field(min_length=5, max_length=200)
    summary: str = Field(min_length=10, max_length=500)
    description: str = Field(default="", max_length=20000, sa_type=sa.Text)
    scenarios: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sector_tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    technology_tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    desired_stage: StartupStage | None = Field(default=None, sa_type=enum_type(StartupStage))
    budget_min_cny: int | None = Field(default=None, ge=0, le=10**11, sa_type=sa.BigInteger)
    budget_max_cny: int | None = Field(default=None, ge=0, le=10**11, sa_type=sa.BigInteger)
    pilot_horizon: PilotHorizon = Field(default=PilotHorizon.H1, sa_type=enum_type(PilotHorizon))
    visibility: NeedVisibility = Field(default=NeedVisibility.PUBLIC, sa_type=enum_type(NeedVisibility), index=True)
    contact_name: str = Field(default="", max_length=200)
    contact_email: str = Field(default="", max_length=254)
    deadline: date | None = Field(default=None)
    # A confidential need shows incubators a teaser until their organisation accepts these terms.
    confidential: bool = Field(default=False)
    confidentiality_terms: str = Field(default="", max_length=5000, sa_type=sa.Text)


class NeedInput(NeedFields, ProfileRules):
    """Validated input for creating or editing a need."""

    @field_validator("budget_min_cny", "budget_max_cny", mode="before")
    @classmethod
    def _budget(cls, value):
        return parse_budget(value)

    @field_validator("budget_max_cny")
    @classmethod
    def _budget_order(cls, value, info: ValidationInfo):
        # A field validator (not a model one) so the error shows beside the others.
        low = info.data.get("budget_min_cny")
        if value is not None and low is not None and low > value:
            raise rule_error("budget_order")
        return value

    @field_validator("confidentiality_terms")
    @classmethod
    def _terms_when_confidential(cls, value, info: ValidationInfo):
        if info.data.get("confidential") and len(value) < 20:
            raise rule_error("confidentiality_terms")
        return value


class Need(NeedFields, table=True):
    """A bank unit's innovation need, from draft to published to closed."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    status: NeedStatus = Field(default=NeedStatus.DRAFT, sa_type=enum_type(NeedStatus), index=True)
    owner_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Bumped on every edit; later used for optimistic locking of concurrent edits.
    version: int = Field(default=1)


class NeedTermsAcceptance(SQLModel, table=True):
    """An incubator accepted a confidential need's terms: who, when, and the text they accepted."""

    __tablename__ = "need_terms_acceptance"

    need_id: int = Field(foreign_key="need.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    terms: str = Field(sa_type=sa.Text)
    accepted_at: datetime = Field(default_factory=utcnow)


class NeedAudience(SQLModel, table=True):
    """An incubator invited to see a need whose visibility is 'invited'."""

    __tablename__ = "need_audience"

    need_id: int = Field(foreign_key="need.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
