"""The CP-SAT formulation shared by `solver.solve` (optimise) and `explain` (find culprit groups).

Decomposition: a pitch chooses only its start slot (`x[p, s]`); a need's panel chooses which room it
holds at each slot it is busy (`z[n, r, t]`). A pitch's room is its panel's room at its start,
multi-slot pitches keep the room for their whole length, and a room holds at most one panel per
slot. The soft terms of objective.py are read off `z` (rooms per need and per day, block starts,
room loads) and `x` (late starts, moves), with analytic lower bounds added as constraints so
CP-SAT has a useful bound at once (and its LP a tighter one later):

- a need needs at least as many blocks as the fewest stretches of slots where its pitches can be
  that hold all of its pitches (a domain bound on its block count);
- each room a need uses (per day) holds at least one of its blocks;
- the busiest room holds at least the even share, at least size / k of a need spread over k rooms,
  and, while every need keeps one room, at least the proven bound of packing whole needs into the
  rooms (`packing`);
- the objective is at least the sum of those counting bounds (`Formulation.analytic_bound`);
- rooms are interchangeable unless pins or a previous schedule name them, so rooms are numbered
  in the order needs first use them (symmetry breaking).

In explain mode every group of hard rules that an organiser can change (a panel's availability,
a startup's availability, a startup's changeover, each pin) is switched on by an assumption
literal, and there is no objective.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from ortools.sat.python import cp_model

from scheduling.model import Instance, NeedSpec, Pitch, Placement


@dataclass
class Group:
    """A switchable group of hard rules (explain mode only)."""

    kind: str  # "panel" | "startup_away" | "changeover" | "pin"
    key: int  # need id, startup id or pitch id
    literal: cp_model.IntVar


@dataclass
class Formulation:
    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]  # (pitch id, start) -> placed there
    z: dict[tuple[int, int, int], cp_model.IntVar]  # (need id, room, slot) -> panel holds room
    terms: dict[str, cp_model.LinearExprT] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    analytic_bound: int = 0  # scaled; a lower bound on the objective proven by counting


@dataclass
class _Builder:
    """What the rule families of `build` share: the instance, the model being built and the mode."""

    instance: Instance
    f: Formulation
    explain: bool

    @property
    def m(self) -> cp_model.CpModel:
        return self.f.model

    def switch(self, kind: str, key: int) -> cp_model.IntVar:
        """A new assumption literal that switches a group of rules on (explain mode)."""
        lit = self.m.new_bool_var(f"{kind}_{key}")
        self.f.groups.append(Group(kind, key, lit))
        return lit

    def group(self, kind: str, key: int) -> cp_model.IntVar | None:
        """The literal of a switchable group in explain mode; None (always on) otherwise."""
        return self.switch(kind, key) if self.explain else None

    def starts_for(self, pitch: Pitch) -> list[int]:
        """The starts the pitch may take: where it fits the grid (explain mode, availability is a group)
        or where it fits and everyone is free; a pinned pitch only its pinned start, if allowed."""
        instance = self.instance
        grid = [s for s in range(len(instance.slots)) if instance.covered(s, instance.length(pitch)) is not None]
        allowed = grid if self.explain else instance.feasible_starts(pitch)
        if pitch.id in instance.pins and not self.explain:
            pinned = instance.pins[pitch.id][1]
            return [pinned] if pinned in allowed else []
        return allowed


Cells = dict[tuple[int, int], list[cp_model.IntVar]]  # (need id, slot) -> start variables


def build(instance: Instance, *, explain: bool = False) -> Formulation:
    """The CP-SAT model of `instance`; with `explain=True`, switchable groups and no objective."""
    b = _Builder(instance, Formulation(model=cp_model.CpModel(), x={}, z={}), explain)
    covering, continuing = _add_starts(b)
    if explain:
        _add_availability_groups(b)
    occupancy = _add_panel_rooms(b, covering)
    _add_room_capacity(b)
    _add_room_continuity(b, continuing)
    _add_judge_clashes(b, occupancy)
    _add_changeovers(b)
    _add_pins(b)
    if not explain:
        _add_objective(instance, b.f)
    return b.f


def _add_starts(b: _Builder) -> tuple[Cells, Cells]:
    """Each pitch chooses exactly one start (`x`). Returns the x covering each (need, slot), and the x
    covering it as the continuation of a pitch begun the slot before."""
    covering: Cells = {}
    continuing: Cells = {}
    for pitch in b.instance.pitches:
        length = b.instance.length(pitch)
        starts = b.starts_for(pitch)
        for s in starts:
            var = b.m.new_bool_var(f"x_{pitch.id}_{s}")
            b.f.x[pitch.id, s] = var
            for t in range(s, s + length):
                covering.setdefault((pitch.need_id, t), []).append(var)
                if t > s:
                    continuing.setdefault((pitch.need_id, t), []).append(var)
        b.m.add_exactly_one(b.f.x[pitch.id, s] for s in starts)  # no start at all makes the model infeasible
    return covering, continuing


def _add_availability_groups(b: _Builder) -> None:
    """Explain mode: each panel's and each startup's unavailability as a switchable group (otherwise it
    is in the domains of x)."""
    instance = b.instance
    for need in instance.needs:
        lit = b.switch("panel", need.id)
        _forbid_starts_during(b, instance.pitches_by_need[need.id], instance.panel_unavailable(need.id), lit)
    for startup, pitches in instance.pitches_by_startup.items():
        away = instance.startup_unavailable.get(startup, frozenset())
        if not away:
            continue
        lit = b.switch("startup_away", startup)
        _forbid_starts_during(b, pitches, away, lit)


def _forbid_starts_during(b: _Builder, pitches: list[Pitch], away: frozenset[int], lit: cp_model.IntVar) -> None:
    for pitch in pitches:
        for s in b.starts_for(pitch):
            if away.intersection(range(s, s + b.instance.length(pitch))):
                b.m.add(b.f.x[pitch.id, s] == 0).only_enforce_if(lit)


def _add_panel_rooms(b: _Builder, covering: Cells) -> dict[tuple[int, int], cp_model.LinearExprT]:
    """A panel sees its need's pitches one at a time, and holds one room (`z`) at each slot it is busy.
    Returns the number of its need's pitches at each (need, slot)."""
    m, f = b.m, b.f
    rooms = range(len(b.instance.rooms))
    occupancy: dict[tuple[int, int], cp_model.LinearExprT] = {}
    for (need_id, t), xs in covering.items():
        occupancy[need_id, t] = sum(xs)
        if len(xs) > 1:
            m.add_at_most_one(xs)  # the panel attends every pitch of its need, so one at a time
        for r in rooms:
            f.z[need_id, r, t] = m.new_bool_var(f"z_{need_id}_{r}_{t}")
        m.add(sum(f.z[need_id, r, t] for r in rooms) == occupancy[need_id, t])
    return occupancy


