from flask_babel import lazy_gettext as _l

from marketplace.core.enums import LabelledEnum


class EventStatus(LabelledEnum):
    PLANNING = "planning", _l("Planning")
    APPLICATIONS_OPEN = "applications_open", _l("Applications open")
    SHORTLISTING = "shortlisting", _l("Shortlisting")
    SCHEDULED = "scheduled", _l("Scheduled")
    LIVE = "live", _l("Live")
    CLOSED = "closed", _l("Closed")
