from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from marketplace.core.db import enum_type, utcnow
from marketplace.core.list_queries import slugify
from marketplace.core.validation import clean_text, rule_error
from marketplace.events.enums import EventStatus


def default_rubric() -> list[dict]:
    """What judges score, 1–5 each, and how much each counts (weights add up to 100)."""
    return [
        {"key": "fit", "label": "Technical fit", "weight": 30},
        {"key": "value", "label": "Business value", "weight": 30},
        {"key": "team", "label": "Team", "weight": 20},
        {"key": "feasibility", "label": "Feasibility", "weight": 20},
    ]


class EventFields(SQLModel):
    """What an organiser sets up for a matchmaking day; the rules every entry point validates against."""

    name: str = Field(min_length=3, max_length=200)
    starts_on: date
    days: int = Field(default=1, ge=1, le=3)
    venue: str = Field(default="", max_length=300)
    online_link: str = Field(default="", max_length=500)
    # The time grid, in minutes after midnight: each day from day_start to day_end in slots of
    # slot_minutes, minus the breaks ([[start, end], ...]).
    day_start: int = Field(default=9 * 60, ge=0, le=24 * 60)
    day_end: int = Field(default=17 * 60 + 30, ge=0, le=24 * 60)
    slot_minutes: int = Field(default=20, ge=5, le=120)
    breaks: list[list[int]] = Field(default_factory=lambda: [[12 * 60, 13 * 60]], sa_type=sa.JSON)
    # Slots a startup needs between two of its pitches (to change rooms).
    changeover_slots: int = Field(default=1, ge=0, le=6)
    application_deadline: date | None = Field(default=None)
    # What judges score (criteria with weights) and the scheduler's soft-term weights that differ
    # from its defaults.
    rubric: list[dict] = Field(default_factory=default_rubric, sa_type=sa.JSON)
    weights: dict = Field(default_factory=dict, sa_type=sa.JSON)


class EventInput(EventFields):
    """Validated input for creating or editing an event."""

    @field_validator("name", "venue", "online_link", mode="before")
    @classmethod
    def _strip(cls, value):
        return clean_text(value)

    @field_validator("online_link")
    @classmethod
    def _link(cls, value: str):
        if value and not value.lower().startswith(("https://", "http://")):
            raise rule_error("bad_link")
        return value

    @field_validator("day_end")
    @classmethod
    def _day_order(cls, value, info: ValidationInfo):
        start = info.data.get("day_start")
        if start is not None and value <= start:
            raise rule_error("day_order")
        return value

    @field_validator("breaks")
    @classmethod
    def _breaks(cls, value, info: ValidationInfo):
        start, end = info.data.get("day_start", 0), info.data.get("day_end", 24 * 60)
        for item in value:
            if len(item) != 2 or not start <= item[0] < item[1] <= end:
                raise rule_error("bad_break")
        return [list(map(int, item)) for item in value]

    @field_validator("rubric")
    @classmethod
    def _rubric(cls, value):
        if not 1 <= len(value) <= 8:
            raise rule_error("bad_rubric")
        clean, keys = [], set()
        for item in value:
            label = str(item.get("label", "")).strip()[:60]
            try:
                weight = int(item.get("weight"))
            except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
                raise rule_error("bad_rubric") from None
            key = str(item.get("key") or _DEFAULT_KEYS.get(label) or slugify(label, "criterion"))[:40]
            if not label or not 1 <= weight <= 100 or key in keys:
                raise rule_error("bad_rubric")
            keys.add(key)
            clean.append({"key": key, "label": label, "weight": weight})
        return clean

    @field_validator("weights")
    @classmethod
    def _weights(cls, value):
        clean = {}
        for name, number in value.items():
            try:
                number = float(number)
            except (TypeError, ValueError):
                raise rule_error("bad_weights") from None
            if name not in SOFT_TERMS or not 0 <= number <= 100:
                raise rule_error("bad_weights")
            clean[name] = number
        return clean


_DEFAULT_KEYS = {c["label"]: c["key"] for c in default_rubric()}
# The scheduler's soft terms an organiser may weigh (scheduling.model.Weights).
SOFT_TERMS = ("need_rooms", "need_blocks", "panel_room_changes", "late_rank", "room_balance", "half_days", "room_gaps")


class Event(EventFields, table=True):
    """A matchmaking day (or two, or three): needs, rooms, pitches, a schedule and scores."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    status: EventStatus = Field(default=EventStatus.PLANNING, sa_type=enum_type(EventStatus), index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


class EventRoom(SQLModel, table=True):
    __tablename__ = "event_room"
    __table_args__ = (sa.UniqueConstraint("event_id", "name", name="uq_event_room_name"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    position: int = Field(default=0)


class EventNeed(SQLModel, table=True):
    """A need whose shortlisted candidates pitch at the event."""

    __tablename__ = "event_need"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    need_id: int = Field(foreign_key="need.id", primary_key=True)
    # Slots one pitch of this need takes (20-minute slots: 1 = a 20-minute pitch).
    pitch_slots: int = Field(default=1, ge=1, le=6)


class EventIncubator(SQLModel, table=True):
    """An incubator invited to the event (its startups may apply to the included needs)."""

    __tablename__ = "event_incubator"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)


class Pitch(SQLModel, table=True):
    """A shortlisted candidate's slot in the roadshow: where and when (empty until scheduled)."""

    __table_args__ = (sa.UniqueConstraint("event_id", "candidate_id", name="uq_pitch_event_candidate"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    room_id: int | None = Field(default=None, foreign_key="event_room.id")
    start_slot: int | None = Field(default=None)
    pinned: bool = Field(default=False)
    cancelled: bool = Field(default=False)
    version: int = Field(default=1)


class Unavailability(SQLModel, table=True):
    """A slot a panel member (user_id) or a startup (startup_id) cannot make; exactly one is set."""

    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (startup_id IS NULL)", name="ck_unavailability_one_party"),
        sa.Index("ix_unavailability_event", "event_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    startup_id: int | None = Field(default=None, foreign_key="startup.id")
    slot: int


class ScheduleRun(SQLModel, table=True):
    """One run of the scheduler for an event: its progress while it runs, its answer after."""

    __tablename__ = "schedule_run"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    status: str = Field(default="queued", max_length=20)  # queued, running, done, failed
    progress: str = Field(default="", max_length=300)
    # status, objective, bound, gap, seconds, reasons, moved: what the solver reported.
    result: dict = Field(default_factory=dict, sa_type=sa.JSON)
    requested_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = Field(default=None)


class Score(SQLModel, table=True):
    """One judge's scores for one pitch: a 1–5 mark per rubric criterion, and a comment."""

    __table_args__ = (sa.UniqueConstraint("pitch_id", "judge_id", name="uq_score_pitch_judge"),)

    id: int | None = Field(default=None, primary_key=True)
    pitch_id: int = Field(foreign_key="pitch.id", index=True, ondelete="CASCADE")
    judge_id: int = Field(foreign_key="user.id", index=True)
    marks: dict = Field(default_factory=dict, sa_type=sa.JSON)
    comment: str = Field(default="", max_length=2000, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