def _add_room_capacity(b: _Builder) -> None:
    """A room holds one panel at a time."""
    for r in range(len(b.instance.rooms)):
        for t in range(len(b.instance.slots)):
            here = [b.f.z[n.id, r, t] for n in b.instance.needs if (n.id, r, t) in b.f.z]
            if len(here) > 1:
                b.m.add_at_most_one(here)


def _add_room_continuity(b: _Builder, continuing: Cells) -> None:
    """A multi-slot pitch keeps its room."""
    m, z = b.m, b.f.z
    for (need_id, t), xs in continuing.items():
        cont = sum(xs)
        for r in range(len(b.instance.rooms)):
            m.add(z[need_id, r, t] - z[need_id, r, t - 1] <= 1 - cont)
            m.add(z[need_id, r, t - 1] - z[need_id, r, t] <= 1 - cont)


def _panels_of_judges(needs: Iterable[NeedSpec]) -> dict[int, list[NeedSpec]]:
    """Judge id -> the needs whose panel the judge sits on."""
    out: dict[int, list[NeedSpec]] = {}
    for need in needs:
        for judge in need.panel:
            out.setdefault(judge, []).append(need)
    return out


def _add_judge_clashes(b: _Builder, occupancy: dict[tuple[int, int], cp_model.LinearExprT]) -> None:
    """A judge on several panels is in one place at a time."""
    for of_judge in _panels_of_judges(b.instance.needs).values():
        if len(of_judge) < 2:
            continue
        for t in range(len(b.instance.slots)):
            busy = [occupancy[n.id, t] for n in of_judge if (n.id, t) in occupancy]
            if len(busy) > 1:
                b.m.add(sum(busy) <= 1)


