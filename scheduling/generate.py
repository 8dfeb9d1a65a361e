"""Reproducible roadshow instances with the shape of a real matchmaking day.

Days run 9:00-12:40 and 13:30-17:30 (lunch in between) in 20-minute slots, so 23 slots a day;
every pitch is one slot (20 minutes); one need per ~18 pitches with panels of 2-4 judges of their
own; each startup pitches for 1-3 needs; each panel is away for 20% of the slots and each
startup for 10%, in contiguous blocks inside a morning or an afternoon, the way calendars look.
The changeover gap is one slot.
"""

from __future__ import annotations

import random

from scheduling.model import Instance, NeedSpec, Pitch, Slot, Weights

SLOT_MINUTES = 20
DAY_PARTS = ((9 * 60, 12 * 60 + 40), (13 * 60 + 30, 17 * 60 + 30))  # [start, end) minutes
PITCHES_PER_NEED = 18
PANEL_AWAY = 0.20
STARTUP_AWAY = 0.10
NEEDS_PER_STARTUP = (1, 2, 3)
NEEDS_PER_STARTUP_WEIGHTS = (0.6, 0.3, 0.1)


def day_slots(days: int) -> tuple[Slot, ...]:
    """The slot grid of `days` days."""
    slots: list[Slot] = []
    for day in range(days):
        for begin, end in DAY_PARTS:
            for minute in range(begin, end - SLOT_MINUTES + 1, SLOT_MINUTES):
                slots.append(Slot(len(slots), day, minute))
    return tuple(slots)


def _away_blocks(
    rng: random.Random, segments: list[list[int]], share: float, lengths: tuple[int, int]
) -> list[list[int]]:
    """Contiguous blocks inside segments covering `share` of all slots (the last block is cut to fit)."""
    total = sum(len(seg) for seg in segments)
    target = round(share * total)
    away: set[int] = set()
    blocks: list[list[int]] = []
    while len(away) < target:
        seg = rng.choice(segments)
        length = rng.randint(*lengths)
        first = rng.randrange(len(seg))
        block = [s for s in seg[first : first + length] if s not in away][: target - len(away)]
        if block:
            away.update(block)
            blocks.append(block)
    return blocks


def generate(pitches: int, rooms: int, days: int, seed: int, *, weights: Weights | None = None) -> Instance:
    """An instance with `pitches` pitches in `rooms` rooms over `days` days; the same seed gives the same instance."""
    rng = random.Random(seed)
    slots = day_slots(days)
    segments = _segments(slots)
    counts = _pitches_per_need(rng, pitches)
    needs, judge_unavailable = _needs(rng, len(counts), segments)
    pairs = _pairs(rng, {need.id: counts[i] for i, need in enumerate(needs)})
    n_startups = max((sid for sid, _ in pairs), default=0)
    startup_unavailable = {
        s: frozenset(x for block in _away_blocks(rng, segments, STARTUP_AWAY, (1, 4)) for x in block)
        for s in range(1, n_startups + 1)
    }
    ranks: dict[int, list[int]] = {}
    for need in needs:
        n = sum(1 for _, nid in pairs if nid == need.id)
        ranks[need.id] = rng.sample(range(1, n + 1), n)
    pitch_list = []
    for pid, (sid, nid) in enumerate(pairs, start=1):
        pitch_list.append(
            Pitch(id=pid, need_id=nid, startup_id=sid, startup_name=f"Startup {sid}", rank=ranks[nid].pop())
        )
    return Instance(
        slots=slots,
        slot_minutes=SLOT_MINUTES,
        rooms=tuple(f"Room {r + 1}" for r in range(rooms)),
        needs=tuple(needs),
        pitches=tuple(pitch_list),
        judge_unavailable=judge_unavailable,
        startup_unavailable=startup_unavailable,
        changeover_slots=1,
        weights=weights or Weights(),
    )


def _segments(slots: tuple[Slot, ...]) -> list[list[int]]:
    """The slot indexes of each morning and each afternoon."""
    segments: list[list[int]] = []
    for slot in slots:
        if (
            not segments
            or slots[slot.index - 1].day != slot.day
            or slot.start_minute != slots[slot.index - 1].start_minute + SLOT_MINUTES
        ):
            segments.append([])
        segments[-1].append(slot.index)
    return segments


def _pitches_per_need(rng: random.Random, pitches: int) -> list[int]:
    """One need per ~PITCHES_PER_NEED pitches, each with a random share of the pitches (at least one)."""
    n_needs = max(1, round(pitches / PITCHES_PER_NEED))
    shares = [rng.uniform(0.7, 1.3) for _ in range(n_needs)]
    counts = [max(1, int(pitches * w / sum(shares))) for w in shares]
    while sum(counts) < pitches:
        counts[rng.randrange(n_needs)] += 1
    while sum(counts) > pitches:
        i = max(range(n_needs), key=lambda k: counts[k])
        counts[i] -= 1
    return counts


def _needs(
    rng: random.Random, n_needs: int, segments: list[list[int]]
) -> tuple[list[NeedSpec], dict[int, frozenset[int]]]:
    """The needs, each with a panel of 2-4 judges of its own away for PANEL_AWAY of the slots, and the
    judges' unavailability."""
    needs = []
    judge_unavailable: dict[int, frozenset[int]] = {}
    next_judge = 1
    for i in range(n_needs):
        panel = tuple(range(next_judge, next_judge + rng.randint(2, 4)))
        next_judge += len(panel)
        needs.append(NeedSpec(id=i + 1, name=f"Need {i + 1}", pitch_slots=1, panel=panel))
        away: dict[int, set[int]] = {j: set() for j in panel}
        for block in _away_blocks(rng, segments, PANEL_AWAY, (2, 6)):
            away[rng.choice(panel)].update(block)
        judge_unavailable.update({j: frozenset(s) for j, s in away.items() if s})
    return needs, judge_unavailable


def _pairs(rng: random.Random, remaining: dict[int, int]) -> list[tuple[int, int]]:
    """(startup id, need id) of every pitch: startups numbered from 1, each pitching for 1-3 needs that
    still have pitches to fill (`remaining`: need id -> pitches left; used up)."""
    pairs: list[tuple[int, int]] = []
    startup_id = 0
    while any(remaining.values()):
        startup_id += 1
        k = rng.choices(NEEDS_PER_STARTUP, NEEDS_PER_STARTUP_WEIGHTS)[0]
        open_needs = [n for n, c in remaining.items() if c > 0]
        chosen: list[int] = []
        for _ in range(min(k, len(open_needs))):
            pool = [n for n in open_needs if n not in chosen]
            chosen.append(rng.choices(pool, [remaining[n] for n in pool])[0])
        for n in chosen:
            remaining[n] -= 1
            pairs.append((startup_id, n))
    return pairs
