"""startup suggested sectors

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sectors inferred from an untagged profile's text, until someone who may edit it confirms them.
    with op.batch_alter_table("startup") as batch:
        batch.add_column(sa.Column("suggested_sectors", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("startup") as batch:
        batch.drop_column("suggested_sectors")
