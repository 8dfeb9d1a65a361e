"""The roadshow problem and its answer as plain frozen dataclasses.

Time is a grid of slots of one length (`Instance.slot_minutes`). Slots are numbered 0..n-1 in
time order; two slots with consecutive indexes are *adjacent* only when they are on the same
day and the second starts exactly when the first ends, so a lunch break or a night is a gap
between indexes. A pitch of `pitch_slots` slots occupies adjacent slots only. Rooms are
numbered by their position in `Instance.rooms`. Ids are ints; names are only for reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise
from typing import Literal

SCALE = 100
"""Weights are applied in hundredths: CP-SAT needs integers, and objective.py uses the same ones."""

Status = Literal["optimal", "feasible", "infeasible", "unknown"]


@dataclass(frozen=True)
class Slot:
    index: int
    day: int
    start_minute: int  # minutes after midnight


@dataclass(frozen=True)
class NeedSpec:
    id: int
    name: str
    pitch_slots: int  # every pitch for this need lasts this many slots
    panel: tuple[int, ...]  # judge ids; the whole panel attends every pitch of the need


@dataclass(frozen=True)
class Pitch:
    id: int
    need_id: int
    startup_id: int
    startup_name: str
    rank: int  # 1 = the need's best candidate


@dataclass(frozen=True)
class Weights:
    """One weight per soft term (see objective.py for each term's definition), all editable.

    `late_slots` and `top_ranks` shape the late-rank term: a pitch starting in the last
    `late_slots` slots of its day costs `max(0, top_ranks + 1 - rank)`.
    Weights count in hundredths (`SCALE`); finer digits are rounded away.
    """

    need_rooms: float = 3.0
    need_blocks: float = 2.0
    panel_room_changes: float = 2.0
    late_rank: float = 1.0
    room_balance: float = 1.0
    half_days: float = 1.0
    room_gaps: float = 1.0
    moved: float = 100.0
    unplaced: float = 1000.0
    late_slots: int = 3
    top_ranks: int = 3

    def scaled(self) -> dict[str, int]:
        """Each weight as an integer number of hundredths, keyed by term name."""
        names = (
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
        return {name: round(getattr(self, name) * SCALE) for name in names}


RoomStart = tuple[int, int]  # (room index, start slot index)


@dataclass(frozen=True)
class Instance:
    slots: tuple[Slot, ...]
    slot_minutes: int
    rooms: tuple[str, ...]
    needs: tuple[NeedSpec, ...]
    pitches: tuple[Pitch, ...]
    judge_unavailable: dict[int, frozenset[int]] = field(default_factory=dict)
    startup_unavailable: dict[int, frozenset[int]] = field(default_factory=dict)
    pins: dict[int, RoomStart] = field(default_factory=dict)
    changeover_slots: int = 1
    weights: Weights = field(default_factory=Weights)
    previous: dict[int, RoomStart] | None = None

    # Derived views (computed once per instance).

    @cached_property
    def need_by_id(self) -> dict[int, NeedSpec]:
        return {n.id: n for n in self.needs}

    @cached_property
    def pitch_by_id(self) -> dict[int, Pitch]:
        return {p.id: p for p in self.pitches}

    @cached_property
    def pitches_by_need(self) -> dict[int, list[Pitch]]:
        """Each need's pitches, best rank first."""
        out: dict[int, list[Pitch]] = {n.id: [] for n in self.needs}
        for p in self.pitches:
            out[p.need_id].append(p)
        for ps in out.values():
            ps.sort(key=lambda p: (p.rank, p.id))
        return out

    @cached_property
    def pitches_by_startup(self) -> dict[int, list[Pitch]]:
        out: dict[int, list[Pitch]] = {}
        for p in self.pitches:
            out.setdefault(p.startup_id, []).append(p)
        return out

    @cached_property
    def startup_names(self) -> dict[int, str]:
        return {p.startup_id: p.startup_name for p in self.pitches}

    def length(self, pitch: Pitch) -> int:
        """How many slots the pitch lasts."""
        return self.need_by_id[pitch.need_id].pitch_slots

    @cached_property
    def adjacent_next(self) -> tuple[bool, ...]:
        """adjacent_next[i]: slot i+1 follows slot i directly (same day, no break between)."""
        out = []
        for a, b in pairwise(self.slots):
            out.append(a.day == b.day and b.start_minute == a.start_minute + self.slot_minutes)
        out.append(False)
        return tuple(out)

    def covered(self, start: int, length: int) -> tuple[int, ...] | None:
        """The slots a pitch starting at `start` occupies, or None if it would cross a break or the end."""
        if start < 0 or start + length > len(self.slots):
            return None
        if any(not self.adjacent_next[i] for i in range(start, start + length - 1)):
            return None
        return tuple(range(start, start + length))

    @cached_property
    def segments(self) -> tuple[tuple[int, ...], ...]:
        """Maximal runs of adjacent slots (e.g. each morning and each afternoon)."""
        out: list[list[int]] = []
        for s in range(len(self.slots)):
            if s == 0 or not self.adjacent_next[s - 1]:
                out.append([])
            out[-1].append(s)
        return tuple(tuple(seg) for seg in out)

    @cached_property
    def half_days(self) -> tuple[tuple[int, ...], ...]:
        """Each day's slots split in two at its longest break (lunch; the later one on a tie), or at
        12:00 when the day has no break; a day whose slots all fall on one side is one half-day.
        Shorter breaks (coffee) stay inside a half-day."""
        out: list[tuple[int, ...]] = []
        for day in self.days:
            of_day = [s for s in self.slots if s.day == day]
            breaks = [
                (b.start_minute - (a.start_minute + self.slot_minutes), i + 1)
                for i, (a, b) in enumerate(pairwise(of_day))
                if not self.adjacent_next[a.index]
            ]
            if breaks:
                cut = max(breaks)[1]
            else:
                cut = next((i for i, s in enumerate(of_day) if s.start_minute >= 12 * 60), len(of_day))
            for part in (of_day[:cut], of_day[cut:]):
                if part:
                    out.append(tuple(s.index for s in part))
        return tuple(out)

    @cached_property
    def half_day_of(self) -> tuple[int, ...]:
        """half_day_of[slot]: the index in `half_days` of the half-day holding the slot."""
        out = [0] * len(self.slots)
        for k, part in enumerate(self.half_days):
            for s in part:
                out[s] = k
        return tuple(out)

    @cached_property
    def days(self) -> tuple[int, ...]:
        return tuple(sorted({s.day for s in self.slots}))

    @cached_property
    def late_slots(self) -> frozenset[int]:
        """The last `weights.late_slots` slots of each day."""
        late: set[int] = set()
        for day in self.days:
            of_day = [s.index for s in self.slots if s.day == day]
            late.update(of_day[len(of_day) - self.weights.late_slots :] if self.weights.late_slots else [])
        return frozenset(late)

    def panel_unavailable(self, need_id: int) -> frozenset[int]:
        """Slots when at least one judge of the need's panel is away."""
        out: set[int] = set()
        for judge in self.need_by_id[need_id].panel:
            out |= self.judge_unavailable.get(judge, frozenset())
        return frozenset(out)

    def feasible_starts(self, pitch: Pitch) -> list[int]:
        """Starts where the pitch fits the grid and its panel and startup are all available."""
        away = self.panel_unavailable(pitch.need_id) | self.startup_unavailable.get(pitch.startup_id, frozenset())
        out = []
        for s in range(len(self.slots)):
            cov = self.covered(s, self.length(pitch))
            if cov is not None and not away.intersection(cov):
                out.append(s)
        return out

    def too_close(self, start_a: int, len_a: int, start_b: int, len_b: int) -> bool:
        """Two pitches of one startup clash: they overlap, or the later one starts within
        `changeover_slots` slots after the earlier ends with no break (lunch, night) between them."""
        if start_b < start_a:
            start_a, len_a, start_b, len_b = start_b, len_b, start_a, len_a
        end_a = start_a + len_a  # first slot after the earlier pitch
        if start_b < end_a:
            return True
        if start_b >= end_a + self.changeover_slots:
            return False
        return all(self.adjacent_next[i] for i in range(end_a - 1, start_b))

    def without(self, pitch_ids: set[int]) -> Instance:
        """The same instance with some pitches cancelled (their pins dropped too)."""
        return replace(
            self,
            pitches=tuple(p for p in self.pitches if p.id not in pitch_ids),
            pins={k: v for k, v in self.pins.items() if k not in pitch_ids},
        )


@dataclass(frozen=True)
class Placement:
    pitch_id: int
    room: int
    start: int


@dataclass(frozen=True)
class Reason:
    """A plain-language reason with a translatable template: `str(reason)` is the English text;
    the UI passes `template` through gettext and formats it with `params`.

    `parties` names, by id, everything the reason tells about: "startups", "needs" and "judges", each a
    sorted tuple of ids. A reason about a need's pitches (its count, its panel's time) names the startups
    pitching to it too, and one about a startup's pitches the needs they are for, so a reader who may not
    know of one of those pitches can be spared the reason (the web app filters per reader)."""

    template: str
    params: dict[str, object] = field(default_factory=dict)
    parties: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template.format(**self.params)


@dataclass(frozen=True)
class Result:
    status: Status
    placements: tuple[Placement, ...] = ()
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    reasons: tuple[Reason, ...] = ()
    unplaced: tuple[int, ...] = ()
