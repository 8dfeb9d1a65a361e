"""events

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 12:03:32.096999
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("venue", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("online_link", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("day_start", sa.Integer(), nullable=False),
        sa.Column("day_end", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("breaks", sa.JSON(), nullable=False),
        sa.Column("changeover_slots", sa.Integer(), nullable=False),
        sa.Column("application_deadline", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planning",
                "applications_open",
                "shortlisting",
                "scheduled",
                "live",
                "closed",
                name="eventstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_slug"), ["slug"], unique=True)
        batch_op.create_index(batch_op.f("ix_event_status"), ["status"], unique=False)

    op.create_table(
        "event_incubator",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("event_id", "organisation_id"),
    )
    op.create_table(
        "event_need",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("pitch_slots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.PrimaryKeyConstraint("event_id", "need_id"),
    )
    op.create_table(
        "event_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "name", name="uq_event_room_name"),
    )
    with op.batch_alter_table("event_room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_room_event_id"), ["event_id"], unique=False)

    op.create_table(
        "schedule_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("progress", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("schedule_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_run_event_id"), ["event_id"], unique=False)

    op.create_table(
        "unavailability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("startup_id", sa.Integer(), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.CheckConstraint("(user_id IS NULL) <> (startup_id IS NULL)", name="ck_unavailability_one_party"),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["startup_id"],
            ["startup.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unavailability", schema=None) as batch_op:
        batch_op.create_index("ix_unavailability_event", ["event_id"], unique=False)

    op.create_table(
        "pitch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("start_slot", sa.Integer(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
        ),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["event_room.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "candidate_id", name="uq_pitch_event_candidate"),
    )
    with op.batch_alter_table("pitch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pitch_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pitch_event_id"), ["event_id"], unique=False)

    op.create_table(
        "score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pitch_id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["judge_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(["pitch_id"], ["pitch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pitch_id", "judge_id", name="uq_score_pitch_judge"),
    )
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_judge_id"), ["judge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_score_pitch_id"), ["pitch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_pitch_id"))
        batch_op.drop_index(batch_op.f("ix_score_judge_id"))

    op.drop_table("score")
    with op.batch_alter_table("pitch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitch_event_id"))
        batch_op.drop_index(batch_op.f("ix_pitch_candidate_id"))

    op.drop_table("pitch")
    with op.batch_alter_table("unavailability", schema=None) as batch_op:
        batch_op.drop_index("ix_unavailability_event")

    op.drop_table("unavailability")
    with op.batch_alter_table("schedule_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_run_event_id"))

    op.drop_table("schedule_run")
    with op.batch_alter_table("event_room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_room_event_id"))

    op.drop_table("event_room")
    op.drop_table("event_need")
    op.drop_table("event_incubator")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_status"))
        batch_op.drop_index(batch_op.f("ix_event_slug"))

    op.drop_table("event")
