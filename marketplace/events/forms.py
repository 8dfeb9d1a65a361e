from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from marketplace.accounts.names import org_name
from marketplace.core.errors import InvalidInput
from marketplace.core.validation import validate
from marketplace.events.grid import clock
from marketplace.events.models import SOFT_TERMS, EventInput
from marketplace.web.forms import MultiCheckboxField, mark_required, options
from scheduling.model import Weights

_CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_clock(value: str) -> int | None:
    """'9:00' → 540; None when it is not a time of day."""
    match = _CLOCK.match(value or "")
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    return hours * 60 + minutes if hours <= 24 and minutes < 60 and hours * 60 + minutes <= 24 * 60 else None


def parse_breaks(text: str) -> list[list[int]] | None:
    """'12:00-13:00' per line → [[720, 780]]; None when a line is not two times."""
    found = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = re.split(r"\s*[-–~]\s*", line.strip())
        times = [parse_clock(p) for p in parts]
        if len(times) != 2 or None in times:
            return None
        found.append(times)
    return found


def parse_rubric(text: str) -> list[dict] | None:
    """'Team: 20' (or '团队：20') per line → [{"label": "Team", "weight": 20}]; None when a line has no weight."""
    found = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        label, sep, weight = line.replace("：", ":").rpartition(":")  # full-width colon too
        if not sep or not weight.strip().isdecimal() or not label.strip():  # isdigit() passes "²", int() fails
            return None
        found.append({"label": label.strip(), "weight": int(weight.strip())})
    return found


class EventForm(FlaskForm):
    """Parses the event form; the rules are EventInput's (models.py)."""

    name = StringField(_l("Name"))
    starts_on = StringField(_l("First day"), render_kw={"type": "date"})
    days = SelectField(_l("Days"), choices=options([("1", "1"), ("2", "2"), ("3", "3")]))
    venue = StringField(_l("Venue"))
    online_link = StringField(_l("Online link"))
    day_start = StringField(_l("Day starts"), default="09:00", render_kw={"placeholder": "09:00"})
    day_end = StringField(_l("Day ends"), default="17:30", render_kw={"placeholder": "17:30"})
    slot_minutes = StringField(_l("Slot length (minutes)"), default="20")
    breaks = TextAreaField(_l("Breaks"), default="12:00-13:00", description=_l("One per line, e.g. 12:00-13:00."))
    changeover_slots = StringField(_l("Changeover between a startup's pitches (slots)"), default="1")
    application_deadline = StringField(_l("Application deadline"), render_kw={"type": "date"})
    rooms = TextAreaField(_l("Rooms"), default="Room A\nRoom B", description=_l("One room per line."))
    rubric = TextAreaField(
        _l("Scoring rubric"),
        default="Technical fit: 30\nBusiness value: 30\nTeam: 20\nFeasibility: 20",
        description=_l("One criterion per line with its weight, e.g. Team: 20. Judges mark each 1–5."),
    )
    need_rooms = StringField(_l("Keep each need in one room"), default="3")
    need_blocks = StringField(_l("Keep each need's pitches together"), default="2")
    panel_room_changes = StringField(_l("Few room changes for panels"), default="2")
    late_rank = StringField(_l("Best candidates not at the end of a day"), default="1")
    room_balance = StringField(_l("Balanced rooms"), default="1")
    half_days = StringField(_l("Pitches in as few half-days as possible"), default=f"{Weights.half_days:g}")
    room_gaps = StringField(_l("No idle gaps between pitches in a room"), default=f"{Weights.room_gaps:g}")
    needs = MultiCheckboxField(_l("Needs"), choices=[], coerce=int)
    incubators = MultiCheckboxField(_l("Invited incubators"), choices=[], coerce=int)

    def fill_choices(self, *, needs, incubators) -> None:
        mark_required(self, EventInput)
        self.needs.choices = options([(n.id, n.title) for n in needs])
        self.incubators.choices = options([(o.id, org_name(o)) for o in incubators])

    def fill_from(self, event, *, rooms, need_ids, incubator_ids) -> None:
        self.name.data, self.starts_on.data = event.name, event.starts_on.isoformat()
        self.days.data, self.venue.data, self.online_link.data = str(event.days), event.venue, event.online_link
        self.day_start.data, self.day_end.data = clock(event.day_start), clock(event.day_end)
        self.slot_minutes.data, self.changeover_slots.data = str(event.slot_minutes), str(event.changeover_slots)
        self.breaks.data = "\n".join(f"{clock(s)}-{clock(e)}" for s, e in event.breaks)
        self.application_deadline.data = event.application_deadline.isoformat() if event.application_deadline else ""
        self.rooms.data = "\n".join(rooms)
        self.needs.data, self.incubators.data = sorted(need_ids), sorted(incubator_ids)
        self.rubric.data = "\n".join(f"{c['label']}: {c['weight']}" for c in event.rubric)
        for name in SOFT_TERMS:
            if name in (event.weights or {}):
                getattr(self, name).data = f"{event.weights[name]:g}"

    def values(self) -> tuple[dict, dict[str, list[str]]]:
        """The event's fields for EventInput, and parse errors by field (times that are not times)."""
        errors: dict[str, list[str]] = {}
        data = {
            "name": self.name.data or "",
            "starts_on": self.starts_on.data or None,
            "days": self.days.data,
            "venue": self.venue.data or "",
            "online_link": self.online_link.data or "",
            "slot_minutes": self.slot_minutes.data or None,
            "changeover_slots": self.changeover_slots.data or None,
            "application_deadline": self.application_deadline.data or None,
        }
        for name in ("day_start", "day_end"):
            minutes = parse_clock(getattr(self, name).data)
            if minutes is None:
                errors[name] = [str(_l("Enter a time of day as HH:MM."))]
            data[name] = minutes
        rubric = parse_rubric(self.rubric.data)
        if rubric is None:
            errors["rubric"] = [str(_l("Write each criterion as a name and a weight, e.g. Team: 20."))]
        data["rubric"] = rubric or []
        data["weights"] = {
            name: (getattr(self, name).data or "").strip()
            for name in SOFT_TERMS
            if (getattr(self, name).data or "").strip()
        }
        breaks = parse_breaks(self.breaks.data)
        if breaks is None:
            errors["breaks"] = [str(_l("Write each break as two times, e.g. 12:00-13:00."))]
        data["breaks"] = breaks or []
        data = {k: v for k, v in data.items() if v is not None}
        if errors:
            # The rules for the fields that did parse too, so one bad entry does not hide the others' messages.
            try:
                validate(EventInput, data)
            except InvalidInput as exc:
                for name, messages in exc.errors.items():
                    errors.setdefault(name, messages)  # a field that did not parse is only missing here
        return data, errors
