from flask_babel import lazy_gettext as _l

from marketplace.core.enums import LabelledEnum


class NeedStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    IN_REVIEW = "in_review", _l("In review")
    PUBLISHED = "published", _l("Published")
    CLOSED = "closed", _l("Closed")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


class NeedVisibility(LabelledEnum):
    PUBLIC = "public", _l("Public: every incubator")
    INVITED = "invited", _l("Invited incubators only")
    INTERNAL = "internal", _l("Internal: bank staff only")


class PilotHorizon(LabelledEnum):
    H1 = "h1", _l("H1 optimise (0–12 months)")
    H2 = "h2", _l("H2 extend (12–36 months)")
    H3 = "h3", _l("H3 explore (36–72 months)")
