"""Agendas: who pitches where and when, for a need, a startup or a judge; and the same as iCalendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from marketplace.accounts.models import User
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.core.db import db
from marketplace.core.errors import PermissionDenied
from marketplace.events.enums import EventStatus
from marketplace.events.grid import event_slots, slot_start
from marketplace.events.models import Event, EventNeed, EventRoom
from marketplace.events.queries import PitchRow, pitches_of, visible_pitches
from marketplace.events.rules import judged_need_ids

# Schedules are published from "scheduled" on; before that an agenda would promise what may move.
PUBLISHED = frozenset({EventStatus.SCHEDULED, EventStatus.LIVE, EventStatus.CLOSED})


@dataclass(frozen=True)
class Entry:
    pitch_id: int
    starts: datetime  # aware, in the event's time zone
    ends: datetime
    room: str
    need_title: str
    startup_name: str
    event_name: str
    where: str  # venue or online link
    online_link: str = ""


def entries(
    event: Event,
    *,
    tz: str,
    need_ids: set[int] | None = None,
    startup_ids: set[int] | None = None,
    viewer: User | None = None,
) -> list[Entry]:
    """The event's placed pitches, in time order, narrowed to some needs or startups, and to what ``viewer`` may
    know of (events.queries.visible_pitches: no internal need's title, no other incubator's startup)."""
    slots = event_slots(event)
    lengths = dict(
        db.session.execute(
            sa.select(EventNeed.need_id, EventNeed.pitch_slots).where(EventNeed.event_id == event.id)
        ).all()
    )
    rooms = dict(
        db.session.execute(sa.select(EventRoom.id, EventRoom.name).where(EventRoom.event_id == event.id)).all()
    )
    zone = ZoneInfo(tz)
    found = []
    rows = pitches_of(event.id)
    for row in visible_pitches(viewer, rows) if viewer is not None else rows:
        if (
            not _wanted(row, need_ids, startup_ids)
            or row.pitch.start_slot is None
            or row.pitch.start_slot >= len(slots)
        ):
            continue
        starts = slot_start(event.starts_on, slots[row.pitch.start_slot]).replace(tzinfo=zone)
        length = lengths.get(row.need.id, 1) * event.slot_minutes
        found.append(
            Entry(
                pitch_id=row.pitch.id,
                starts=starts,
                ends=starts + timedelta(minutes=length),
                room=rooms.get(row.pitch.room_id, ""),
                need_title=row.need.title,
                startup_name=row.startup.name,
                event_name=event.name,
                where=event.venue or event.online_link,
                online_link=event.online_link,
            )
        )
    return sorted(found, key=lambda e: (e.starts, e.room))


def _wanted(row: PitchRow, need_ids: set[int] | None, startup_ids: set[int] | None) -> bool:
    return (need_ids is None or row.need.id in need_ids) and (startup_ids is None or row.startup.id in startup_ids)


def personal_entries(user: User, *, tz: str) -> list[Entry]:
    """Every published pitch the user takes part in: as a judge (bank staff), as the startup's side of its
    candidate (incubator managers: visible_pitches), or as the organisers who run the days (every pitch)."""

    found: list[Entry] = []
    for event in db.session.scalars(sa.select(Event).where(Event.status.in_([s.value for s in PUBLISHED]))):
        if is_platform(user):
            found += entries(event, tz=tz)
        elif is_bank(user):
            needs = judged_need_ids(user, event.id)
            if needs:
                found += entries(event, tz=tz, need_ids=needs, viewer=user)
        elif is_incubator(user):
            found += entries(event, tz=tz, viewer=user)
    return sorted(found, key=lambda e: e.starts)


def to_ics(items: list[Entry], *, name: str) -> bytes:
    """An iCalendar file with one event per pitch (stable UIDs, so a re-published schedule updates
    the same calendar entries), with the time zone definitions it needs."""
    calendar = Calendar()
    calendar.add("prodid", "-//innomatch//roadshow//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for item in items:
        entry = CalendarEvent()
        entry.add("uid", f"pitch-{item.pitch_id}@innomatch")
        entry.add("summary", f"{item.startup_name} · {item.need_title}")
        entry.add("dtstart", item.starts)
        entry.add("dtend", item.ends)
        entry.add("location", ", ".join(part for part in (item.room, item.where) if part))
        entry.add("description", "\n".join(part for part in (item.event_name, item.online_link) if part))
        if item.online_link:
            entry.add("url", item.online_link)  # where calendars put their "join" link
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def agenda_scope(
    user: User, event: Event, *, need_id: int | None, startup_id: int | None
) -> tuple[set[int] | None, set[int] | None]:
    """Which pitches an agenda request may show: (need ids, startup ids) to narrow to.

    No filter: the user's own part (a judge's needs, an incubator's startups), or everything for the
    platform. Raises PermissionDenied for a need or startup the user has no part in, and for an
    unpublished schedule outside the platform.
    """
    platform = is_platform(user)
    if not platform and event.status not in PUBLISHED:
        raise PermissionDenied()
    if need_id is not None:
        if not (platform or need_id in judged_need_ids(user, event.id)):
            raise PermissionDenied()
        return {need_id}, None
    if startup_id is not None:
        own = is_incubator(user) and startup_id in {r.startup.id for r in visible_pitches(user, pitches_of(event.id))}
        judged = judged_need_ids(user, event.id)
        pitches_to_me = any(r.startup.id == startup_id and r.need.id in judged for r in pitches_of(event.id))
        if not (platform or own or pitches_to_me):
            raise PermissionDenied()
        return None, {startup_id}
    if platform:
        return None, None
    if is_incubator(user):
        return None, None  # the agenda's viewer filter (visible_pitches) keeps its own candidates' pitches
    return judged_need_ids(user, event.id), None
