from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.core.db import enum_type, utcnow
from marketplace.pipeline.enums import CandidateSource, CandidateStage


class Candidate(SQLModel, table=True):
    """A startup in the pipeline of a need."""

    __table_args__ = (sa.UniqueConstraint("need_id", "startup_id", name="uq_candidate_need_startup"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    startup_id: int = Field(foreign_key="startup.id", index=True)
    stage: CandidateStage = Field(default=CandidateStage.SUGGESTED, sa_type=enum_type(CandidateStage))
    source: CandidateSource = Field(sa_type=enum_type(CandidateSource))
    nominated_by_id: int | None = Field(default=None, foreign_key="organisation.id")
    note: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
    # When the startup's side chose this need (applied, accepted an invitation, was nominated):
    # from then on the bank unit sees its contact details and the startup's side the need's.
    opted_in_at: datetime | None = Field(default=None)
    # When the startup's side first learned of this candidate (invited, or it chose the need itself).
    # Until then it is the bank's private consideration: the incubator neither sees nor moves it.
    shared_at: datetime | None = Field(default=None)


class PitchDeck(SQLModel, table=True):
    """The PDF an incubator attached to a nomination; kept in the database so a nomination and its
    file are written, or not, together."""

    __tablename__ = "pitch_deck"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    size_bytes: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_type=sa.LargeBinary)
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Vote(SQLModel, table=True):
    """A bank staff member wants to see this startup for this need (one per person, startup and need)."""

    __table_args__ = (sa.UniqueConstraint("need_id", "startup_id", "user_id", name="uq_vote_need_startup_user"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    startup_id: int = Field(foreign_key="startup.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class NeedVisit(SQLModel, table=True):
    """When a person last opened a need's workspace, to mark what arrived since."""

    __tablename__ = "need_visit"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    need_id: int = Field(foreign_key="need.id", primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow)
