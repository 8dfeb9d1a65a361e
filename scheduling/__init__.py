"""Roadshow scheduling for matchmaking days: rooms, slots, panels and pitches.

A pure library: it imports only the standard library and OR-Tools, so the web app, the rq job
and the benchmark command call the same code. Modules:

- `model`: the problem (`Instance`) and the answer (`Result`) as frozen dataclasses;
- `objective`: the one objective (lower is better) that scores any placement;
- `check`: an independent checker of the hard rules;
- `formulation`: the CP-SAT model and its analytic bounds;
- `solver`: `solve` (time limit, progress, proven bound and gap);
- `warm_start`: the block-first construction CP-SAT starts from;
- `board`: who is busy when, shared by the two constructions (`warm_start`, `greedy`);
- `greedy`: the first-fit baseline;
- `explain`: plain-language reasons an instance cannot be scheduled;
- `resolve`: how many pitches a change moved, and how few had to;
- `generate`: reproducible realistic instances for tests and benchmarks;
- `cosplib`: real conference instances (CoSPLib) mapped onto the same model.
"""
