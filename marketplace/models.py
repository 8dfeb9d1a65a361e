"""Imports every table so that SQLModel.metadata is complete (for Alembic and tests)."""

from marketplace.accounts.models import ApiToken, Organisation, User
from marketplace.audit.models import AuditEvent
from marketplace.imports.models import ImportBatch
from marketplace.matchmaking.models import ProfileVector
from marketplace.needs.models import Need, NeedAudience, NeedTermsAcceptance
from marketplace.notifications.models import Notification, OutboxMessage
from marketplace.startups.models import Listing, Startup
from marketplace.workflow.models import Candidate, NeedVisit, PitchDeck, Vote

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Candidate",
    "ImportBatch",
    "Listing",
    "Need",
    "NeedAudience",
    "NeedTermsAcceptance",
    "Notification",
    "NeedVisit",
    "Organisation",
    "ProfileVector",
    "OutboxMessage",
    "PitchDeck",
    "Startup",
    "User",
    "Vote",
]