def _add_changeovers(b: _Builder) -> None:
    """A startup is in one place at a time, with a changeover gap (a break counts as one)."""
    for startup, pitches in b.instance.pitches_by_startup.items():
        if len(pitches) < 2:
            continue
        lit = b.group("changeover", startup)
        for entries in _changeover_windows(b, pitches).values():
            if len({pid for pid, _ in entries}) > 1:
                ct = b.m.add(sum(var for _, var in entries) <= 1)
                if lit is not None:
                    ct.only_enforce_if(lit)


def _changeover_windows(b: _Builder, pitches: list[Pitch]) -> dict[int, list[tuple[int, cp_model.IntVar]]]:
    """Slot -> the (pitch id, x) of the startup's pitches that hold the startup at that slot: pitching
    there, or in the changeover after a pitch (which a break ends)."""
    instance = b.instance
    windows: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for pitch in pitches:
        length = instance.length(pitch)
        for s in b.starts_for(pitch):
            last = s
            while last < s + length - 1 + instance.changeover_slots and instance.adjacent_next[last]:
                last += 1
            for t in range(s, last + 1):
                windows.setdefault(t, []).append((pitch.id, b.f.x[pitch.id, s]))
    return windows


def _add_pins(b: _Builder) -> None:
    """Organiser pins: the pitch starts where pinned and its panel holds the pinned room meanwhile."""
    for pid, (room, start) in b.instance.pins.items():
        pitch = b.instance.pitch_by_id.get(pid)
        if pitch is not None:
            _add_pin(b, pitch, room, start)


def _add_pin(b: _Builder, pitch: Pitch, room: int, start: int) -> None:
    m, f = b.m, b.f
    lit = b.group("pin", pitch.id)
    cov = b.instance.covered(start, b.instance.length(pitch))
    if cov is None or (pitch.id, start) not in f.x or not 0 <= room < len(b.instance.rooms):
        pinned = [m.add_bool_or([])]  # impossible pin: infeasible (explain's quick checks name it)
    else:
        pinned = [m.add(f.x[pitch.id, start] == 1)] + [m.add(f.z[pitch.need_id, room, t] == 1) for t in cov]
    if lit is not None:
        for ct in pinned:
            ct.only_enforce_if(lit)


Terms = dict[str, list[Any]]  # term name -> its parts (linear expressions or ints), summed into Formulation.terms


def _add_objective(instance: Instance, f: Formulation) -> None:
    weights = instance.weights.scaled()
    terms: Terms = {name: [] for name in weights}
    _add_late_rank(instance, f, terms)
    used, need_slots, min_blocks = _add_need_terms(instance, f, terms)
    packed, share = _add_room_balance(instance, f, used, terms)
    # Compactness: the half-days holding a pitch, and idle gaps between pitches in a room within a half-day.
    fewest_half_days = _add_compactness(instance, f, terms)
    _add_moved(instance, f, terms)
    if rooms_interchangeable(instance):
        _break_room_symmetry(instance, f, used)

    f.terms = {name: sum(parts) for name, parts in terms.items() if parts}
    objective = sum(weights[name] * expr for name, expr in f.terms.items())
    f.model.minimize(objective)
    f.analytic_bound = _analytic_bound(instance, weights, need_slots, min_blocks, fewest_half_days, packed, share)
    f.model.add(objective >= f.analytic_bound)


