"""The event lifecycle as a table: planning → applications open → shortlisting → scheduled → live → closed."""

from __future__ import annotations

from marketplace.events.enums import EventStatus as S

TRANSITIONS: frozenset[tuple[S, S]] = frozenset(
    {
        (S.PLANNING, S.APPLICATIONS_OPEN),
        (S.APPLICATIONS_OPEN, S.SHORTLISTING),
        (S.SHORTLISTING, S.SCHEDULED),  # publishing the schedule
        (S.SCHEDULED, S.SHORTLISTING),  # unpublished to rework it
        (S.SCHEDULED, S.LIVE),
        (S.LIVE, S.CLOSED),
    }
)

# While these hold, the pitches follow the included needs' shortlists.
PITCHES_FOLLOW_SHORTLIST = frozenset({S.PLANNING, S.APPLICATIONS_OPEN, S.SHORTLISTING})


def targets(status: S) -> list[S]:
    return [to for to in S if (status, to) in TRANSITIONS]
