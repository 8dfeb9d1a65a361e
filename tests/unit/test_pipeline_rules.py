import pytest

from marketplace.pipeline import transitions
from marketplace.pipeline.enums import CandidateStage as C
from marketplace.pipeline.transitions import BANK, PLATFORM, STARTUP

pytestmark = pytest.mark.unit

BANK_ONLY = {BANK}
STARTUP_ONLY = {STARTUP}


@pytest.mark.parametrize(
    ("frm", "to", "sides", "opted_in", "regular"),
    [
        (C.SUGGESTED, C.INVITED, BANK_ONLY, False, True),
        (C.SUGGESTED, C.SHORTLISTED, BANK_ONLY, False, True),  # the bank's own shortlist
        (C.SUGGESTED, C.INVITED, STARTUP_ONLY, False, False),  # only the bank invites
        (C.INVITED, C.APPLIED, STARTUP_ONLY, False, True),  # accepting is the startup's move
        (C.INVITED, C.APPLIED, BANK_ONLY, False, False),  # the bank cannot accept for the startup
        (C.SUGGESTED, C.APPLIED, STARTUP_ONLY, False, True),  # nominated after being suggested
        (C.APPLIED, C.SHORTLISTED, BANK_ONLY, True, True),
        (C.APPLIED, C.SHORTLISTED, STARTUP_ONLY, True, False),
        (C.SHORTLISTED, C.ROADSHOW, BANK_ONLY, True, True),
        (C.SHORTLISTED, C.ROADSHOW, BANK_ONLY, False, False),  # nobody pitches who has not chosen the need
        (C.SHORTLISTED, C.INVITED, BANK_ONLY, False, True),  # shortlisted from the ranking, now asked
        (C.SHORTLISTED, C.INVITED, BANK_ONLY, True, False),  # ... but not once it applied
        (C.ROADSHOW, C.SHORTLISTED, BANK_ONLY, True, False),  # never backwards
        (C.APPLIED, C.DECLINED, BANK_ONLY, True, True),
        (C.APPLIED, C.DECLINED, STARTUP_ONLY, True, False),  # the startup's side withdraws instead
        (C.APPLIED, C.WITHDRAWN, STARTUP_ONLY, True, True),
        (C.APPLIED, C.WITHDRAWN, BANK_ONLY, True, False),
        (C.DECLINED, C.SHORTLISTED, BANK_ONLY, True, False),  # closed stays closed
        (C.PRODUCTISED, C.WITHDRAWN, STARTUP_ONLY, True, False),
        (C.INVITED, C.APPLIED, {PLATFORM}, False, True),  # the platform may make either side's move
        (C.APPLIED, C.DECLINED, {PLATFORM}, True, True),
    ],
)
def test_whose_move_it_is(frm, to, sides, opted_in, regular):
    assert transitions.is_regular(frm, to, sides, opted_in=opted_in) is regular


@pytest.mark.parametrize(
    ("frm", "to", "opted_in", "override"),
    [
        (C.SHORTLISTED, C.IN_PILOT, True, True),  # no pilot without a roadshow decision, unless overridden
        (C.SHORTLISTED, C.IN_PILOT, False, False),  # and never for a startup that has not opted in
        (C.SUGGESTED, C.APPLIED, False, False),  # an application is never faked by an override
        (C.ROADSHOW, C.SHORTLISTED, True, False),
        (C.DECLINED, C.SELECTED, True, False),
        (C.APPLIED, C.ROADSHOW, True, True),
    ],
)
def test_platform_overrides(frm, to, opted_in, override):
    assert transitions.is_override(frm, to, opted_in=opted_in) is override


def test_buttons_follow_the_rules():
    assert transitions.next_stages(C.SUGGESTED, BANK_ONLY, opted_in=False) == [C.INVITED, C.SHORTLISTED]
    assert transitions.next_stages(C.SHORTLISTED, BANK_ONLY, opted_in=False) == [C.INVITED]
    assert transitions.next_stages(C.SHORTLISTED, BANK_ONLY, opted_in=True) == [C.ROADSHOW]
    assert transitions.next_stages(C.INVITED, STARTUP_ONLY, opted_in=False) == [C.APPLIED]


def test_card_of_a_startup_not_yet_in_the_pipeline_offers_the_banks_first_moves():
    assert transitions.card_moves(None, BANK_ONLY, opted_in=False) == [C.INVITED, C.SHORTLISTED, C.DECLINED]


def test_card_after_invite_offers_only_declining():
    """An invited startup's answer comes next; the bank may still say it is not a fit."""
    assert transitions.card_moves(C.INVITED, BANK_ONLY, opted_in=False) == [C.DECLINED]


def test_card_of_a_shortlisted_startup_not_asked_yet_offers_the_invitation():
    assert transitions.card_moves(C.SHORTLISTED, BANK_ONLY, opted_in=False) == [C.INVITED, C.DECLINED]


def test_card_of_a_closed_candidate_offers_nothing():
    assert transitions.card_moves(C.DECLINED, BANK_ONLY | {PLATFORM}, opted_in=False) == []


def test_every_move_on_a_card_is_one_the_pipeline_allows():
    for stage in [None, *C]:
        for sides in (BANK_ONLY, STARTUP_ONLY, {PLATFORM}):
            for opted_in in (False, True):
                for to in transitions.card_moves(stage, sides, opted_in=opted_in):
                    assert transitions.is_regular(stage or C.SUGGESTED, to, sides, opted_in=opted_in)


def test_every_stage_has_a_button_in_plain_words():
    assert {str(stage.action) for stage in C} >= {"Invite to apply", "Shortlist", "Not a fit", "Select for pilot"}