def _analytic_bound(
    instance: Instance,
    weights: dict[str, int],
    need_slots: dict[int, list[int]],
    min_blocks: dict[int, int],
    fewest_half_days: int,
    packed: int,
    share: int,
) -> int:
    """The analytic bound, stated on the objective so CP-SAT has it at once instead of after a long
    LP: every need has its fewest possible blocks, and either all needs stay whole (the busiest room
    holds at least the packing bound) or one is split (a need_rooms penalty). Other terms >= 0.
    Half-days and blocks together: whichever half-days a schedule uses must hold every need's pitches,
    and each need needs at least the fewest blocks the stretches inside them allow (`_half_days_and_blocks`)."""
    blocks_and_half_days = _half_days_and_blocks(instance, need_slots, fewest_half_days, weights)
    if blocks_and_half_days is None:
        blocks_and_half_days = (
            weights["need_blocks"] * sum(min_blocks.values()) + weights["half_days"] * fewest_half_days
        )
    return blocks_and_half_days + min(weights["room_balance"] * max(0, packed - share), weights["need_rooms"])


def _add_late_rank(instance: Instance, f: Formulation, terms: Terms) -> None:
    """late_rank: a top-ranked pitch starting in the last slots of its day."""
    late = instance.late_slots
    for (pid, s), var in f.x.items():
        if s in late:
            cost = max(0, instance.weights.top_ranks + 1 - instance.pitch_by_id[pid].rank)
            if cost:
                terms["late_rank"].append(cost * var)


def _add_need_terms(
    instance: Instance, f: Formulation, terms: Terms
) -> tuple[dict[tuple[int, int], cp_model.IntVar], dict[int, list[int]], dict[int, int]]:
    """need_rooms, need_blocks and panel_room_changes, read off z. Returns the rooms each need uses
    ((need id, room) -> used), the slots each need's pitches can occupy, and each need's fewest extra blocks."""
    m = f.model
    used: dict[tuple[int, int], cp_model.IntVar] = {}
    min_blocks: dict[int, int] = {}  # need id -> fewest extra blocks
    need_slots: dict[int, list[int]] = {}  # need id -> slots its pitches can occupy
    for need in instance.needs:
        slots_of_need = sorted({t for (n, _r, t) in f.z if n == need.id})
        if not slots_of_need:
            continue
        blocks_of_need, rooms_that_day = _add_need_room_use(instance, f, need, slots_of_need, used)
        # Integer counts with tight domains let CP-SAT bound the objective from domains alone.
        rooms_used = m.new_int_var(1, len(instance.rooms), f"rooms_{need.id}")
        m.add(rooms_used == sum(used[need.id, r] for r in range(len(instance.rooms))))
        terms["need_rooms"].append(rooms_used - 1)
        min_blocks[need.id] = _min_blocks(instance, need.id, slots_of_need) - 1
        need_slots[need.id] = slots_of_need
        blocks = m.new_int_var(min_blocks[need.id] + 1, len(slots_of_need), f"blocks_{need.id}")
        m.add(blocks == sum(blocks_of_need))
        terms["need_blocks"].append(blocks - 1)
        for vs in rooms_that_day.values():
            if len(vs) > 1:
                extra = m.new_int_var(0, len(vs) - 1, f"changes_{need.id}")
                m.add(extra >= sum(vs) - 1)
                terms["panel_room_changes"].append(extra)
    return used, need_slots, min_blocks


