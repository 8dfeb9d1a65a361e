"""The candidate pipeline as a table: which stage may follow which."""

from __future__ import annotations

from marketplace.workflow.enums import CandidateStage as C

ORDER = [C.SUGGESTED, C.INVITED, C.APPLIED, C.SHORTLISTED, C.ROADSHOW, C.SELECTED, C.IN_PILOT, C.PRODUCTISED]
CLOSED = frozenset({C.DECLINED, C.WITHDRAWN, C.PRODUCTISED})

NEXT: dict[C, frozenset[C]] = {
    C.SUGGESTED: frozenset({C.INVITED, C.SHORTLISTED}),
    C.INVITED: frozenset({C.APPLIED}),
    C.APPLIED: frozenset({C.SHORTLISTED}),
    C.SHORTLISTED: frozenset({C.ROADSHOW}),
    C.ROADSHOW: frozenset({C.SELECTED}),
    C.SELECTED: frozenset({C.IN_PILOT}),
    C.IN_PILOT: frozenset({C.PRODUCTISED}),
}

# Moves that must say why.
NEEDS_NOTE = frozenset({C.DECLINED, C.WITHDRAWN})


def is_regular(frm: C, to: C) -> bool:
    """A step the pipeline allows to anyone who may move the candidate."""
    if frm in CLOSED:
        return False
    if to in (C.DECLINED, C.WITHDRAWN):
        return True
    return to in NEXT.get(frm, frozenset())


def is_override(frm: C, to: C) -> bool:
    """A forward jump past the usual steps (e.g. to pilot without a roadshow): organisers only, with a reason."""
    return frm not in CLOSED and to in ORDER and ORDER.index(to) > ORDER.index(frm) and not is_regular(frm, to)


def next_stages(frm: C) -> list[C]:
    """The regular forward steps from a stage, for buttons."""
    return [stage for stage in ORDER if stage in NEXT.get(frm, frozenset())]
