"""Who is busy when, while a construction (`greedy`, `warm_start`) places pitches one by one."""

from __future__ import annotations

from scheduling.model import Instance, NeedSpec, Pitch


class Board:
    """The rooms, panels, judges and startups taken by the pitches placed so far. A need's panel attends
    every pitch of its need, even with no judges named; a startup needs its changeover between pitches."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.room_busy: set[tuple[int, int]] = set()  # (room, slot)
        self.judge_busy: set[tuple[int, int]] = set()  # (judge, slot)
        self.need_busy: set[tuple[int, int]] = set()  # (need id, slot)
        self.startup_at: dict[int, list[tuple[int, int]]] = {}  # startup -> [(start, length)]

    def free(self, pitch: Pitch, room: int, start: int) -> bool:
        """The room, the panel and the startup (with its changeover) are free for the pitch from `start`
        (whether the pitch fits the grid there is the caller's check)."""
        instance = self.instance
        length = instance.length(pitch)
        cov = range(start, start + length)
        panel = instance.need_by_id[pitch.need_id].panel
        if any((room, s) in self.room_busy or (pitch.need_id, s) in self.need_busy for s in cov) or any(
            (j, s) in self.judge_busy for j in panel for s in cov
        ):
            return False
        return not any(
            instance.too_close(start, length, other, other_len)
            for other, other_len in self.startup_at.get(pitch.startup_id, [])
        )

    def cell_free(self, need: NeedSpec, room: int, slot: int) -> bool:
        """The room, the need's panel and each of its judges are free at `slot`."""
        return (
            (room, slot) not in self.room_busy
            and (need.id, slot) not in self.need_busy
            and all((j, slot) not in self.judge_busy for j in need.panel)
        )

    def take(self, pitch: Pitch, room: int, start: int) -> None:
        length = self.instance.length(pitch)
        for s in range(start, start + length):
            self.room_busy.add((room, s))
            self.need_busy.add((pitch.need_id, s))
            self.judge_busy.update((j, s) for j in self.instance.need_by_id[pitch.need_id].panel)
        self.startup_at.setdefault(pitch.startup_id, []).append((start, length))