def _add_need_room_use(
    instance: Instance,
    f: Formulation,
    need: NeedSpec,
    slots_of_need: list[int],
    used: dict[tuple[int, int], cp_model.IntVar],
) -> tuple[list[cp_model.IntVar], dict[int, list[cp_model.IntVar]]]:
    """Whether the need uses each room (added to `used`), each day, and where its blocks start there.
    Returns the need's block starts and, per day, whether it uses each room that day."""
    m = f.model
    blocks_of_need: list[cp_model.IntVar] = []
    rooms_that_day: dict[int, list[cp_model.IntVar]] = {}
    for r in range(len(instance.rooms)):
        u = m.new_bool_var(f"u_{need.id}_{r}")
        used[need.id, r] = u
        starts_in_room: list[cp_model.IntVar] = []
        for day in instance.days:
            day_slots = [t for t in slots_of_need if instance.slots[t].day == day]
            if not day_slots:
                continue
            v = m.new_bool_var(f"v_{need.id}_{r}_{day}")
            rooms_that_day.setdefault(day, []).append(v)
            starts_that_day = _add_block_starts(instance, f, need.id, r, day_slots, v)
            m.add(sum(starts_that_day) >= v)  # a room used that day holds a block that day
            m.add_implication(v, u)
            starts_in_room += starts_that_day
        m.add(sum(starts_in_room) >= u)
        blocks_of_need += starts_in_room
    return blocks_of_need, rooms_that_day


def _add_block_starts(
    instance: Instance, f: Formulation, need_id: int, r: int, day_slots: list[int], v: cp_model.IntVar
) -> list[cp_model.IntVar]:
    """The need's block starts in room r on one day (`v`: it uses the room that day)."""
    m = f.model
    starts: list[cp_model.IntVar] = []
    for t in day_slots:
        z = f.z[need_id, r, t]
        m.add_implication(z, v)
        before = f.z.get((need_id, r, t - 1)) if t > 0 and instance.adjacent_next[t - 1] else None
        if before is None:
            starts.append(z)
        else:
            b = m.new_bool_var(f"b_{need_id}_{r}_{t}")  # a block starts here: z[t] and not z[t-1]
            m.add(b >= z - before)
            m.add_implication(b, z)
            m.add_implication(b, before.Not())
            starts.append(b)
    return starts


def _add_room_balance(
    instance: Instance, f: Formulation, used: dict[tuple[int, int], cp_model.IntVar], terms: Terms
) -> tuple[int, int]:
    """room_balance: the busiest room's load above the even share. A need spread over k rooms puts at
    least ceil(size / k) slots in one of them, which lets the LP see the rooms/balance trade-off.
    Returns the packing bound and the even share."""
    m = f.model
    rooms = range(len(instance.rooms))
    total = sum(instance.length(p) for p in instance.pitches)
    n_rooms = len(instance.rooms)
    share = ceil(total / n_rooms)
    hi = m.new_int_var(share, total, "max_load")
    for room in rooms:
        m.add(hi >= sum(var for (_n, r, _t), var in f.z.items() if r == room))
    for need in instance.needs:
        if (need.id, 0) not in used:
            continue
        size = sum(instance.length(p) for p in instance.pitches_by_need[need.id])
        k_rooms = [m.new_bool_var(f"k_{need.id}_{k}") for k in range(1, n_rooms + 1)]
        m.add_exactly_one(k_rooms)
        m.add(sum(used[need.id, r] for r in rooms) == sum(k * y for k, y in enumerate(k_rooms, start=1)))
        m.add(hi >= sum(ceil(size / k) * y for k, y in enumerate(k_rooms, start=1)))
    # Kept whole, the needs are a bin-packing: its proven makespan bounds the busiest room unless
    # some need is spread over more than one room (which costs need_rooms instead).
    packed, _ = packing(instance)
    if packed > share:
        extra_rooms = sum(used[key] for key in used) - sum(1 for n in instance.needs if instance.pitches_by_need[n.id])
        m.add(hi >= packed - (packed - share) * extra_rooms)
    terms["room_balance"].append(hi - share)
    return packed, share


