"""Why an instance cannot be scheduled, in words an organiser understands.

Reasons are `Reason(template, params, parties)`: the template is an English msgid the UI can translate
with gettext and then format with the params; `str(reason)` is the English sentence; the parties are the
ids of the startups, needs and judges the reason tells about (`_named`), for the UI to show each reader
only the reasons about what they may know of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from itertools import combinations

from ortools.sat.python import cp_model

from scheduling.formulation import build, fewest_half_days, fits_in
from scheduling.model import Instance, Pitch, Placement, Reason


def _when(instance: Instance, slot: int) -> str:
    s = instance.slots[slot]
    return f"day {s.day + 1} {s.start_minute // 60:02d}:{s.start_minute % 60:02d}"


def _need(instance: Instance, pitch: Pitch) -> str:
    return instance.need_by_id[pitch.need_id].name


def _named(
    instance: Instance,
    *,
    pitches: Iterable[Pitch] = (),
    needs: Iterable[int] = (),
    startups: Iterable[int] = (),
    judges: Iterable[int] = (),
) -> dict[str, tuple[int, ...]]:
    """The parties of a reason about some pitches, some needs with every pitch to them (a need's count or its
    panel's time speaks of all of them), some startups with every pitch they give, and some judges."""
    startup_ids, need_ids = set(), set()
    for pitch in pitches:
        startup_ids.add(pitch.startup_id)
        need_ids.add(pitch.need_id)
    for need_id in needs:
        need_ids.add(need_id)
        startup_ids.update(p.startup_id for p in instance.pitches_by_need.get(need_id, ()))
    for startup_id in startups:
        startup_ids.add(startup_id)
        need_ids.update(p.need_id for p in instance.pitches_by_startup.get(startup_id, ()))
    return {"startups": tuple(sorted(startup_ids)), "needs": tuple(sorted(need_ids)), "judges": tuple(sorted(judges))}


def _stretches(instance: Instance, free: set[int]) -> list[int]:
    """Lengths of the maximal runs of adjacent slots inside `free`."""
    out, run = [], 0
    for t in range(len(instance.slots)):
        if t in free:
            run += 1
        if t not in free or not instance.adjacent_next[t]:
            if run:
                out.append(run)
            run = 0
    return out


def quick_reasons(instance: Instance) -> list[Reason]:
    """Reasons found by counting, without a solver: room capacity, each panel's and each startup's
    free time, judges on several panels, pitches with no possible slot, and pins (unknown room, off
    the grid, on unavailable time, clashing with each other). Empty when no check fails."""
    return (
        _capacity_reasons(instance)
        + _panel_time_reasons(instance)
        + _judge_time_reasons(instance)
        + _startup_time_reasons(instance)
        + _pin_reasons(instance)
    )


def _capacity_reasons(instance: Instance) -> list[Reason]:
    n_slots, n_rooms = len(instance.slots), len(instance.rooms)
    needed = sum(instance.length(p) for p in instance.pitches)
    if needed <= n_slots * n_rooms:
        return []
    return [
        Reason(
            "The pitches need {needed} room-slots but {rooms} rooms over {slots} slots offer only {available}.",
            {"needed": needed, "rooms": n_rooms, "slots": n_slots, "available": n_slots * n_rooms},
        )
    ]


def _panel_time_reasons(instance: Instance) -> list[Reason]:
    """A need with more pitches than its panel's free stretches hold."""
    reasons: list[Reason] = []
    for need in instance.needs:
        count = len(instance.pitches_by_need[need.id])
        free_slots = set(range(len(instance.slots))) - instance.panel_unavailable(need.id)
        fits = sum(run // need.pitch_slots for run in _stretches(instance, free_slots))
        if count <= fits:
            continue
        if need.pitch_slots == 1:
            reasons.append(
                Reason(
                    "{need} has {pitches} pitches but its panel is free for {free} slots.",
                    {"need": need.name, "pitches": count, "free": fits},
                    _named(instance, needs=[need.id]),
                )
            )
        else:
            reasons.append(
                Reason(
                    "{need} has {pitches} pitches of {length} slots but its panel's free time fits only {fits}.",
                    {"need": need.name, "pitches": count, "length": need.pitch_slots, "fits": fits},
                    _named(instance, needs=[need.id]),
                )
            )
    return reasons


def _judge_time_reasons(instance: Instance) -> list[Reason]:
    """A judge on several panels whose pitches together outlast the judge's free time."""
    reasons: list[Reason] = []
    judges: dict[int, list[int]] = {}
    for need in instance.needs:
        for judge in need.panel:
            judges.setdefault(judge, []).append(need.id)
    for judge, need_ids in judges.items():
        if len(need_ids) < 2:
            continue
        demand = sum(instance.length(p) for n in need_ids for p in instance.pitches_by_need[n])
        # Only slots of the grid: away-marks may outlive a day that was later shortened.
        free_count = len(set(range(len(instance.slots))) - instance.judge_unavailable.get(judge, frozenset()))
        if demand > free_count:
            reasons.append(
                Reason(
                    "Judge {judge} sits on {panels} panels ({names}) with {needed} slots of pitches "
                    "but is free for {free} slots.",
                    {
                        "judge": judge,
                        "panels": len(need_ids),
                        "needed": demand,
                        "free": free_count,
                        "names": ", ".join(instance.need_by_id[n].name for n in need_ids),
                    },
                    _named(instance, needs=need_ids, judges=[judge]),
                )
            )
    return reasons


def _startup_time_reasons(instance: Instance) -> list[Reason]:
    """A startup with more pitches than its free time holds with changeovers, and its pitches with no
    slot when both the panel and the startup are free."""
    reasons: list[Reason] = []
    for startup, pitches in instance.pitches_by_startup.items():
        name = pitches[0].startup_name
        free_slots = set(range(len(instance.slots))) - instance.startup_unavailable.get(startup, frozenset())
        length, gap = min(instance.length(p) for p in pitches), instance.changeover_slots
        fits = sum((run + gap) // (length + gap) for run in _stretches(instance, free_slots))
        if len(pitches) > fits:
            reasons.append(
                Reason(
                    "{startup} has {pitches} pitches but its free time, with a changeover of {gap} "
                    "slot(s) between pitches, fits only {fits}.",
                    {"startup": name, "pitches": len(pitches), "gap": gap, "fits": fits},
                    _named(instance, startups=[startup]),
                )
            )
        reasons += [
            Reason(
                "The pitch of {startup} for {need} has no slot when both the panel and the startup are free.",
                {"startup": name, "need": _need(instance, pitch)},
                _named(instance, pitches=[pitch]),
            )
            for pitch in pitches
            if pitch.id not in instance.pins and not instance.feasible_starts(pitch)
        ]
    return reasons


def _pin_reasons(instance: Instance) -> list[Reason]:
    reasons: list[Reason] = []
    valid: dict[int, tuple[int, tuple[int, ...]]] = {}  # pitch id -> (room, slots) of pins on the grid
    for pid, (room, start) in instance.pins.items():
        pitch = instance.pitch_by_id.get(pid)
        if pitch is None:
            continue
        cov = _single_pin_reasons(instance, pitch, room, start, reasons)
        if cov is not None:
            valid[pid] = (room, cov)
    for a, b in combinations(sorted(valid), 2):
        reasons += _pin_pair_reasons(instance, instance.pitch_by_id[a], valid[a], instance.pitch_by_id[b], valid[b])
    return reasons


def _single_pin_reasons(
    instance: Instance, pitch: Pitch, room: int, start: int, reasons: list[Reason]
) -> tuple[int, ...] | None:
    """Adds to `reasons` what is wrong with one pin on its own; returns the pinned slots, or None when
    the pin names no room or is off the grid."""
    params: dict[str, object] = {"startup": pitch.startup_name, "need": _need(instance, pitch)}
    named = _named(instance, pitches=[pitch])
    cov = instance.covered(start, instance.length(pitch)) if 0 <= start < len(instance.slots) else None
    if not 0 <= room < len(instance.rooms):
        reasons.append(
            Reason("The pitch of {startup} for {need} is pinned to a room that does not exist.", params, named)
        )
        return None
    if cov is None:
        reasons.append(
            Reason(
                "The pitch of {startup} for {need} is pinned where it would run into a break or "
                "past the end of the day.",
                params,
                named,
            )
        )
        return None
    params = {**params, "room": instance.rooms[room], "when": _when(instance, start)}
    if instance.panel_unavailable(pitch.need_id).intersection(cov):
        reasons.append(
            Reason(
                "The pitch of {startup} for {need} is pinned at {when}, when the panel of {need} is away.",
                params,
                named,
            )
        )
    if instance.startup_unavailable.get(pitch.startup_id, frozenset()).intersection(cov):
        reasons.append(
            Reason("The pitch of {startup} for {need} is pinned at {when}, when {startup} is away.", params, named)
        )
    return cov


def _pin_pair_reasons(
    instance: Instance,
    pa: Pitch,
    pinned_a: tuple[int, tuple[int, ...]],
    pb: Pitch,
    pinned_b: tuple[int, tuple[int, ...]],
) -> list[Reason]:
    """What two pins break together: one room, one panel or one startup's changeover."""
    reasons: list[Reason] = []
    (room_a, cov_a), (room_b, cov_b) = pinned_a, pinned_b
    both = {
        "startup_a": pa.startup_name,
        "need_a": _need(instance, pa),
        "startup_b": pb.startup_name,
        "need_b": _need(instance, pb),
    }
    named = _named(instance, pitches=[pa, pb])
    overlap = sorted(set(cov_a) & set(cov_b))
    if overlap and room_a == room_b:
        reasons.append(
            Reason(
                "Two pitches are pinned to {room} at {when}: {startup_a} for {need_a} and {startup_b} for {need_b}.",
                {**both, "room": instance.rooms[room_a], "when": _when(instance, overlap[0])},
                named,
            )
        )
    elif overlap and (
        pa.need_id == pb.need_id
        or set(instance.need_by_id[pa.need_id].panel) & set(instance.need_by_id[pb.need_id].panel)
    ):
        reasons.append(
            Reason(
                "A panel would be in two places at {when}: {startup_a} for {need_a} and "
                "{startup_b} for {need_b} are pinned at the same time.",
                {**both, "when": _when(instance, overlap[0])},
                named,
            )
        )
    if pa.startup_id == pb.startup_id and instance.too_close(cov_a[0], len(cov_a), cov_b[0], len(cov_b)):
        reasons.append(
            Reason(
                "{startup_a} is pinned to pitches at {when_a} and {when_b} without the changeover "
                "of {gap} slot(s) between them.",
                {
                    **both,
                    "when_a": _when(instance, cov_a[0]),
                    "when_b": _when(instance, cov_b[0]),
                    "gap": instance.changeover_slots,
                },
                named,
            )
        )
    return reasons


def explain_infeasible(instance: Instance, *, time_limit_s: float = 10.0) -> list[Reason]:
    """Plain-language reasons `instance` has no schedule.

    First the counting checks of `quick_reasons`; if they find nothing, CP-SAT is run with each
    group of hard rules an organiser can change (a panel's availability, a startup's availability,
    a startup's changeover, a pin) behind an assumption literal, and the groups in the infeasible
    core it returns are named. Empty only if neither finds a reason (e.g. the solver ran out of time).
    """
    reasons = quick_reasons(instance)
    if reasons:
        return reasons

    f = build(instance, explain=True)
    f.model.add_assumptions([g.literal for g in f.groups])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # cores of assumptions need a single worker
    solver.parameters.max_time_in_seconds = time_limit_s
    if solver.solve(f.model) != cp_model.INFEASIBLE:
        return []
    in_core = set(solver.sufficient_assumptions_for_infeasibility())
    culprits = [g for g in f.groups if g.literal.index in in_core]
    reasons = [
        Reason("No schedule fits all of the following together in {rooms} room(s):", {"rooms": len(instance.rooms)})
    ]
    for g in culprits:
        if g.kind == "panel":
            need = instance.need_by_id[g.key]
            free = len(set(range(len(instance.slots))) - instance.panel_unavailable(g.key))
            reasons.append(
                Reason(
                    "the availability of the panel of {need} (free for {free} slots, {pitches} pitch(es))",
                    {"need": need.name, "free": free, "pitches": len(instance.pitches_by_need[g.key])},
                    _named(instance, needs=[g.key]),
                )
            )
        elif g.kind == "startup_away":
            reasons.append(
                Reason(
                    "the availability of {startup}",
                    {"startup": instance.startup_names[g.key]},
                    _named(instance, startups=[g.key]),
                )
            )
        elif g.kind == "changeover":
            reasons.append(
                Reason(
                    "the changeover of {gap} slot(s) between the pitches of {startup}",
                    {"gap": instance.changeover_slots, "startup": instance.startup_names[g.key]},
                    _named(instance, startups=[g.key]),
                )
            )
        else:
            pitch = instance.pitch_by_id[g.key]
            room, start = instance.pins[g.key]
            reasons.append(
                Reason(
                    "the pin of the pitch of {startup} for {need} to {room} at {when}",
                    {
                        "startup": pitch.startup_name,
                        "need": _need(instance, pitch),
                        "room": instance.rooms[room],
                        "when": _when(instance, start),
                    },
                    _named(instance, pitches=[pitch]),
                )
            )
    if len(reasons) == 1:
        reasons.append(Reason("the rooms and the panels' need to attend every pitch of their need", {}))
    return reasons


def half_day_name(instance: Instance, k: int) -> str:
    """A half-day as "day 2 13:30–17:30" (its first slot's start to its last slot's end)."""
    part = instance.half_days[k]
    first, last = instance.slots[part[0]], instance.slots[part[-1]]
    end = last.start_minute + instance.slot_minutes
    return (
        f"day {first.day + 1} {first.start_minute // 60:02d}:{first.start_minute % 60:02d}–"
        f"{end // 60:02d}:{end % 60:02d}"
    )


def why_spread(instance: Instance, placements: Iterable[Placement]) -> list[Reason]:
    """Why a schedule uses more half-days than its pitches strictly need, in words an organiser understands.

    The pitches would fit in `fewest` half-days if nobody were ever away (the rooms' capacity, and each
    panel seeing its pitches one after another: `formulation.fewest_half_days` without unavailability).
    Each half-day beyond that, the least used first, gets one reason: a judge of a panel pitching there
    is away during another half-day the schedule uses, or a startup pitching there is; otherwise the
    other goals (each panel's pitches together in one room, balanced rooms) would cost more. Empty when
    the schedule is as compact as the rooms and panels allow."""
    by_half: dict[int, list[Pitch]] = {}
    for pl in placements:
        if pl.pitch_id in instance.pitch_by_id:
            by_half.setdefault(instance.half_day_of[pl.start], []).append(instance.pitch_by_id[pl.pitch_id])
    fewest = fewest_half_days(replace(instance, judge_unavailable={}, startup_unavailable={}))
    extra = len(by_half) - max(1, fewest)
    if extra <= 0:
        return []
    reasons: list[Reason] = []
    for k in sorted(by_half, key=lambda k: (len(by_half[k]), -k))[:extra]:
        others = [o for o in sorted(by_half) if o != k]
        reason = _panel_spread_reason(instance, k, by_half, others) or _startup_spread_reason(
            instance, k, by_half, others
        )
        if reason is None:
            need_ids = sorted({p.need_id for p in by_half[k]})
            reason = Reason(
                "{half_day} is used to keep the pitches of {needs} together in one room with balanced "
                "rooms; fewer half-days would cost more there.",
                {
                    "half_day": half_day_name(instance, k),
                    "needs": ", ".join(instance.need_by_id[n].name for n in need_ids),
                },
                _named(instance, needs=need_ids),
            )
        reasons.append(reason)
    return reasons


def _panel_spread_reason(
    instance: Instance, k: int, by_half: dict[int, list[Pitch]], others: list[int]
) -> Reason | None:
    """Half-day `k` is used because a judge of a panel pitching there is away in another half-day used,
    and the panel's free time in the others cannot also hold its pitches of this one."""
    for need_id in sorted({p.need_id for p in by_half[k]}):
        need = instance.need_by_id[need_id]
        free = {
            t
            for t in range(len(instance.slots))
            if instance.covered(t, need.pitch_slots)
            and not instance.panel_unavailable(need_id).intersection(range(t, t + need.pitch_slots))
        }
        room_left = sum(
            fits_in(need.pitch_slots, free, instance.half_days[o]) - sum(1 for p in by_half[o] if p.need_id == need_id)
            for o in others
        )
        if room_left >= sum(1 for p in by_half[k] if p.need_id == need_id):
            continue
        away_most = _judge_most_away(instance, need.panel, others)
        if away_most is not None:
            judge, hit = away_most
            return Reason(
                "{half_day} is used because a judge of the panel of {need} is unavailable on {other}.",
                {"half_day": half_day_name(instance, k), "need": need.name, "other": half_day_name(instance, hit)},
                _named(instance, needs=[need_id], judges=[judge]),
            )
    return None


def _judge_most_away(instance: Instance, panel: tuple[int, ...], half_days: list[int]) -> tuple[int, int] | None:
    """(judge, half-day): the judge of the panel away for the most slots of one of `half_days` (the first
    such on a tie), or None when none of them is away then."""
    best, most = None, 0
    for j in panel:
        away = instance.judge_unavailable.get(j, frozenset())
        for o in half_days:
            if len(away.intersection(instance.half_days[o])) > most:
                best, most = (j, o), len(away.intersection(instance.half_days[o]))
    return best


def _startup_spread_reason(
    instance: Instance, k: int, by_half: dict[int, list[Pitch]], others: list[int]
) -> Reason | None:
    """Half-day `k` is used because a startup pitching there could be in no other half-day used, and is
    away in one of them."""
    for pitch in by_half[k]:
        if any(instance.half_day_of[s] in others for s in instance.feasible_starts(pitch)):
            continue
        away = instance.startup_unavailable.get(pitch.startup_id, frozenset())
        hit = max(others, key=lambda o: (len(away.intersection(instance.half_days[o])), -o))
        if away.intersection(instance.half_days[hit]):
            return Reason(
                "{half_day} is used because {startup} is unavailable on {other}.",
                {
                    "half_day": half_day_name(instance, k),
                    "startup": pitch.startup_name,
                    "other": half_day_name(instance, hit),
                },
                _named(instance, startups=[pitch.startup_id]),
            )
    return None
