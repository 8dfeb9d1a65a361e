"""jobs queued under their modules' new names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:10:00

The outbox stores each job as the dotted path rq imports. The app's rankings jobs were in
marketplace.matchmaking, the pipeline's in marketplace.workflow, and the outbox relay in marketplace.jobs; a job
committed before the upgrade but not yet sent to rq (Redis was down) keeps its work under the new names.
Jobs already inside rq's queues are not rows: drain the queues before upgrading (docs/architecture.md, Jobs).
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# old prefix → new prefix; a row's path starts with exactly one of them
MOVES = (
    ("marketplace.matchmaking.jobs.", "marketplace.rankings.jobs."),
    ("marketplace.workflow.jobs.", "marketplace.pipeline.jobs."),
    ("marketplace.jobs.relay_pending_jobs", "marketplace.jobs.queue.relay_pending_jobs"),
)


def _rename(old: str, new: str) -> None:
    op.execute(
        sa.text(
            "UPDATE pending_job SET func = :new || substr(func, :rest) WHERE substr(func, 1, :length) = :old"
        ).bindparams(new=new, rest=len(old) + 1, length=len(old), old=old)
    )


def upgrade() -> None:
    for old, new in MOVES:
        _rename(old, new)


def downgrade() -> None:
    for old, new in MOVES:
        _rename(new, old)
