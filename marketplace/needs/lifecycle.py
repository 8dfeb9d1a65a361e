"""The need lifecycle as a table: which status may follow which, and who may move it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from marketplace.core.config import Settings
from marketplace.needs.enums import NeedStatus as S

OWNER = "owner"  # staff of the bank unit that owns the need
PLATFORM = "platform"  # organisers and admins

TRANSITIONS: dict[tuple[S, S], frozenset[str]] = {
    (S.DRAFT, S.IN_REVIEW): frozenset({OWNER, PLATFORM}),
    (S.IN_REVIEW, S.PUBLISHED): frozenset({PLATFORM}),
    (S.IN_REVIEW, S.DRAFT): frozenset({PLATFORM}),  # changes requested
    (S.PUBLISHED, S.CLOSED): frozenset({OWNER, PLATFORM}),
    (S.CLOSED, S.PUBLISHED): frozenset({PLATFORM}),  # reopened
    (S.DRAFT, S.WITHDRAWN): frozenset({OWNER, PLATFORM}),
    (S.IN_REVIEW, S.WITHDRAWN): frozenset({OWNER, PLATFORM}),
    (S.PUBLISHED, S.WITHDRAWN): frozenset({OWNER, PLATFORM}),
}

# Moves that must say why.
NEEDS_COMMENT = frozenset(
    {(S.IN_REVIEW, S.DRAFT), (S.DRAFT, S.WITHDRAWN), (S.IN_REVIEW, S.WITHDRAWN), (S.PUBLISHED, S.WITHDRAWN)}
)


def targets(status: S, capacities: set[str]) -> list[S]:
    """The statuses someone acting in these capacities may move a need to, in lifecycle order."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm == status and who & capacities]


def allowed(frm: S, to: S, capacities: set[str]) -> bool:
    return bool(TRANSITIONS.get((frm, to), frozenset()) & capacities)


# Statuses a need may only enter while its deadline is still ahead: a need due in the past is never published.
NEEDS_FUTURE_DEADLINE = frozenset({S.IN_REVIEW, S.PUBLISHED})


def today() -> date:
    """The day deadlines are read against, the same everywhere (lists, rankings, alerts, nominations): the
    platform's day (EVENT_TIMEZONE, the bank's), not the server's, which may run on UTC."""
    zone = current_app.config["EVENT_TIMEZONE"] if has_app_context() else Settings.EVENT_TIMEZONE
    return datetime.now(ZoneInfo(zone)).date()


def deadline_passed(deadline: date | None, day: date | None = None) -> bool:
    """A need whose deadline is before today no longer takes nominations; no deadline never passes."""
    return deadline is not None and deadline < (day or today())


def is_open(status: S, deadline: date | None, day: date | None = None) -> bool:
    """Open for nominations: published and its deadline not passed. The SQL twin is
    needs.queries.open_needs_clause; lists, best fit, rankings for a startup and match alerts count only these."""
    return status == S.PUBLISHED and not deadline_passed(deadline, day)


def deadline_may_be_set(deadline: date | None, previous: date | None = None, day: date | None = None) -> bool:
    """Whether a deadline being set (or changed from ``previous``) may be saved: not in the past. An unchanged
    deadline that has since passed stays, so an old need can still be edited."""
    return deadline is None or deadline == previous or not deadline_passed(deadline, day)
