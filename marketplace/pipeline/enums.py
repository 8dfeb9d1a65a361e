from enum import StrEnum

from flask_babel import lazy_gettext as _l


class CandidateStage(StrEnum):
    SUGGESTED = "suggested"
    INVITED = "invited"
    APPLIED = "applied"
    SHORTLISTED = "shortlisted"
    ROADSHOW = "roadshow"
    SELECTED = "selected"
    IN_PILOT = "in_pilot"
    PRODUCTISED = "productised"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return {
            CandidateStage.SUGGESTED: _l("Suggested"),
            CandidateStage.INVITED: _l("Invited"),
            CandidateStage.APPLIED: _l("Applied"),
            CandidateStage.SHORTLISTED: _l("Shortlisted"),
            CandidateStage.ROADSHOW: _l("Roadshow"),
            CandidateStage.SELECTED: _l("Selected for pilot"),
            CandidateStage.IN_PILOT: _l("In pilot"),
            CandidateStage.PRODUCTISED: _l("Productised"),
            CandidateStage.DECLINED: _l("Declined"),
            CandidateStage.WITHDRAWN: _l("Withdrawn"),
        }[self]

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


class CandidateSource(StrEnum):
    MATCHED = "matched"
    NOMINATED = "nominated"
    APPLIED = "applied"

    @property
    def label(self):
        return {
            CandidateSource.MATCHED: _l("Matched"),
            CandidateSource.NOMINATED: _l("Nominated by an incubator"),
            CandidateSource.APPLIED: _l("Applied"),
        }[self]
