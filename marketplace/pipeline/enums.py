from flask_babel import lazy_gettext as _l

from marketplace.core.enums import LabelledEnum


class CandidateStage(LabelledEnum):
    SUGGESTED = "suggested", _l("Suggested")
    INVITED = "invited", _l("Invited")
    APPLIED = "applied", _l("Applied")
    SHORTLISTED = "shortlisted", _l("Shortlisted")
    ROADSHOW = "roadshow", _l("Roadshow")
    SELECTED = "selected", _l("Selected for pilot")
    IN_PILOT = "in_pilot", _l("In pilot")
    PRODUCTISED = "productised", _l("Productised")
    DECLINED = "declined", _l("Declined")
    WITHDRAWN = "withdrawn", _l("Withdrawn")

    @property
    def action(self):
        """The button that moves a candidate here, in plain words (a move back reads as what it does)."""
        return {
            CandidateStage.SUGGESTED: _l("Back to suggested"),
            CandidateStage.INVITED: _l("Invite to apply"),
            CandidateStage.APPLIED: _l("Accept the invitation"),
            CandidateStage.SHORTLISTED: _l("Shortlist"),
            CandidateStage.ROADSHOW: _l("Invite to the roadshow"),
            CandidateStage.SELECTED: _l("Select for pilot"),
            CandidateStage.IN_PILOT: _l("Start the pilot"),
            CandidateStage.PRODUCTISED: _l("Mark as productised"),
            CandidateStage.DECLINED: _l("Not a fit"),
            CandidateStage.WITHDRAWN: _l("Withdraw"),
        }[self]


class CandidateSource(LabelledEnum):
    MATCHED = "matched", _l("Matched")
    NOMINATED = "nominated", _l("Nominated by an incubator")
    APPLIED = "applied", _l("Applied")
