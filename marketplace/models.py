"""Imports every table so that SQLModel.metadata is complete (for Alembic and tests)."""

from marketplace.accounts.models import ApiToken, Organisation, User
from marketplace.audit.models import AuditEvent
from marketplace.imports.models import ImportBatch
from marketplace.matchmaking.models import ProfileVector
from marketplace.needs.models import Need, NeedAudience
from marketplace.notifications.models import OutboxMessage
from marketplace.startups.models import Listing, Startup
from marketplace.workflow.models import Candidate, NeedVisit, Vote

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Candidate",
    "ImportBatch",
    "Listing",
    "Need",
    "NeedAudience",
    "NeedVisit",
    "Organisation",
    "ProfileVector",
    "OutboxMessage",
    "Startup",
    "User",
    "Vote",
]
