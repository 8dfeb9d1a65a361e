"""The greedy first-fit baseline the CP-SAT schedule is compared with."""

from __future__ import annotations

from scheduling.board import Board
from scheduling.model import Instance, Pitch, Placement


def greedy(instance: Instance) -> list[Placement]:
    """Pins first, then the pitches need by need, best rank first, each at the earliest start where
    every hard rule holds, trying the room the need used last before the others.

    Never breaks a hard rule; a pitch with no such place is left out (so the result may be partial).
    """
    board = Board(instance)
    placements: list[Placement] = []
    last_room: dict[int, int] = {}

    def fits(pitch: Pitch, room: int, start: int) -> bool:
        return instance.covered(start, instance.length(pitch)) is not None and board.free(pitch, room, start)

    def place(pitch: Pitch, room: int, start: int) -> None:
        board.take(pitch, room, start)
        placements.append(Placement(pitch.id, room, start))
        last_room[pitch.need_id] = room

    pinned = [instance.pitch_by_id[pid] for pid in instance.pins if pid in instance.pitch_by_id]
    for pitch in pinned:
        room, start = instance.pins[pitch.id]
        if 0 <= room < len(instance.rooms) and start in instance.feasible_starts(pitch) and fits(pitch, room, start):
            place(pitch, room, start)

    for need in instance.needs:
        for pitch in instance.pitches_by_need[need.id]:
            if pitch.id in instance.pins:
                continue
            preferred = last_room.get(need.id, 0)
            rooms = [preferred] + [r for r in range(len(instance.rooms)) if r != preferred]
            spot = next(((r, s) for s in instance.feasible_starts(pitch) for r in rooms if fits(pitch, r, s)), None)
            if spot is not None:
                place(pitch, *spot)
    return placements
