"""The greedy first-fit baseline the CP-SAT schedule is compared with."""

from __future__ import annotations

from scheduling.model import Instance, Placement


def greedy(instance: Instance) -> list[Placement]:
    """Pins first, then the pitches need by need, best rank first, each at the earliest start where
    every hard rule holds, trying the room the need used last before the others.

    Never breaks a hard rule; a pitch with no such place is left out (so the result may be partial).
    """
    room_busy: set[tuple[int, int]] = set()
    judge_busy: set[tuple[int, int]] = set()
    need_busy: set[tuple[int, int]] = set()  # the panel attends all its need's pitches, even with no judges named
    startup_placed: dict[int, list[tuple[int, int]]] = {}  # startup -> [(start, length)]
    placements: list[Placement] = []
    last_room: dict[int, int] = {}

    def fits(pitch, room: int, start: int) -> bool:
        length = instance.length(pitch)
        cov = instance.covered(start, length)
        if cov is None:
            return False
        panel = instance.need_by_id[pitch.need_id].panel
        if any((room, s) in room_busy or (pitch.need_id, s) in need_busy for s in cov) or any(
            (j, s) in judge_busy for j in panel for s in cov
        ):
            return False
        return not any(
            instance.too_close(start, length, other, other_len)
            for other, other_len in startup_placed.get(pitch.startup_id, [])
        )

    def place(pitch, room: int, start: int) -> None:
        length = instance.length(pitch)
        for s in range(start, start + length):
            room_busy.add((room, s))
            need_busy.add((pitch.need_id, s))
            judge_busy.update((j, s) for j in instance.need_by_id[pitch.need_id].panel)
        startup_placed.setdefault(pitch.startup_id, []).append((start, length))
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
