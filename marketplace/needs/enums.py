from enum import StrEnum

from flask_babel import lazy_gettext as _l


class NeedStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return {
            NeedStatus.DRAFT: _l("Draft"),
            NeedStatus.IN_REVIEW: _l("In review"),
            NeedStatus.PUBLISHED: _l("Published"),
            NeedStatus.CLOSED: _l("Closed"),
            NeedStatus.WITHDRAWN: _l("Withdrawn"),
        }[self]


class NeedVisibility(StrEnum):
    PUBLIC = "public"
    INVITED = "invited"
    INTERNAL = "internal"

    @property
    def label(self):
        return {
            NeedVisibility.PUBLIC: _l("Public: every incubator"),
            NeedVisibility.INVITED: _l("Invited incubators only"),
            NeedVisibility.INTERNAL: _l("Internal: bank staff only"),
        }[self]


class PilotHorizon(StrEnum):
    H1 = "h1"
    H2 = "h2"
    H3 = "h3"

    @property
    def label(self):
        return {
            PilotHorizon.H1: _l("H1 optimise (0–12 months)"),
            PilotHorizon.H2: _l("H2 extend (12–36 months)"),
            PilotHorizon.H3: _l("H3 explore (36–72 months)"),
        }[self]
