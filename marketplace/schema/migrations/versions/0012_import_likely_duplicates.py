"""import batch likely duplicates

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows of an import that matched a profile only other incubators list: imported as separate profiles.
    with op.batch_alter_table("import_batch") as batch:
        batch.add_column(sa.Column("likely_duplicates", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("import_batch") as batch:
        batch.drop_column("likely_duplicates")
