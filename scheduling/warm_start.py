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
from collections.abc import Callable

from scheduling.board import Board
from scheduling.model import Instance, NeedSpec, Pitch, Placement, RoomStart

Score = tuple[bool, int, bool, bool, float, int]  # see _Construction.score


def warm_start(
    instance: Instance, rng: random.Random | None = None, home: dict[int, int] | None = None
) -> list[Placement]:
    """A (possibly partial) schedule respecting every hard rule, built block by block.

    When re-scheduling, pitches first keep their previous places where those still fit. With `rng`,
    the order of needs and the choice between equally good runs are perturbed (for multi-start).
    `home` (need id -> room, e.g. from the rooms' bin-packing) is the room each need tries first."""
    c = _Construction(instance, rng, home)
    c.place_fixed(instance.pins)
    c.place_fixed(instance.previous or {})
    order = sorted(instance.needs, key=lambda n: -len(instance.pitches_by_need[n.id]) * n.pitch_slots * c.jitter())
    for need in order:
        c.place_need(need)
    return sorted(c.placed.values(), key=lambda pl: pl.pitch_id)


class _Construction:
    """The schedule under construction: what is taken, each room's load, the half-days opened."""

    def __init__(self, instance: Instance, rng: random.Random | None, home: dict[int, int] | None) -> None:
        self.instance = instance
        self.home = home
        self.board = Board(instance)
        self.loads = [0] * len(instance.rooms)
        self.placed: dict[int, Placement] = {}
        self.starts = {p.id: set(instance.feasible_starts(p)) for p in instance.pitches}
        self.open_half_days: set[int] = set()  # half-days holding a pitch: a block prefers them (compactness)
        self.jitter: Callable[[], float] = (lambda: rng.uniform(0.75, 1.25)) if rng else (lambda: 1.0)

    def fits(self, pitch: Pitch, room: int, start: int) -> bool:
        return start in self.starts[pitch.id] and self.board.free(pitch, room, start)

    def place(self, pitch: Pitch, room: int, start: int) -> None:
        self.open_half_days.add(self.instance.half_day_of[start])
        self.board.take(pitch, room, start)
        self.loads[room] += self.instance.length(pitch)
        self.placed[pitch.id] = Placement(pitch.id, room, start)

    def place_fixed(self, fixed: dict[int, RoomStart]) -> None:
        """Pins, or the previous schedule's places, where they still fit."""
        for pid, (room, start) in fixed.items():
            pitch = self.instance.pitch_by_id.get(pid)
            if (
                pitch is not None
                and pid not in self.placed
                and 0 <= room < len(self.instance.rooms)
                and self.fits(pitch, room, start)
            ):
                self.place(pitch, room, start)

    def place_need(self, need: NeedSpec) -> None:
        """The need's pitches block by block: the best free run of slots in a room, filled slot by slot with
        its best remaining candidate that can be there; then what is left at the first place that fits."""
        waiting = [p for p in self.instance.pitches_by_need[need.id] if p.id not in self.placed]
        own_rooms: list[int] = [self.home[need.id]] if self.home and need.id in self.home else []
        free = [t for t in range(len(self.instance.slots)) if any(t in self.starts[p.id] for p in waiting)]
        tried: set[tuple[int, int]] = set()
        while waiting:
            best = self.best_run(need, waiting, own_rooms, free, tried)
            # score[0] is `at_home`: a best run away from the need's home room ends the block phase.
            if best is None or best[0][0] == 0:
                break
            _, room, run = best
            tried.add((room, run[0]))
            self.fill_run(need, room, run, waiting, own_rooms)
        for pitch in waiting:
            self.place_anywhere(pitch, own_rooms)

    def best_run(
        self, need: NeedSpec, waiting: list[Pitch], own_rooms: list[int], free: list[int], tried: set[tuple[int, int]]
    ) -> tuple[Score, int, list[int]] | None:
        """(score, room, run) of the best maximal run of adjacent slots, among `free`, where a room and the
        need's panel are free and that was not tried already; None when there is none."""
        best = None
        adjacent_next = self.instance.adjacent_next
        for room in range(len(self.instance.rooms)):
            run: list[int] = []
            for t in [*free, None]:
                if (
                    t is not None
                    and self.board.cell_free(need, room, t)
                    and (not run or (run[-1] == t - 1 and adjacent_next[t - 1]))
                ):
                    run.append(t)
                    continue
                if run and (room, run[0]) not in tried:
                    score = self.score(need, room, run, waiting, own_rooms)
                    if best is None or score > best[0]:
                        best = (score, room, list(run))
                run = [t] if t is not None and self.board.cell_free(need, room, t) else []
        return best

    def score(self, need: NeedSpec, room: int, run: list[int], waiting: list[Pitch], own_rooms: list[int]) -> Score:
        """A run at the need's home holding most of what waits first; then how many pitches it holds, in a
        half-day already used, in a room of the need, in a less loaded room, earlier."""
        useful = min(len(run) // need.pitch_slots, len(waiting))
        at_home = bool(self.home) and room in own_rooms and useful >= min(len(waiting), 4)
        opened = self.instance.half_day_of[run[0]] in self.open_half_days
        return (at_home, useful, opened, room in own_rooms, -self.loads[room] * self.jitter(), -run[0])

    def fill_run(self, need: NeedSpec, room: int, run: list[int], waiting: list[Pitch], own_rooms: list[int]) -> None:
        t = run[0]
        while t <= run[-1] and waiting:
            pitch = next((p for p in waiting if self.fits(p, room, t)), None)
            if pitch is None:
                t += 1
                continue
            self.place(pitch, room, t)
            waiting.remove(pitch)
            if room not in own_rooms:
                own_rooms.append(room)
            t += need.pitch_slots

    def place_anywhere(self, pitch: Pitch, own_rooms: list[int]) -> None:
        """The earliest start that fits, in the need's rooms first, then the least loaded."""
        n_rooms = len(self.instance.rooms)
        rooms = own_rooms + [r for r in sorted(range(n_rooms), key=lambda r: self.loads[r]) if r not in own_rooms]
        spot = next(((r, s) for s in sorted(self.starts[pitch.id]) for r in rooms if self.fits(pitch, r, s)), None)
        if spot is not None:
            self.place(pitch, *spot)