def _add_moved(instance: Instance, f: Formulation, terms: Terms) -> None:
    """moved: a pitch of the previous schedule that leaves its room or start."""
    m = f.model
    for pid, (room, start) in (instance.previous or {}).items():
        pitch = instance.pitch_by_id.get(pid)
        if pitch is None:
            continue
        x, z = f.x.get((pid, start)), f.z.get((pitch.need_id, room, start))
        if x is None or z is None:
            terms["moved"].append(1)
            continue
        stay = m.new_bool_var(f"stay_{pid}")
        m.add_implication(stay, x)
        m.add_implication(stay, z)
        terms["moved"].append(1 - stay)


def _break_room_symmetry(instance: Instance, f: Formulation, used: dict[tuple[int, int], cp_model.IntVar]) -> None:
    """Rooms are interchangeable: room r is first used by a need no earlier than room r-1's first need."""
    for idx, need in enumerate(instance.needs):
        for r in range(1, len(instance.rooms)):
            if (need.id, r) in used:
                earlier = [used[n.id, r - 1] for n in instance.needs[: idx + 1] if (n.id, r - 1) in used]
                f.model.add(used[need.id, r] <= sum(earlier))


def _add_compactness(instance: Instance, f: Formulation, terms: Terms) -> int:
    """The half_days and room_gaps terms (see objective.py); returns the proven fewest half-days."""
    m = f.model
    n_rooms = len(instance.rooms)
    half_of = instance.half_day_of
    busy: dict[tuple[int, int], list[cp_model.IntVar]] = {}  # (need, slot) -> z of the need there, one per room
    for (need_id, _r, t), var in f.z.items():
        busy.setdefault((need_id, t), []).append(var)
    used = {k: m.new_bool_var(f"h_{k}") for k in sorted({half_of[t] for (_n, t) in busy})}
    load: dict[int, list[cp_model.IntVar]] = {}
    for (_need_id, t), zs in busy.items():
        k = half_of[t]
        m.add(sum(zs) <= used[k])  # a panel busy in a half-day opens it
        load.setdefault(k, []).extend(zs)
    for k, zs in load.items():  # the rooms' capacity, so the LP sees how many half-days the pitches need
        m.add(sum(zs) <= n_rooms * len(instance.half_days[k]) * used[k])
    fewest = fewest_half_days(instance) if used else 0
    count = m.new_int_var(min(fewest, len(used)), len(used), "half_days")
    m.add(count == sum(used.values()))
    terms["half_days"].append(count)

    for r in range(n_rooms):
        for part in instance.half_days:
            occ = [[f.z[nd.id, r, t] for nd in instance.needs if (nd.id, r, t) in f.z] for t in part]
            if sum(1 for cell in occ if cell) < 2:
                continue
            starts = []
            for i, cell in enumerate(occ):
                if not cell:
                    continue
                if i == 0 or not occ[i - 1]:
                    starts.append(sum(cell))
                    continue
                g = m.new_bool_var(f"g_{r}_{part[i]}")  # the room's run starts here: busy now, idle before
                m.add(g >= sum(cell) - sum(occ[i - 1]))
                starts.append(g)
            gaps = m.new_int_var(0, len(part), f"gaps_{r}_{part[0]}")
            m.add(gaps >= sum(starts) - 1)
            terms["room_gaps"].append(gaps)
    return fewest


def fewest_half_days(instance: Instance, time_limit_s: float = 1.0) -> int:
    """A proven lower bound on the half-days any schedule uses: a relaxation in which each need puts a
    number of pitches in each half-day, at most what its panel's free stretches there hold, within the
    rooms' capacity of the half-day and each judge's free time on several panels."""
    needs = [n for n in instance.needs if instance.pitches_by_need[n.id]]
    if not needs:
        return 0
    parts = instance.half_days
    m = cp_model.CpModel()
    used = [m.new_bool_var(f"h_{k}") for k in range(len(parts))]
    put = _add_half_day_shares(instance, m, needs, used)
    for k, part in enumerate(parts):
        here = [need.pitch_slots * put[need.id, k] for need in needs if (need.id, k) in put]
        if here:
            m.add(sum(here) <= len(instance.rooms) * len(part))
    _add_judges_free_time(instance, m, needs, put)
    m.minimize(sum(used))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return len(parts)
    return max(0, int(solver.best_objective_bound + 0.999)) if status != cp_model.UNKNOWN else 1


