"""Imports every table so that SQLModel.metadata is complete (for Alembic and tests)."""

from marketplace.accounts.models import ApiToken, FormSubmission, Organisation, User
from marketplace.audit.models import AuditEvent
from marketplace.events.models import (
    Event,
    EventIncubator,
    EventNeed,
    EventRoom,
    Pitch,
    ScheduleRun,
    Score,
    Unavailability,
)
from marketplace.imports.models import ImportBatch
from marketplace.jobs.outbox import PendingJob
from marketplace.needs.models import Need, NeedAudience, NeedTermsAcceptance
from marketplace.notifications.models import Notification, OutboxMessage
from marketplace.pipeline.models import Candidate, NeedVisit, PitchDeck, Vote
from marketplace.rankings.models import ProfileVector
from marketplace.startups.models import Listing, Startup

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Candidate",
    "Event",
    "EventIncubator",
    "EventNeed",
    "EventRoom",
    "FormSubmission",
    "ImportBatch",
    "Listing",
    "Need",
    "NeedAudience",
    "NeedTermsAcceptance",
    "Notification",
    "NeedVisit",
    "Organisation",
    "PendingJob",
    "ProfileVector",
    "ScheduleRun",
    "Score",
    "OutboxMessage",
    "Pitch",
    "PitchDeck",
    "Startup",
    "Unavailability",
    "User",
    "Vote",
]
