"""Re-scheduling after a change: how many pitches had to move, and how many did."""

from __future__ import annotations

from dataclasses import replace

from scheduling.model import Instance, Placement, Weights
from scheduling.solver import solve


def moves(instance: Instance, placements: list[Placement]) -> int:
    """Pitches placed elsewhere than in `instance.previous` (new pitches do not count)."""
    before = instance.previous or {}
    return sum(1 for pl in placements if pl.pitch_id in before and before[pl.pitch_id] != (pl.room, pl.start))


def fewest_moves(instance: Instance, *, time_limit_s: float = 30, workers: int = 2) -> tuple[int, bool]:
    """The fewest pitches that must leave their previous place (the same instance scored on moves only)
    and whether CP-SAT proved it; (-1, False) when no schedule was found."""
    only_moves = Weights(
        need_rooms=0,
        need_blocks=0,
        panel_room_changes=0,
        late_rank=0,
        room_balance=0,
        half_days=0,
        room_gaps=0,
        moved=1,
        unplaced=0,
    )
    result = solve(replace(instance, weights=only_moves), time_limit_s=time_limit_s, workers=workers)
    if result.status not in ("optimal", "feasible"):
        return -1, False
    return moves(instance, list(result.placements)), result.status == "optimal"
