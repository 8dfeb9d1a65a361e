"""Small hand-made instances for the scheduling tests."""

from __future__ import annotations

from scheduling.model import Instance, NeedSpec, Pitch, Slot, Weights


def slots(*parts: tuple[int, int, int], minutes: int = 20) -> tuple[Slot, ...]:
    """Slots from (day, first start minute, count) parts, e.g. a morning and an afternoon."""
    out: list[Slot] = []
    for day, first, count in parts:
        out += [Slot(len(out) + i, day, first + i * minutes) for i in range(count)]
    return tuple(Slot(i, s.day, s.start_minute) for i, s in enumerate(out))


MORNING_AND_AFTERNOON = slots((0, 540, 3), (0, 780, 3))  # 9:00 9:20 9:40 | lunch | 13:00 13:20 13:40


def need(id: int, judges: tuple[int, ...] = (), pitch_slots: int = 1) -> NeedSpec:
    return NeedSpec(id=id, name=f"Need {'ABCDEFGH'[id - 1]}", pitch_slots=pitch_slots, panel=judges or (100 + id,))


def pitch(id: int, need_id: int, startup_id: int, rank: int = 1) -> Pitch:
    return Pitch(id=id, need_id=need_id, startup_id=startup_id, startup_name=f"Startup {startup_id}", rank=rank)


def instance(
    needs, pitches, *, grid=MORNING_AND_AFTERNOON, rooms: int = 2, weights: Weights | None = None, **kwargs
) -> Instance:
    return Instance(
        slots=grid,
        slot_minutes=20,
        rooms=tuple(f"Room {r + 1}" for r in range(rooms)),
        needs=tuple(needs),
        pitches=tuple(pitches),
        weights=weights or Weights(),
        **kwargs,
    )
