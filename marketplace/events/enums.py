from enum import StrEnum

from flask_babel import lazy_gettext as _l


class EventStatus(StrEnum):
    PLANNING = "planning"
    APPLICATIONS_OPEN = "applications_open"
    SHORTLISTING = "shortlisting"
    SCHEDULED = "scheduled"
    LIVE = "live"
    CLOSED = "closed"

    @property
    def label(self):
        return {
            EventStatus.PLANNING: _l("Planning"),
            EventStatus.APPLICATIONS_OPEN: _l("Applications open"),
            EventStatus.SHORTLISTING: _l("Shortlisting"),
            EventStatus.SCHEDULED: _l("Scheduled"),
            EventStatus.LIVE: _l("Live"),
            EventStatus.CLOSED: _l("Closed"),
        }[self]
