"""A block-first construction that gives CP-SAT a good first schedule to improve.

Unlike the first-fit baseline it thinks in blocks, as an organiser would: each need, largest
first, takes the longest stretch of time its panel is free in a room that is free for that
stretch (its own room first; among equals, one in a half-day already in use, then the least
loaded), and fills it slot by slot with its best remaining candidate that can be there; then the
next stretch, until its pitches are placed.
Whatever is left goes to the first place that fits. Never breaks a hard rule; may be partial.
"""

from __future__ import annotations

import random

from scheduling.model import Instance, Pitch, Placement


def warm_start(
    instance: Instance, rng: random.Random | None = None, home: dict[int, int] | None = None
) -> list[Placement]:
    """A (possibly partial) schedule respecting every hard rule, built block by block.

    When re-scheduling, pitches first keep their previous places where those still fit. With `rng`,
    the order of needs and the choice between equally good runs are perturbed (for multi-start).
    `home` (need id -> room, e.g. from the rooms' bin-packing) is the room each need tries first."""
    n_rooms, n_slots = len(instance.rooms), len(instance.slots)
    room_busy: set[tuple[int, int]] = set()
    judge_busy: set[tuple[int, int]] = set()
    need_busy: set[tuple[int, int]] = set()  # the panel attends all its need's pitches, even with no judges named
    startup_at: dict[int, list[tuple[int, int]]] = {}
    loads = [0] * n_rooms
    placed: dict[int, Placement] = {}
    starts = {p.id: set(instance.feasible_starts(p)) for p in instance.pitches}

    def fits(pitch: Pitch, room: int, start: int) -> bool:
        length = instance.length(pitch)
        if start not in starts[pitch.id]:
            return False
        cov = range(start, start + length)
        panel = instance.need_by_id[pitch.need_id].panel
        if any((room, s) in room_busy or (pitch.need_id, s) in need_busy for s in cov) or any(
            (j, s) in judge_busy for j in panel for s in cov
        ):
            return False
        return not any(instance.too_close(start, length, o, ol) for o, ol in startup_at.get(pitch.startup_id, []))

    open_half_days: set[int] = set()  # half-days holding a pitch: a block prefers them (compactness)

    def place(pitch: Pitch, room: int, start: int) -> None:
        length = instance.length(pitch)
        open_half_days.add(instance.half_day_of[start])
        for s in range(start, start + length):
            room_busy.add((room, s))
            need_busy.add((pitch.need_id, s))
            judge_busy.update((j, s) for j in instance.need_by_id[pitch.need_id].panel)
        startup_at.setdefault(pitch.startup_id, []).append((start, length))
        loads[room] += length
        placed[pitch.id] = Placement(pitch.id, room, start)

    for pid, (room, start) in instance.pins.items():
        pitch = instance.pitch_by_id.get(pid)
        if pitch is not None and 0 <= room < n_rooms and fits(pitch, room, start):
            place(pitch, room, start)

    for pid, (room, start) in (instance.previous or {}).items():
        pitch = instance.pitch_by_id.get(pid)
        if pitch is not None and pid not in placed and 0 <= room < n_rooms and fits(pitch, room, start):
            place(pitch, room, start)

    jitter = (lambda: rng.uniform(0.75, 1.25)) if rng else (lambda: 1.0)
    order = sorted(instance.needs, key=lambda n: -len(instance.pitches_by_need[n.id]) * n.pitch_slots * jitter())
    for need in order:
        waiting = [p for p in instance.pitches_by_need[need.id] if p.id not in placed]
        own_rooms: list[int] = [home[need.id]] if home and need.id in home else []
        free = [t for t in range(n_slots) if any(t in starts[p.id] for p in waiting)]
        tried: set[tuple[int, int]] = set()
        while waiting:
            best = None  # (score, room, run)
            for room in range(n_rooms):
                run: list[int] = []
                for t in free + [None]:
                    if (
                        t is not None
                        and (room, t) not in room_busy
                        and (need.id, t) not in need_busy
                        and all((j, t) not in judge_busy for j in need.panel)
                        and (not run or (run[-1] == t - 1 and instance.adjacent_next[t - 1]))
                    ):
                        run.append(t)
                        continue
                    if run and (room, run[0]) not in tried:
                        useful = min(len(run) // need.pitch_slots, len(waiting))
                        at_home = bool(home) and room in own_rooms and useful >= min(len(waiting), 4)
                        opened = instance.half_day_of[run[0]] in open_half_days
                        score = (at_home, useful, opened, room in own_rooms, -loads[room] * jitter(), -run[0])
                        if best is None or score > best[0]:
                            best = (score, room, list(run))
                    run = (
                        [t]
                        if t is not None
                        and (room, t) not in room_busy
                        and (need.id, t) not in need_busy
                        and all((j, t) not in judge_busy for j in need.panel)
                        else []
                    )
            if best is None or best[0][0] == 0:
                break
            _, room, run = best
            tried.add((room, run[0]))
            t = run[0]
            while t <= run[-1] and waiting:
                pitch = next((p for p in waiting if fits(p, room, t)), None)
                if pitch is None:
                    t += 1
                    continue
                place(pitch, room, t)
                waiting.remove(pitch)
                if room not in own_rooms:
                    own_rooms.append(room)
                t += need.pitch_slots
        for pitch in waiting:
            rooms = own_rooms + [r for r in sorted(range(n_rooms), key=lambda r: loads[r]) if r not in own_rooms]
            spot = next(((r, s) for s in sorted(starts[pitch.id]) for r in rooms if fits(pitch, r, s)), None)
            if spot is not None:
                place(pitch, *spot)
    return sorted(placed.values(), key=lambda pl: pl.pitch_id)
