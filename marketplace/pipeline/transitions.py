"""The candidate pipeline as a table: which stage may follow which, and whose move it is.

Two sides choose each other (double opt-in): the bank's side (staff of the unit that owns the
need) suggests, invites, shortlists, declines and decides; the startup's side (managers of an
incubator that lists or nominated the startup) applies, accepts an invitation or withdraws. The
platform (organisers, admins) may make either side's move, and jump forward with a reason.
"""

from __future__ import annotations

from marketplace.pipeline.enums import CandidateStage as C

BANK = "bank"
STARTUP = "startup"
PLATFORM = "platform"

ORDER = [C.SUGGESTED, C.INVITED, C.APPLIED, C.SHORTLISTED, C.ROADSHOW, C.SELECTED, C.IN_PILOT, C.PRODUCTISED]
CLOSED = frozenset({C.DECLINED, C.WITHDRAWN, C.PRODUCTISED})

_BANK = frozenset({BANK, PLATFORM})
_STARTUP = frozenset({STARTUP, PLATFORM})

MOVES: dict[tuple[C, C], frozenset[str]] = {
    (C.SUGGESTED, C.INVITED): _BANK,
    (C.SUGGESTED, C.SHORTLISTED): _BANK,  # the bank's own shortlist, before anyone was asked
    (C.SUGGESTED, C.APPLIED): _STARTUP,  # nominated after the engine had suggested it
    (C.INVITED, C.APPLIED): _STARTUP,  # invitation accepted
    (C.SHORTLISTED, C.INVITED): _BANK,  # shortlisted from the ranking, now asked (only before opting in)
    (C.APPLIED, C.SHORTLISTED): _BANK,
    (C.SHORTLISTED, C.ROADSHOW): _BANK,
    (C.ROADSHOW, C.SELECTED): _BANK,
    (C.SELECTED, C.IN_PILOT): _BANK,
    (C.IN_PILOT, C.PRODUCTISED): _BANK,
}
# From any open stage: the bank declines, the startup's side withdraws.
CLOSING: dict[C, frozenset[str]] = {C.DECLINED: _BANK, C.WITHDRAWN: _STARTUP}

# Moves that must say why.
NEEDS_NOTE = frozenset({C.DECLINED, C.WITHDRAWN})
# The moves by which the startup's side chooses the need.
OPT_IN = frozenset({(C.SUGGESTED, C.APPLIED), (C.INVITED, C.APPLIED)})
# Stages a startup only reaches once it has chosen the need: it pitches, pilots, ships.
NEEDS_OPT_IN = frozenset({C.ROADSHOW, C.SELECTED, C.IN_PILOT, C.PRODUCTISED})


def is_regular(frm: C, to: C, sides: set[str] | frozenset[str], *, opted_in: bool) -> bool:
    """A step the pipeline allows to someone acting for ``sides``."""
    if frm in CLOSED:
        return False
    if to in NEEDS_OPT_IN and not opted_in:
        return False
    if (frm, to) == (C.SHORTLISTED, C.INVITED) and opted_in:
        return False
    who = CLOSING.get(to) or MOVES.get((frm, to), frozenset())
    return bool(who & sides)


def is_override(frm: C, to: C, *, opted_in: bool) -> bool:
    """A forward jump past the usual steps (e.g. to pilot without a roadshow): the platform only, with a
    reason, and never past a startup that has not chosen the need."""
    if frm in CLOSED or to not in ORDER or frm not in ORDER or ORDER.index(to) <= ORDER.index(frm):
        return False
    if to in NEEDS_OPT_IN and not opted_in:
        return False
    return (frm, to) not in MOVES


def next_stages(frm: C, sides: set[str] | frozenset[str], *, opted_in: bool) -> list[C]:
    """The regular forward steps someone acting for ``sides`` may take from a stage, for buttons."""
    return [to for to in ORDER if is_regular(frm, to, sides, opted_in=opted_in)]


def card_moves(stage: C | None, sides: set[str] | frozenset[str], *, opted_in: bool) -> list[C]:
    """The moves a ranked startup's card offers, in pipeline order, then declining: a startup that is not a
    candidate yet counts as Suggested (acting on it makes it one, see ``act_on_match``)."""
    frm = stage or C.SUGGESTED
    steps = next_stages(frm, sides, opted_in=opted_in)
    if is_regular(frm, C.DECLINED, sides, opted_in=opted_in):
        steps.append(C.DECLINED)
    return steps
