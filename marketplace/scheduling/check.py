"""An independent checker of the hard rules, written without the solver's formulation.

Used by the tests (on CP-SAT's and the greedy's answers) and by the benchmark as a sanity check.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from marketplace.scheduling.model import Instance, Placement


def violations(instance: Instance, placements: Iterable[Placement], *, complete: bool = True) -> list[str]:
    """Every broken hard rule, one English line each; empty when the placement is valid.

    With `complete=False` unplaced pitches are allowed (the greedy may leave some out), every
    other rule still applies. Pins are checked either way (a pinned pitch must be where pinned).
    """
    found: list[str] = []
    placements = list(placements)
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

    for pid, (room, start) in instance.pins.items():
        pl = by_pitch.get(pid)
        if pl is None or (pl.room, pl.start) != (room, start):
            found.append(f"pitch {pid} is not where it is pinned")

    for a, b in combinations(sorted(cells), 2):
        pa, pb = instance.pitch_by_id[a], instance.pitch_by_id[b]
        overlap = set(cells[a]) & set(cells[b])
        if overlap and by_pitch[a].room == by_pitch[b].room:
            found.append(f"room {by_pitch[a].room} double-booked by pitches {a} and {b}")
        if overlap and pa.need_id == pb.need_id:
            found.append(f"panel of need {pa.need_id} at pitches {a} and {b} at once")
        elif overlap and set(instance.need_by_id[pa.need_id].panel) & set(instance.need_by_id[pb.need_id].panel):
            found.append(f"a judge is at pitches {a} and {b} at once")
        if pa.startup_id == pb.startup_id and instance.too_close(by_pitch[a].start, len(cells[a]),
                                                                 by_pitch[b].start, len(cells[b])):
            found.append(f"startup {pa.startup_id} has pitches {a} and {b} without a changeover gap")
    return found
