"""What a notification can be about: its line of text (a msgid) and the email it sends.

Parameters are stored untranslated; ``text`` renders them in the active language, so a person
reads their notifications in the language they use now, not the one of the moment they arrived.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from marketplace.pipeline.enums import CandidateStage


def mail_subject(msgid: str) -> str:
    """Marks a line for the catalogue; it is translated when shown or mailed."""
    return msgid


@dataclass(frozen=True)
class Kind:
    line: str  # msgid with %(name)s parameters: the in-app line and the email subject
    template: str = "email/notification.txt"


KINDS: dict[str, Kind] = {
    "need_submitted": Kind(mail_subject("Need to review: %(title)s"), "email/need_submitted.txt"),
    "need_changes_requested": Kind(mail_subject("Changes requested: %(title)s"), "email/need_changes_requested.txt"),
    "need_published": Kind(mail_subject("New need published to you: %(title)s"), "email/need_published.txt"),
    "invitation": Kind(mail_subject("%(startup)s is invited to apply for “%(title)s”")),
    "nomination": Kind(mail_subject("%(incubator)s nominated %(startup)s for “%(title)s”")),
    "application": Kind(mail_subject("%(startup)s accepted the invitation to “%(title)s”")),
    "stage_changed": Kind(mail_subject("%(startup)s is now “%(stage)s” for “%(title)s”")),
    "withdrawn": Kind(mail_subject("%(startup)s withdrew from “%(title)s”")),
    "deadline_soon": Kind(mail_subject("“%(title)s” closes for nominations on %(deadline)s")),
    "deadline_passed": Kind(mail_subject("“%(title)s” passed its deadline with %(count)s candidates to review")),
    "new_matches": Kind(mail_subject("%(count)s newly arrived startups rank among the best matches for “%(title)s”")),
    "schedule_published": Kind(mail_subject("The roadshow schedule of “%(event)s” for “%(title)s” is out")),
    "roadshow_slot": Kind(mail_subject("%(startup)s pitches at %(when)s: %(event)s")),
    "availability_clash": Kind(mail_subject("“%(event)s”: %(count)s pitches now fall on times someone cannot make")),
}


def localised(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters ready for the active language (a stage's value becomes its label)."""
    values = dict(params)
    if "stage" in values:
        with contextlib.suppress(ValueError):  # a stage no longer known keeps its stored value
            values["stage"] = CandidateStage(values["stage"]).label
    return values


def text(kind: str, params: dict[str, Any]) -> str:
    """The notification's line in the active language."""
    found = KINDS.get(kind)
    if found is None:
        return kind
    return gettext(found.line, **localised(params))
