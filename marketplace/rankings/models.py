from __future__ import annotations

from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.core.db import enum_type, utcnow
from marketplace.rankings.enums import ProfileKind


class ProfileVector(SQLModel, table=True):
    """A profile's embedding under one model, keyed by the hash of the text it was computed from.

    Derived data: it can always be recomputed from the profile, and the search index is
    rebuilt from these rows alone.
    """

    __tablename__ = "profile_vector"
    __table_args__ = (sa.UniqueConstraint("kind", "entity_id", "model", name="uq_profile_vector"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: ProfileKind = Field(sa_type=enum_type(ProfileKind))
    entity_id: int = Field(index=True)
    model: str = Field(max_length=200)
    content_hash: str = Field(max_length=64)
    vector: bytes = Field(sa_type=sa.LargeBinary)
    sentences: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # One float16 row per sentence, for explanations.
    sentence_vectors: bytes = Field(default=b"", sa_type=sa.LargeBinary)
    tokens: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    labels: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    updated_at: datetime = Field(default_factory=utcnow)

    def as_array(self) -> np.ndarray:
        return np.frombuffer(self.vector, dtype=np.float32)

    def sentence_array(self) -> np.ndarray:
        data = np.frombuffer(self.sentence_vectors, dtype=np.float16).astype(np.float32)
        return data.reshape(len(self.sentences), -1) if self.sentences else data.reshape(0, 0)
