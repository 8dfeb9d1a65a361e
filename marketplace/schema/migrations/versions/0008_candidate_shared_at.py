"""candidate shared_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:16:09.041812
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shared_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # What the startup's side already knew of: its own choices and invitations.
    op.execute(
        "UPDATE candidate SET shared_at = COALESCE(opted_in_at, updated_at) "
        "WHERE opted_in_at IS NOT NULL OR stage IN ('invited', 'withdrawn')"
    )


def downgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_column("shared_at")
