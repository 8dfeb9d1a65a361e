"""An independent checker of the hard rules, written without the solver's formulation.

Used by the tests (on CP-SAT's and the greedy's answers) and by the benchmark as a sanity check.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations, pairwise

from scheduling.model import Instance, Placement


def violations(instance: Instance, placements: Iterable[Placement], *, complete: bool = True) -> list[str]:
    """Every broken hard rule, one English line each; empty when the placement is valid.

    With `complete=False` unplaced pitches are allowed (the greedy may leave some out), every
    other rule still applies. Pins are checked either way (a pinned pitch must be where pinned).
    """
    found: list[str] = []
    by_pitch: dict[int, Placement] = {}
    for pl in placements:
        if pl.pitch_id not in instance.pitch_by_id:
            found.append(f"placement of unknown pitch {pl.pitch_id}")
        elif pl.pitch_id in by_pitch:
            found.append(f"pitch {pl.pitch_id} placed twice")
        else:
            by_pitch[pl.pitch_id] = pl
    if complete:
        found += [f"pitch {p.id} not placed" for p in instance.pitches if p.id not in by_pitch]
    cells = _cells(instance, by_pitch, found)
    for pid, (room, start) in instance.pins.items():
        pinned = by_pitch.get(pid)
        if pinned is None or (pinned.room, pinned.start) != (room, start):
            found.append(f"pitch {pid} is not where it is pinned")
    for a, b in combinations(sorted(cells), 2):
        found += _clashes(instance, by_pitch[a], cells[a], by_pitch[b], cells[b])
    return found


def _cells(instance: Instance, by_pitch: dict[int, Placement], found: list[str]) -> dict[int, tuple[int, ...]]:
    """The slots each placed pitch occupies (pitch id -> slots), for those that fit the grid; adds to `found`
    the pitches in unknown rooms, off the grid, or when a judge of their panel or their startup is away."""
    cells: dict[int, tuple[int, ...]] = {}
    for pid, pl in by_pitch.items():
        pitch = instance.pitch_by_id[pid]
        if not 0 <= pl.room < len(instance.rooms):
            found.append(f"pitch {pid} in unknown room {pl.room}")
        cov = instance.covered(pl.start, instance.length(pitch))
        if cov is None:
            found.append(f"pitch {pid} does not fit in consecutive slots from slot {pl.start}")
            continue
        cells[pid] = cov
        for judge in instance.need_by_id[pitch.need_id].panel:
            if instance.judge_unavailable.get(judge, frozenset()).intersection(cov):
                found.append(f"pitch {pid}: judge {judge} is unavailable")
        if instance.startup_unavailable.get(pitch.startup_id, frozenset()).intersection(cov):
            found.append(f"pitch {pid}: startup {pitch.startup_id} is unavailable")
    return cells


def _clashes(
    instance: Instance, pl_a: Placement, cells_a: tuple[int, ...], pl_b: Placement, cells_b: tuple[int, ...]
) -> list[str]:
    """The rules two placed pitches break together: one room, one panel, a shared judge, or one startup
    without its changeover."""
    a, b = pl_a.pitch_id, pl_b.pitch_id
    pa, pb = instance.pitch_by_id[a], instance.pitch_by_id[b]
    found = []
    overlap = set(cells_a) & set(cells_b)
    if overlap and pl_a.room == pl_b.room:
        found.append(f"room {pl_a.room} double-booked by pitches {a} and {b}")
    if overlap and pa.need_id == pb.need_id:
        found.append(f"panel of need {pa.need_id} at pitches {a} and {b} at once")
    elif overlap and set(instance.need_by_id[pa.need_id].panel) & set(instance.need_by_id[pb.need_id].panel):
        found.append(f"a judge is at pitches {a} and {b} at once")
    if pa.startup_id == pb.startup_id and instance.too_close(pl_a.start, len(cells_a), pl_b.start, len(cells_b)):
        found.append(f"startup {pa.startup_id} has pitches {a} and {b} without a changeover gap")
    return found


def compactness(instance: Instance, placements: Iterable[Placement]) -> dict[str, int]:
    """The compactness of a schedule, counted here without objective.py or the formulation:
    `half_days`, how many half-days hold a pitch (a day splits at its longest break, or at 12:00 when it
    has none), and `room_gaps`, the idle stretches between two pitches of one room within a half-day."""
    half = {}  # slot -> (day, 0 = morning / 1 = afternoon)
    for day in sorted({s.day for s in instance.slots}):
        of_day = sorted((s for s in instance.slots if s.day == day), key=lambda s: s.start_minute)
        pauses = [
            (b.start_minute - a.start_minute - instance.slot_minutes, i)
            for i, (a, b) in enumerate(pairwise(of_day), start=1)
            if b.start_minute != a.start_minute + instance.slot_minutes
        ]
        cut = max(pauses)[1] if pauses else sum(1 for s in of_day if s.start_minute < 12 * 60)
        for i, s in enumerate(of_day):
            half[s.index] = (day, int(i >= cut))
    runs: dict[tuple[int, tuple[int, int]], list[tuple[int, int]]] = {}  # (room, half-day) -> [(first, last)]
    for pl in placements:
        pitch = instance.pitch_by_id.get(pl.pitch_id)
        if pitch is None:
            continue
        runs.setdefault((pl.room, half[pl.start]), []).append((pl.start, pl.start + instance.length(pitch) - 1))
    gaps = 0
    for intervals in runs.values():
        intervals.sort()
        gaps += sum(1 for (_, end), (start, _) in pairwise(intervals) if start > end + 1)
    return {"half_days": len({h for _room, h in runs}), "room_gaps": gaps}
