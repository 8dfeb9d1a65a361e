"""votes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:53:32.725041
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("startup_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
        ),
        sa.ForeignKeyConstraint(
            ["startup_id"],
            ["startup.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "startup_id", "user_id", name="uq_vote_need_startup_user"),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_need_id"), ["need_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_startup_id"), ["startup_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_startup_id"))
        batch_op.drop_index(batch_op.f("ix_vote_need_id"))

    op.drop_table("vote")
