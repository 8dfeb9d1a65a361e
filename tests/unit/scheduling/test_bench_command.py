"""`flask events bench-schedule` runs without a database and ends with one JSON line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from marketplace.events.cli import events_cli

pytestmark = pytest.mark.unit


def test_bench_schedule_prints_the_summary_json_last():
    out = CliRunner().invoke(
        events_cli,
        [
            "bench-schedule",
            "--pitches",
            "30",
            "--rooms",
            "3",
            "--days",
            "2",
            "--seed",
            "2",
            "--time-limit",
            "5",
            "--resolve",
        ],
    )

    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert {"status", "objective", "bound", "gap", "seconds", "greedy_feasible", "greedy_objective"} <= set(summary)
    assert summary["status"] in ("optimal", "feasible")
    assert summary["violations"] == 0
    assert summary["objective"] <= summary["greedy_objective"]
    assert summary["resolve"]["cancellation"]["moved"] == 0


def test_bench_schedule_runs_a_cosplib_conference():
    out = CliRunner().invoke(events_cli, ["bench-schedule", "--cosplib", "N2OR", "--time-limit", "5"])

    assert out.exit_code == 0, out.output
    summary = json.loads(out.output.strip().splitlines()[-1])
    assert (summary["conference"], summary["pitches"], summary["rooms"]) == ("N2OR", 35, 4)
    assert summary["violations"] == 0
