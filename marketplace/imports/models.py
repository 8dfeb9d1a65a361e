from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from marketplace.core.db import enum_type, utcnow
from marketplace.imports.enums import FileKind, ImportStage, ImportStatus


class ImportBatch(SQLModel, table=True):
    """One uploaded portfolio file and the progress of importing it (the row the UI polls)."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    incubator_id: int = Field(foreign_key="organisation.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    filename: str = Field(default="", max_length=255)
    kind: FileKind = Field(sa_type=enum_type(FileKind))
    status: ImportStatus = Field(default=ImportStatus.UPLOADED, sa_type=enum_type(ImportStatus))
    stage: ImportStage = Field(default=ImportStage.PARSED, sa_type=enum_type(ImportStage))
    headers: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    mapping: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    total_rows: int = 0
    processed_rows: int = 0
    embedded_rows: int = 0
    counts: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)
    rejections: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    touched_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    # Rows that made a separate profile because they match one only other incubators list:
    # {"row", "startup_id", "existing_id"} (imports.services.LikelyDuplicate).
    likely_duplicates: list[dict] = Field(default_factory=list, sa_type=sa.JSON)
    error: str = Field(default="", sa_type=sa.Text)
    # The uploaded bytes, kept only until the import finishes (unless KEEP_UPLOADS is set).
    data: bytes = Field(default=b"", sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        """Overall progress: saving rows is the first 60%, embedding the next 35%, indexing the rest."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        saved = 60 * self.processed_rows / self.total_rows
        touched = len(self.touched_ids) or 1
        embedded = 35 * min(self.embedded_rows, touched) / touched if self.stage != ImportStage.PARSED else 0
        return int(min(99, saved + (embedded if self.processed_rows >= self.total_rows else 0)))
