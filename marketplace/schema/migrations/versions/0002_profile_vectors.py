"""profile vectors

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:24:53.426894
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_vector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("startup", "need", name="profilekind", native_enum=False, length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("sentences", sa.JSON(), nullable=False),
        sa.Column("sentence_vectors", sa.LargeBinary(), nullable=False),
        sa.Column("tokens", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "entity_id", "model", name="uq_profile_vector"),
    )
    with op.batch_alter_table("profile_vector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_vector_entity_id"), ["entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("profile_vector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_vector_entity_id"))

    op.drop_table("profile_vector")
