"""Real conference-scheduling instances (CoSPLib) as roadshow instances, for tests and benchmarks.

Reads `cosplib-conferences.json` in place from the data directory its caller names (the app's
DATA_DIR setting); nothing of it is copied into the repository. The mapping:

- sessions -> slots: each session's timeslots become adjacent slots from its start, all of the
  shortest slot length any session has (so no session overlaps the next); days by date;
- rooms -> rooms; tracks -> needs, one need per track and talk length (a need has one pitch length),
  named "<track>, <n>-slot talks" when a track mixes lengths;
- track chairs -> the need's panel (a person chairing two tracks is one judge on two panels);
- submissions -> pitches, ranked by their order in the track; the first presenter -> the startup
  (a presenter with several talks must not be in two places at once); no changeover gap;
- no unavailability (CoSPLib gives session penalties, not availability).
"""

from __future__ import annotations

import json
from pathlib import Path

from scheduling.model import Instance, NeedSpec, Pitch, Slot

FILE_NAME = "cosplib-conferences.json"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def conference_names(data_dir: Path) -> list[str]:
    """The conferences in the file, in file order."""
    return list(_read(data_dir)["instances"])


def load_conference(name: str, data_dir: Path) -> Instance:
    """The conference `name` as a roadshow instance (see the module docstring for the mapping)."""
    conf = _read(data_dir)["instances"][name]
    sessions = sorted(conf["sessions"], key=lambda s: (s["date"], _minutes(s["start"])))
    slot_minutes = max(1, min((_minutes(s["end"]) - _minutes(s["start"])) // s["max_timeslots"] for s in sessions))
    days = {date: i for i, date in enumerate(sorted({s["date"] for s in sessions}))}
    slots: list[Slot] = []
    for session in sessions:
        for k in range(session["max_timeslots"]):
            slots.append(Slot(len(slots), days[session["date"]], _minutes(session["start"]) + k * slot_minutes))

    judges: dict[str, int] = {}
    chairs = {t["name"]: tuple(judges.setdefault(c, len(judges) + 1) for c in t["chairs"]) for t in conf["tracks"]}
    lengths: dict[str, set[int]] = {}
    for sub in conf["submissions"]:
        lengths.setdefault(sub["track"], set()).add(sub["required_timeslots"])

    needs: dict[tuple[str, int], NeedSpec] = {}
    startups: dict[str, int] = {}
    pitches: list[Pitch] = []
    ranks: dict[int, int] = {}
    for sub in sorted(conf["submissions"], key=lambda s: s.get("order", 0)):
        key = (sub["track"], sub["required_timeslots"])
        if key not in needs:
            label = sub["track"] if len(lengths[sub["track"]]) == 1 else f"{sub['track']}, {key[1]}-slot talks"
            needs[key] = NeedSpec(id=len(needs) + 1, name=label, pitch_slots=key[1], panel=chairs.get(sub["track"], ()))
        need = needs[key]
        presenter = (sub.get("presenters") or [sub["ref"]])[0]
        startup = startups.setdefault(presenter, len(startups) + 1)
        ranks[need.id] = ranks.get(need.id, 0) + 1
        pitches.append(
            Pitch(id=len(pitches) + 1, need_id=need.id, startup_id=startup, startup_name=presenter, rank=ranks[need.id])
        )
    return Instance(
        slots=tuple(slots),
        slot_minutes=slot_minutes,
        rooms=tuple(conf["rooms"]),
        needs=tuple(needs.values()),
        pitches=tuple(pitches),
        changeover_slots=0,
    )


def _read(data_dir: Path) -> dict:
    with open(Path(data_dir) / FILE_NAME, encoding="utf-8") as handle:
        return json.load(handle)