def _add_half_day_shares(
    instance: Instance, m: cp_model.CpModel, needs: list[NeedSpec], used: list[cp_model.IntVar]
) -> dict[tuple[int, int], cp_model.IntVar]:
    """(need id, half-day) -> how many of the need's pitches are there, at most what its free stretches
    there hold and only in a used half-day; every pitch is somewhere."""
    put: dict[tuple[int, int], cp_model.IntVar] = {}
    for need in needs:
        pitches = instance.pitches_by_need[need.id]
        starts = set().union(*(instance.feasible_starts(p) for p in pitches))
        for k, part in enumerate(instance.half_days):
            cap = min(fits_in(need.pitch_slots, starts, part), len(pitches))
            if cap:
                put[need.id, k] = m.new_int_var(0, cap, f"a_{need.id}_{k}")
                m.add(put[need.id, k] <= cap * used[k])
        m.add(sum(put[need.id, k] for k in range(len(instance.half_days)) if (need.id, k) in put) == len(pitches))
    return put


def _add_judges_free_time(
    instance: Instance, m: cp_model.CpModel, needs: list[NeedSpec], put: dict[tuple[int, int], cp_model.IntVar]
) -> None:
    """A judge on several panels sees their pitches in a half-day one after another, in the judge's free time."""
    for judge, of_judge in _panels_of_judges(needs).items():
        if len(of_judge) < 2:
            continue
        away = instance.judge_unavailable.get(judge, frozenset())
        for k, part in enumerate(instance.half_days):
            here = [n.pitch_slots * put[n.id, k] for n in of_judge if (n.id, k) in put]
            if here:
                m.add(sum(here) <= sum(1 for t in part if t not in away))


MAX_HALF_DAY_SETS = 1024


def _half_days_and_blocks(
    instance: Instance, need_slots: dict[int, list[int]], fewest: int, weights: dict[str, int]
) -> int | None:
    """A lower bound on weight x half-days used + weight x (blocks - 1) of every need: the least over every
    set of half-days that could hold the pitches (each need's pitches fit in its stretches there, the rooms'
    capacity holds all pitches, at least `fewest` half-days) of its size plus each need's fewest blocks
    inside it. None when there are too many half-days to try every set."""
    n_half = len(instance.half_days)
    if 2**n_half > MAX_HALF_DAY_SETS:
        return None
    needs = [n for n in instance.needs if instance.pitches_by_need[n.id] and n.id in need_slots]
    if not needs:
        return 0
    total = sum(instance.length(p) for p in instance.pitches)
    best = None
    for mask in range(1, 2**n_half):
        chosen = [k for k in range(n_half) if mask >> k & 1]
        if len(chosen) < fewest:
            continue
        if len(instance.rooms) * sum(len(instance.half_days[k]) for k in chosen) < total:
            continue
        value = weights["half_days"] * len(chosen)
        for need in needs:
            slots = [t for t in need_slots[need.id] if instance.half_day_of[t] in chosen]
            blocks = _min_blocks_exact(instance, need.id, slots)
            if blocks is None:
                break
            value += weights["need_blocks"] * (blocks - 1)
        else:
            if best is None or value < best:
                best = value
    return best if best is not None else weights["half_days"] * n_half


def fits_in(length: int, starts: set[int], part: tuple[int, ...]) -> int:
    """How many pitches of `length` slots, one after another, fit in `part` starting only at `starts`
    (a start in `starts` already fits the grid, so the pitch ends inside the half-day)."""
    count, i = 0, 0
    while i < len(part):
        if part[i] in starts:
            count += 1
            i += length
        else:
            i += 1
    return count


