"""Live conflict warnings for a hand-edited schedule: what a manual move broke, in words."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from flask_babel import gettext as _

from marketplace.events.grid import clock
from scheduling.model import Instance, Pitch, Placement


def conflicts(instance: Instance, placements: list[Placement]) -> list[str]:
    """Every hard rule the placements break, one translated sentence each (empty when all is well)."""
    by_id = {p.pitch_id: p for p in placements}
    found, spans = _pitch_conflicts(instance, by_id)
    for a, b in combinations(sorted(spans), 2):
        found += _pair_conflicts(instance, by_id, spans, a, b)
    return found


def _when(instance: Instance, slot: int) -> str:
    if not 0 <= slot < len(instance.slots):  # left past the end of a grid shortened after scheduling
        return _("Slot") + f" {slot + 1}"
    s = instance.slots[slot]
    return _("day %(day)s %(time)s", day=s.day + 1, time=clock(s.start_minute))


def _pitch_conflicts(instance: Instance, by_id: dict[int, Placement]) -> tuple[list[str], dict[int, set[int]]]:
    """What each placed pitch breaks on its own (breaks, absences), and the slots each one that fits covers."""
    found: list[str] = []
    spans: dict[int, set[int]] = {}
    for pid, placed in by_id.items():
        pitch = instance.pitch_by_id.get(pid)
        if pitch is None:
            continue
        need = instance.need_by_id[pitch.need_id]
        covered = instance.covered(placed.start, instance.length(pitch))
        if covered is None:
            found.append(
                _(
                    "%(startup)s (%(need)s) at %(when)s runs into a break or the end of the day.",
                    startup=pitch.startup_name,
                    need=need.name,
                    when=_when(instance, placed.start),
                )
            )
            continue
        spans[pid] = set(covered)
        if instance.panel_unavailable(pitch.need_id) & spans[pid]:
            found.append(
                _(
                    "The panel of %(need)s is away when %(startup)s pitches at %(when)s.",
                    need=need.name,
                    startup=pitch.startup_name,
                    when=_when(instance, placed.start),
                )
            )
        if instance.startup_unavailable.get(pitch.startup_id, frozenset()) & spans[pid]:
            found.append(
                _("%(startup)s is away at %(when)s.", startup=pitch.startup_name, when=_when(instance, placed.start))
            )
    return found, spans


def _pair_conflicts(
    instance: Instance, by_id: dict[int, Placement], spans: dict[int, set[int]], a: int, b: int
) -> list[str]:
    """What two placed pitches break together: one room, one panel in two rooms, one startup too soon again."""
    found: list[str] = []
    pa, pb = instance.pitch_by_id[a], instance.pitch_by_id[b]
    overlap = spans[a] & spans[b]
    names = {"first": pa.startup_name, "second": pb.startup_name}
    if overlap and by_id[a].room == by_id[b].room:
        found.append(
            _(
                "%(first)s and %(second)s are both in %(room)s at %(when)s.",
                **names,
                room=instance.rooms[by_id[a].room],
                when=_when(instance, min(overlap)),
            )
        )
    judges = set(instance.need_by_id[pa.need_id].panel) & set(instance.need_by_id[pb.need_id].panel)
    # The panel attends every pitch of its need, even when it names no judge.
    if overlap and (judges or pa.need_id == pb.need_id) and by_id[a].room != by_id[b].room:
        found.append(
            _(
                "A panel would be in two rooms at %(when)s: %(first)s and %(second)s.",
                **names,
                when=_when(instance, min(overlap)),
            )
        )
    if pa.startup_id == pb.startup_id and instance.too_close(
        by_id[a].start, instance.length(pa), by_id[b].start, instance.length(pb)
    ):
        found.append(
            _(
                "%(startup)s has two pitches too close together (%(first_when)s and %(second_when)s).",
                startup=pa.startup_name,
                first_when=_when(instance, by_id[a].start),
                second_when=_when(instance, by_id[b].start),
            )
        )
    return found


@dataclass(frozen=True)
class _Surroundings:
    """What the rest of the schedule holds, seen from the pitch being moved."""

    occupied: set[tuple[int, int]]  # (room, slot)
    panel_busy: set[int]  # slots the pitch's panel spends in other pitches
    same_startup: list[tuple[int, int]]  # (start, length) of the startup's other pitches
    panel_away: frozenset[int]
    startup_away: frozenset[int]


def target_warnings(instance: Instance, placements: list[Placement], pitch_id: int) -> dict[tuple[int, int], list[str]]:
    """While a pitch is being moved: for each (room index, start slot) that would break a rule, what it
    would break, so the grid can warn before the click."""
    pitch = instance.pitch_by_id.get(pitch_id)
    if pitch is None:
        return {}
    length = instance.length(pitch)
    around = _surroundings(instance, placements, pitch)
    warnings: dict[tuple[int, int], list[str]] = {}
    for start in range(len(instance.slots)):
        covered = instance.covered(start, length)
        for room in range(len(instance.rooms)):
            found = _what_breaks(instance, around, room, start, length, covered)
            if found:
                warnings[(room, start)] = found
    return warnings


def _surroundings(instance: Instance, placements: list[Placement], pitch: Pitch) -> _Surroundings:
    panel = set(instance.need_by_id[pitch.need_id].panel)
    occupied: set[tuple[int, int]] = set()
    panel_busy: set[int] = set()
    same_startup: list[tuple[int, int]] = []
    for placed in placements:
        other = instance.pitch_by_id.get(placed.pitch_id)
        if other is None or other.id == pitch.id:
            continue
        covered = instance.covered(placed.start, instance.length(other)) or (placed.start,)
        occupied.update((placed.room, slot) for slot in covered)
        if other.need_id == pitch.need_id or panel & set(instance.need_by_id[other.need_id].panel):
            panel_busy.update(covered)
        if other.startup_id == pitch.startup_id:
            same_startup.append((placed.start, instance.length(other)))
    return _Surroundings(
        occupied=occupied,
        panel_busy=panel_busy,
        same_startup=same_startup,
        panel_away=frozenset(instance.panel_unavailable(pitch.need_id)),
        startup_away=frozenset(instance.startup_unavailable.get(pitch.startup_id, frozenset())),
    )


def _what_breaks(instance: Instance, around: _Surroundings, room: int, start: int, length: int, covered) -> list[str]:
    if covered is None:
        return [_("runs into a break")]
    found = []
    if any((room, slot) in around.occupied for slot in covered):
        found.append(_("the room is taken"))
    if around.panel_busy.intersection(covered):
        found.append(_("the panel is in another pitch"))
    if around.panel_away.intersection(covered):
        found.append(_("a panel member is away"))
    if around.startup_away.intersection(covered):
        found.append(_("the startup is away"))
    if any(instance.too_close(start, length, s, n) for s, n in around.same_startup):
        found.append(_("the startup pitches elsewhere too close"))
    return found
