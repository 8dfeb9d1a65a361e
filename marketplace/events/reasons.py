"""The scheduler's plain-language reasons, for the catalogue: `scheduling` speaks English
templates with {name} fields (it never imports Flask); the event page translates them here."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# Every template scheduling/explain.py may return (a unit test keeps the two in step).
TEMPLATES = (
    _l("No schedule fits all of the following together in {rooms} room(s):"),
    _l("The pitches need {needed} room-slots but {rooms} rooms over {slots} slots offer only {available}."),
    _l("the rooms and the panels' need to attend every pitch of their need"),
    _l(
        "{startup} has {pitches} pitches but its free time, with a changeover of {gap} slot(s) between pitches, "
        "fits only {fits}."
    ),
    _l("The pitch of {startup} for {need} is pinned to a room that does not exist."),
    _l("The pitch of {startup} for {need} is pinned where it would run into a break or past the end of the day."),
    _l("The pitch of {startup} for {need} is pinned at {when}, when the panel of {need} is away."),
    _l("The pitch of {startup} for {need} is pinned at {when}, when {startup} is away."),
    _l("Two pitches are pinned to {room} at {when}: {startup_a} for {need_a} and {startup_b} for {need_b}."),
    _l(
        "{startup_a} is pinned to pitches at {when_a} and {when_b} without the changeover of {gap} slot(s) "
        "between them."
    ),
    _l("the availability of the panel of {need} (free for {free} slots, {pitches} pitch(es))"),
    _l("{need} has {pitches} pitches but its panel is free for {free} slots."),
    _l("{need} has {pitches} pitches of {length} slots but its panel's free time fits only {fits}."),
    _l("Judge {judge} sits on {panels} panels ({names}) with {needed} slots of pitches but is free for {free} slots."),
    _l("The pitch of {startup} for {need} has no slot when both the panel and the startup are free."),
    _l(
        "A panel would be in two places at {when}: {startup_a} for {need_a} and {startup_b} for {need_b} are pinned "
        "at the same time."
    ),
    _l("the availability of {startup}"),
    _l("the changeover of {gap} slot(s) between the pitches of {startup}"),
    _l("the pin of the pitch of {startup} for {need} to {room} at {when}"),
    _l("{half_day} is used because a judge of the panel of {need} is unavailable on {other}."),
    _l("{half_day} is used because {startup} is unavailable on {other}."),
    _l(
        "{half_day} is used to keep the pitches of {needs} together in one room with balanced rooms; fewer half-days "
        "would cost more there."
    ),
)


# Fields of the templates that hold a count, a time or a room, never a name of a startup, need or judge.
PLAIN_FIELDS = frozenset(
    {
        "rooms",
        "needed",
        "slots",
        "available",
        "pitches",
        "gap",
        "fits",
        "free",
        "length",
        "panels",
        "when",
        "when_a",
        "when_b",
        "room",
        "half_day",
        "other",
    }
)
PARTY_KINDS = ("startups", "needs", "judges")


def parties_of(reason: dict) -> dict[str, set] | None:
    """The ids of the startups, needs and judges a stored reason tells about (scheduling.model.Reason.parties).
    A reason stored before reasons kept them has none: it names nobody if it holds plain fields only ({} then),
    otherwise who it names is unknown (None), and a reader must be allowed to know of everyone at the day."""
    stored = reason.get("parties")
    if isinstance(stored, dict):
        return {kind: set(stored.get(kind) or ()) for kind in PARTY_KINDS}
    if set(reason.get("params") or {}) <= PLAIN_FIELDS:
        return {kind: set() for kind in PARTY_KINDS}
    return None


def reason_text(reason: dict) -> str:
    """A stored reason ({"template", "params"}) in the reader's language."""
    params = {key: str(value) for key, value in (reason.get("params") or {}).items()}
    try:
        return gettext(reason["template"]).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that lost a field: the English one
        return str(reason["template"]).format(**params)