def rooms_interchangeable(instance: Instance) -> bool:
    """Rooms differ only by name unless pins or a previous schedule refer to them."""
    return not instance.pins and not instance.previous


def canonical_rooms(instance: Instance, placements: list[Placement]) -> list[Placement]:
    """The same schedule with rooms renumbered in the order needs (in instance order) first use
    them, as the symmetry breaking of `build` requires."""
    position = {n.id: i for i, n in enumerate(instance.needs)}
    first_need: dict[int, int] = {}  # room -> position of the first need using it
    for pl in placements:
        idx = position[instance.pitch_by_id[pl.pitch_id].need_id]
        first_need[pl.room] = min(first_need.get(pl.room, idx), idx)
    order = sorted(range(len(instance.rooms)), key=lambda r: (first_need.get(r, len(position)), r))
    new_number = {old: new for new, old in enumerate(order)}
    return [Placement(pl.pitch_id, new_number[pl.room], pl.start) for pl in placements]


def packing(instance: Instance, time_limit_s: float = 1.0) -> tuple[int, dict[int, int]]:
    """The needs packed whole into the rooms (by pitch slots): a proven lower bound on the busiest
    room's load, and the best packing found (need id -> room), which the warm start follows."""
    needs = [n for n in instance.needs if instance.pitches_by_need[n.id]]
    sizes = [sum(instance.length(p) for p in instance.pitches_by_need[n.id]) for n in needs]
    bins = len(instance.rooms)
    if not sizes:
        return 0, {}
    m = cp_model.CpModel()
    top = sum(sizes)
    where = [[m.new_bool_var(f"a_{i}_{b}") for b in range(bins)] for i in range(len(sizes))]
    for row in where:
        m.add_exactly_one(row)
    for i in range(min(len(sizes), bins)):  # bins are interchangeable: item i goes to one of the first i+1
        for b in range(i + 1, bins):
            m.add(where[i][b] == 0)
    makespan = m.new_int_var(max(max(sizes), ceil(top / bins)), top, "makespan")
    for b in range(bins):
        m.add(sum(size * where[i][b] for i, size in enumerate(sizes)) <= makespan)
    m.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    status = solver.solve(m)
    rooms = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        rooms = {
            need.id: next(b for b in range(bins) if solver.boolean_value(where[i][b])) for i, need in enumerate(needs)
        }
    return int(solver.best_objective_bound), rooms


def _min_blocks(instance: Instance, need_id: int, slots: list[int]) -> int:
    """The fewest blocks that can hold all of a need's pitches: its pitches can only be in stretches
    of adjacent slots where one of them can be, so take the longest stretches first."""
    if not instance.pitches_by_need[need_id]:
        return 0
    blocks, _left = _fill_longest_stretches(instance, need_id, slots)
    return max(blocks, 1)


def _min_blocks_exact(instance: Instance, need_id: int, slots: list[int]) -> int | None:
    """`_min_blocks`, or None when the stretches cannot hold all of the need's pitches."""
    if not instance.pitches_by_need[need_id]:
        return 0
    blocks, left = _fill_longest_stretches(instance, need_id, slots)
    return None if left > 0 else max(blocks, 1)


def _fill_longest_stretches(instance: Instance, need_id: int, slots: list[int]) -> tuple[int, int]:
    """(stretches used, pitches left over) when the need's pitches fill the longest stretches of adjacent
    slots among `slots` first."""
    length = instance.need_by_id[need_id].pitch_slots
    stretches, run = [], 0
    present = set(slots)
    for t in range(len(instance.slots)):
        if t in present:
            run += 1
        if t not in present or not instance.adjacent_next[t]:
            if run:
                stretches.append(run // length)
            run = 0
    left, blocks = len(instance.pitches_by_need[need_id]), 0
    for fits in sorted(stretches, reverse=True):
        if left <= 0:
            break
        left -= fits
        blocks += 1
    return blocks, left
