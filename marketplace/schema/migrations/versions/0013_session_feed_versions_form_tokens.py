"""session and feed versions, one-time form tokens

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 21:15:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A signed-out or re-passworded session, and a reset calendar-feed address, stop working server-side.
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("feed_version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "form_submission",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index(op.f("ix_form_submission_user_id"), "form_submission", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_form_submission_user_id"), table_name="form_submission")
    op.drop_table("form_submission")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("feed_version")
        batch.drop_column("session_version")
