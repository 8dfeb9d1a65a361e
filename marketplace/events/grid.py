"""An event's time grid: the slots of each day, numbered across the whole event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class GridSlot:
    index: int  # across the whole event, in time order
    day: int  # 0-based
    start_minute: int  # minutes after midnight


def day_slots(*, days: int, day_start: int, day_end: int, slot_minutes: int, breaks: list[list[int]]) -> list[GridSlot]:
    """Every slot of every day: from day_start, slot after slot, skipping any slot that would touch a
    break, while the slot still ends by day_end."""
    spans = sorted((int(s), int(e)) for s, e in breaks)
    slots: list[GridSlot] = []
    for day in range(days):
        start = day_start
        while start + slot_minutes <= day_end:
            clash = next(((s, e) for s, e in spans if start < e and s < start + slot_minutes), None)
            if clash is not None:
                start = clash[1]
                continue
            slots.append(GridSlot(index=len(slots), day=day, start_minute=start))
            start += slot_minutes
    return slots


def event_slots(event) -> list[GridSlot]:
    """The slots of an event's time grid (its days, hours, slot length and breaks)."""
    return day_slots(
        days=event.days,
        day_start=event.day_start,
        day_end=event.day_end,
        slot_minutes=event.slot_minutes,
        breaks=event.breaks,
    )


def slot_start(starts_on: date, slot: GridSlot) -> datetime:
    """The naive local start time of a slot (the event's own time zone)."""
    return datetime.combine(starts_on + timedelta(days=slot.day), time()) + timedelta(minutes=slot.start_minute)


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# Half-days split at noon: a morning slot starts before it.
NOON = 12 * 60
HALVES = ("day", "am", "pm")


def half_of(slot: GridSlot) -> str:
    return "am" if slot.start_minute < NOON else "pm"


def block_slots(slots: list[GridSlot], blocks: list[str]) -> set[int]:
    """The slots of whole days and half-days, each block written "<day>:day", "<day>:am" or "<day>:pm" (day
    0-based, as the availability form sends them); unknown blocks are ignored."""
    wanted: set[tuple[int, str]] = set()
    for block in blocks:
        day, _sep, half = str(block).partition(":")
        if day.isdigit() and half in HALVES:
            wanted.add((int(day), half))
    return {s.index for s in slots if (s.day, "day") in wanted or (s.day, half_of(s)) in wanted}


def halves_of(slots: list[GridSlot]) -> dict[str, list[GridSlot]]:
    """One day's slots as the availability form's blocks: the whole day, the morning, the afternoon."""
    return {
        "day": list(slots),
        "am": [s for s in slots if half_of(s) == "am"],
        "pm": [s for s in slots if half_of(s) == "pm"],
    }
