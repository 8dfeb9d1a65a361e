"""Solve a roadshow instance with CP-SAT: the schedule, its objective, the proven bound and gap."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduling.check import violations
from scheduling.explain import explain_infeasible, quick_reasons, why_spread
from scheduling.formulation import Formulation, build, canonical_rooms, packing, rooms_interchangeable
from scheduling.greedy import greedy
from scheduling.model import SCALE, Instance, Placement, Result
from scheduling.objective import objective
from scheduling.warm_start import warm_start

Progress = Callable[[str], None]


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Calls `progress` with a one-line message for each better schedule found."""

    def __init__(self, progress: Progress, time_limit_s: float) -> None:
        super().__init__()
        self._progress = progress
        self._limit = time_limit_s

    def on_solution_callback(self) -> None:
        self._progress(
            f"{min(1.0, self.wall_time / self._limit):.0%} of the time limit: schedule with objective "
            f"{self.objective_value / SCALE:g}, lower bound {self.best_objective_bound / SCALE:g}"
        )


def solve(
    instance: Instance, *, time_limit_s: float = 30, workers: int = 2, progress: Progress | None = None
) -> Result:
    """The best schedule CP-SAT finds within `time_limit_s` seconds on `workers` threads.

    Every pitch is placed and every hard rule holds (status "optimal" or "feasible"), or the status is
    "infeasible" with plain-language `reasons`, or "unknown" when time ran out before any schedule.
    A schedule's `reasons` say why it uses more half-days than its pitches need (`explain.why_spread`).
    If CP-SAT finds none in time but the warm start placed every pitch, that schedule is returned
    as "feasible".
    `objective` is objective.py's value of the schedule; `bound` is CP-SAT's proven lower bound in
    the same units; `gap` is (objective - bound) / objective (0 when optimal). `progress`, if given,
    is called from the solver's thread with a short message at each improvement.
    """
    began = time.monotonic()
    reasons = quick_reasons(instance)
    if reasons:
        return Result(
            status="infeasible",
            reasons=tuple(reasons),
            seconds=time.monotonic() - began,
            unplaced=tuple(p.id for p in instance.pitches),
        )

    formulation = build(instance)
    start = _hint(instance, formulation, time_limit_s)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.monotonic() - began))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    # The full-problem worker runs the strongest LP (all constraints linearised): it proves the bound.
    # The other worker(s) run large neighbourhood search on the incumbent.
    solver.parameters.linearization_level = 2
    solver.parameters.subsolvers.append("max_lp")
    status = solver.solve(formulation.model, _Reporter(progress, time_limit_s) if progress else None)

    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        bound = max(solver.best_objective_bound, formulation.analytic_bound) / SCALE
        if status == cp_model.UNKNOWN:
            # No schedule from CP-SAT in time: fall back on the construction when it placed everyone.
            if len(start) < len(instance.pitches) or violations(instance, start):
                return Result(
                    status="unknown", seconds=time.monotonic() - began, unplaced=tuple(p.id for p in instance.pitches)
                )
            placements = start
        else:
            placements = _read(instance, formulation, solver)
        value = objective(instance, placements)
        optimal = status == cp_model.OPTIMAL
        gap = (value - bound) / value if value > 0 else 0.0
        return Result(
            status="optimal" if optimal else "feasible",
            placements=tuple(placements),
            objective=value,
            bound=bound,
            gap=gap,
            seconds=time.monotonic() - began,
            reasons=tuple(why_spread(instance, placements)),
        )
    if status == cp_model.INFEASIBLE:
        reasons = explain_infeasible(instance, time_limit_s=max(1.0, time_limit_s - (time.monotonic() - began)))
        return Result(
            status="infeasible",
            reasons=tuple(reasons),
            seconds=time.monotonic() - began,
            unplaced=tuple(p.id for p in instance.pitches),
        )
    raise RuntimeError(f"invalid scheduling model: {formulation.model.validate()}")


def _best_start(instance: Instance, budget_s: float, good_enough: float = 0.0) -> list[Placement]:
    """The best of the greedy, the block-first construction and its randomised variants (fixed seeds), each
    also with the needs' rooms taken from the bin-packing, built within `budget_s` seconds (or until
    one reaches `good_enough`, the proven lower bound)."""
    began = time.monotonic()
    homes: list[dict[int, int] | None] = [None]  # each construction runs without and with the packing's rooms
    if not instance.previous:
        homes.append(packing(instance, time_limit_s=min(0.5, budget_s / 4))[1])
    best = greedy(instance)
    best_value = objective(instance, best)
    seed = 0
    while seed < 200 and (seed == 0 or time.monotonic() - began < budget_s) and best_value > good_enough:
        for home in homes:
            candidate = warm_start(instance, random.Random(seed) if seed else None, home)
            value = objective(instance, candidate)
            if value < best_value:
                best, best_value = candidate, value
        seed += 1
    return best


def _hint(instance: Instance, f: Formulation, time_limit_s: float) -> list[Placement]:
    """Start from the block-first construction, keeping the previous schedule's places when re-scheduling.

    Every x and z is hinted (unplaced pitches: all zero), so a complete construction is a complete
    first solution for CP-SAT."""
    placements = _best_start(
        instance,
        budget_s=min(3.0, 0.1 * time_limit_s, 0.01 * len(instance.pitches)),
        good_enough=f.analytic_bound / SCALE,
    )
    if rooms_interchangeable(instance):
        placements = canonical_rooms(instance, placements)
    cells = {}
    chosen = {}
    for pl in placements:
        pitch = instance.pitch_by_id[pl.pitch_id]
        chosen[pl.pitch_id] = pl.start
        for t in range(pl.start, pl.start + instance.length(pitch)):
            cells[pitch.need_id, t] = pl.room
    for (pid, s), var in f.x.items():
        f.model.add_hint(var, chosen.get(pid) == s)
    for (need_id, r, t), var in f.z.items():
        f.model.add_hint(var, cells.get((need_id, t)) == r)
    _complete_hint(f)
    return placements


def _complete_hint(f: Formulation) -> None:
    """Extend the hint on x and z to every variable (block starts, rooms used, loads, ...) by solving
    a copy with x and z fixed, so CP-SAT starts from a full solution instead of repairing a partial one."""
    probe = f.model.clone()
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 2.0
    if solver.solve(probe) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return  # the construction was partial: keep the partial hint
    f.model.clear_hints()
    for index in range(len(f.model.proto.variables)):
        var = f.model.get_int_var_from_proto_index(index)
        f.model.add_hint(var, solver.value(probe.get_int_var_from_proto_index(index)))


def _read(instance: Instance, f: Formulation, solver: cp_model.CpSolver) -> list[Placement]:
    out = []
    for (pid, start), var in f.x.items():
        if solver.boolean_value(var):
            need_id = instance.pitch_by_id[pid].need_id
            room = next(r for r in range(len(instance.rooms)) if solver.boolean_value(f.z[need_id, r, start]))
            out.append(Placement(pid, room, start))
    return sorted(out, key=lambda pl: pl.pitch_id)
