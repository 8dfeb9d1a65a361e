"""The one objective of a roadshow schedule (lower is better), for any complete or partial placement.

CP-SAT's answer, the greedy baseline and the tests are all scored here, so comparisons are fair;
the solver builds the same terms with the same integer weights (`Weights.scaled()`).

Terms (each an integer count; the objective is the weighted sum):

- `need_rooms`: for each need with placed pitches, the number of distinct rooms they use minus 1
  ("each need's pitches in one room").
- `need_blocks`: for each need with placed pitches, the number of blocks minus 1, where a block is
  a maximal run of slots in one room that the need occupies without a gap (adjacent slots, no
  break between them) ("each need's pitches contiguous"). Lunch breaks and nights end a block.
- `panel_room_changes`: for each need and day, the number of distinct rooms its panel uses that
  day minus 1 (the fewest walks between rooms that day's schedule forces on the panel).
- `late_rank`: for each pitch starting in the last `Weights.late_slots` slots of its day,
  `max(0, Weights.top_ranks + 1 - rank)` ("higher-ranked candidates not pushed to the end of a day").
- `room_balance`: the busiest room's occupied slots minus the even share, ceil(occupied slots of all
  rooms / number of rooms) ("balanced room load": no room runs all day while others stand idle;
  rooms left empty because each need keeps to one room are not penalised by themselves).
- `half_days`: the half-days (`Instance.half_days`: each day split at its lunch break) holding at
  least one pitch ("pack the pitches into as few half-days as availability allows": no lonely
  pitches on an otherwise empty afternoon).
- `room_gaps`: for each room and half-day, the idle stretches between two pitches there (the
  room's runs of occupied slots that half-day minus 1; a break is not idle time, idle time before
  the first or after the last pitch is not a gap).
- `moved`: pitches placed elsewhere than in `Instance.previous` (stability when re-scheduling);
  pitches new since then do not count.
- `unplaced`: pitches of the instance without a placement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil

from scheduling.model import SCALE, Instance, Placement

TERMS = (
    "need_rooms",
    "need_blocks",
    "panel_room_changes",
    "late_rank",
    "room_balance",
    "half_days",
    "room_gaps",
    "moved",
    "unplaced",
)


@dataclass(frozen=True)
class Score:
    terms: dict[str, int]
    total: float  # sum of weight x term, weights in hundredths


def score(instance: Instance, placements: Iterable[Placement]) -> Score:
    """Every term and the weighted total for `placements` (placements of unknown pitches are ignored)."""
    placed = {pl.pitch_id: pl for pl in placements if pl.pitch_id in instance.pitch_by_id}
    terms = dict.fromkeys(TERMS, 0)

    occupied: dict[int, set[tuple[int, int]]] = {n.id: set() for n in instance.needs}  # need -> {(room, slot)}
    loads = [0] * len(instance.rooms)
    for pl in placed.values():
        pitch = instance.pitch_by_id[pl.pitch_id]
        length = instance.length(pitch)
        for s in range(pl.start, pl.start + length):
            occupied[pitch.need_id].add((pl.room, s))
        loads[pl.room] += length
        if pl.start in instance.late_slots:
            terms["late_rank"] += max(0, instance.weights.top_ranks + 1 - pitch.rank)
        if instance.previous and pitch.id in instance.previous and instance.previous[pitch.id] != (pl.room, pl.start):
            terms["moved"] += 1

    for cells in occupied.values():
        if not cells:
            continue
        terms["need_rooms"] += len({room for room, _ in cells}) - 1
        blocks = sum(1 for room, s in cells if not (s > 0 and instance.adjacent_next[s - 1] and (room, s - 1) in cells))
        terms["need_blocks"] += blocks - 1
        for day in instance.days:
            rooms_that_day = {room for room, s in cells if instance.slots[s].day == day}
            terms["panel_room_changes"] += max(0, len(rooms_that_day) - 1)

    room_cells = {
        (pl.room, s)
        for pl in placed.values()
        for s in range(pl.start, pl.start + instance.length(instance.pitch_by_id[pl.pitch_id]))
    }
    terms["half_days"] = len({instance.half_day_of[s] for _room, s in room_cells})
    for room in range(len(instance.rooms)):
        for part in instance.half_days:
            busy = [(room, s) in room_cells for s in part]
            runs = sum(1 for i, b in enumerate(busy) if b and (i == 0 or not busy[i - 1]))
            terms["room_gaps"] += max(0, runs - 1)

    terms["room_balance"] = max(0, max(loads) - ceil(sum(loads) / len(loads))) if loads else 0
    terms["unplaced"] = len(instance.pitches) - len(placed)
    weights = instance.weights.scaled()
    total = sum(weights[name] * value for name, value in terms.items()) / SCALE
    return Score(terms=terms, total=total)


def objective(instance: Instance, placements: Iterable[Placement]) -> float:
    """The weighted objective of `placements` (lower is better)."""
    return score(instance, placements).total
