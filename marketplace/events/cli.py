"""Commands for matchmaking days: `flask --app marketplace events ...`."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import click

from marketplace.core.config import Settings
from scheduling.check import compactness, violations
from scheduling.cosplib import load_conference
from scheduling.generate import generate
from scheduling.greedy import greedy
from scheduling.model import Instance, Placement
from scheduling.objective import objective
from scheduling.resolve import fewest_moves, moves
from scheduling.solver import solve


@click.group("events")
def events_cli() -> None:
    """Matchmaking days: roadshow scheduling."""


@events_cli.command("bench-schedule")
@click.option("--pitches", default=200, show_default=True)
@click.option("--rooms", default=6, show_default=True)
@click.option("--days", default=3, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--time-limit", default=30.0, show_default=True, help="CP-SAT seconds.")
@click.option("--workers", default=2, show_default=True)
@click.option("--resolve", is_flag=True, help="Also re-solve after a cancellation and after a judge drops out.")
@click.option("--cosplib", "conference", default=None, help="Schedule this CoSPLib conference instead (e.g. GECCO20).")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: Settings.from_env().DATA_DIR,
    help="Where cosplib-conferences.json is (default: the DATA_DIR setting, INNOMATCH_DATA).",
)
def bench_schedule(
    pitches: int,
    rooms: int,
    days: int,
    seed: int,
    time_limit: float,
    workers: int,
    resolve: bool,
    conference: str | None,
    data_dir: Path,
) -> None:
    """Schedule a generated instance (or a CoSPLib conference) with CP-SAT and with the greedy
    baseline; the last line is JSON."""
    instance = load_conference(conference, data_dir) if conference else generate(pitches, rooms, days, seed)
    rooms, days = len(instance.rooms), len(instance.days)
    baseline = greedy(instance)
    greedy_broken = violations(instance, baseline, complete=False)
    result = solve(instance, time_limit_s=time_limit, workers=workers)
    broken = violations(instance, result.placements) if result.placements else []
    unplaced = len(instance.pitches) - len(baseline)
    click.echo(
        f"{len(instance.pitches)} pitches, {len(instance.needs)} needs, {len(instance.startup_names)} startups, "
        f"{rooms} rooms, {len(instance.slots)} slots over {days} day(s), seed {seed}"
    )
    click.echo(
        f"CP-SAT: {result.status}, objective {result.objective}, bound {result.bound}, "
        f"gap {_pct(result.gap)}, {result.seconds:.1f} s, hard-rule violations {len(broken)}, "
        f"{compactness(instance, result.placements)}"
    )
    click.echo(
        f"greedy: {len(baseline)} placed, {unplaced} left out, objective {objective(instance, baseline)}, "
        f"hard-rule violations {len(greedy_broken)}"
    )
    for reason in result.reasons:
        click.echo(f"  - {reason}")
    summary = {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": None if result.gap is None else round(result.gap, 4),
        "seconds": round(result.seconds, 2),
        "greedy_feasible": unplaced == 0 and not greedy_broken,
        "greedy_objective": objective(instance, baseline),
        "pitches": len(instance.pitches),
        "needs": len(instance.needs),
        "rooms": rooms,
        "days": days,
        "seed": seed,
        "unplaced_by_greedy": unplaced,
        "violations": len(broken) + len(greedy_broken),
        **compactness(instance, result.placements),  # half_days and room_gaps of the CP-SAT schedule
    }
    if conference:
        summary["conference"] = conference
    if resolve and result.placements:
        summary["resolve"] = _resolve(instance, list(result.placements), seed, time_limit, workers)
        for name, row in summary["resolve"].items():
            click.echo(
                f"re-solve after {name}: moved {row['moved']}, must move {row['must_move']} "
                f"({'proven' if row['proven'] else 'best found'}), {row['seconds']} s"
            )
    click.echo(json.dumps(summary))


def _resolve(
    instance: Instance, placements: list[Placement], seed: int, time_limit: float, workers: int
) -> dict[str, dict]:
    """Two changes to a published schedule: one pitch cancelled (nothing has to move), and one judge
    away for the half-day where their need has the most pitches (those pitches must move)."""
    rng = random.Random(seed)
    previous = {pl.pitch_id: (pl.room, pl.start) for pl in placements}
    cancelled = rng.choice(instance.pitches).id
    need = rng.choice([n for n in instance.needs if instance.pitches_by_need[n.id]])
    half_days = [seg for seg in instance.segments]
    starts = {pl.start for pl in placements if instance.pitch_by_id[pl.pitch_id].need_id == need.id}
    busiest = max(half_days, key=lambda seg: len(starts.intersection(seg)))
    judge = need.panel[0]
    away = instance.judge_unavailable.get(judge, frozenset()) | frozenset(busiest)
    changes = {
        "cancellation": replace(instance.without({cancelled}), previous=previous),
        "judge away for a half-day": replace(
            instance, previous=previous, judge_unavailable={**instance.judge_unavailable, judge: away}
        ),
    }
    out = {}
    for name, changed in changes.items():
        result = solve(changed, time_limit_s=time_limit, workers=workers)
        must, proven = fewest_moves(changed, time_limit_s=time_limit, workers=workers)
        out[name] = {
            "moved": moves(changed, list(result.placements)),
            "must_move": must,
            "proven": proven,
            "status": result.status,
            "seconds": round(result.seconds, 2),
            "violations": len(violations(changed, result.placements)),
        }
    return out


def _pct(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.1%}"
