"""The startup's side of the pipeline: an incubator nominates a startup from its portfolio for a
need, with a short note and, if it likes, a pitch deck (PDF)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from marketplace.accounts.models import User
from marketplace.core.db import db, utcnow
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.needs.queries import has_accepted_terms
from marketplace.pipeline import notices
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate, PitchDeck
from marketplace.pipeline.queries import candidate_for
from marketplace.pipeline.rules import can_nominate, sides
from marketplace.pipeline.services import add_candidate, transition
from marketplace.startups.models import Startup
from marketplace.startups.queries import incubator_ids_for_startup

NOTE_MAX = 1000
NOTE_MIN = 10


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def check_pitch_deck(upload: Upload | None) -> Upload | None:
    """A PDF within the size limit, with a safe name; None when nothing was attached.

    The type is read from the content (a PDF starts with ``%PDF-``), never from the name.
    """
    if upload is None or not upload.content:
        return None
    limit = current_app.config["PITCH_DECK_MAX_BYTES"]
    if len(upload.content) > limit:
        raise InvalidInput({"deck": [_("The pitch deck is larger than %(mb)s MB.", mb=limit // (1024 * 1024))]})
    if not upload.content.startswith(b"%PDF-"):
        raise InvalidInput({"deck": [_("The pitch deck must be a PDF file.")]})
    name = secure_filename(upload.filename or "") or "pitch-deck.pdf"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return Upload(filename=name[-200:], content=upload.content)


def check_open_for(actor: User, need: Need) -> None:
    """Raises InvalidTransition unless the actor's incubator may nominate for this need now."""
    if need.status != NeedStatus.PUBLISHED:
        raise InvalidTransition(_("This need is not open for nominations."))
    if lifecycle.deadline_passed(need.deadline):
        raise InvalidTransition(_("Nominations for this need closed on %(date)s.", date=need.deadline.isoformat()))
    if need.confidential and not has_accepted_terms(need.id, actor.organisation_id):
        raise InvalidTransition(_("Accept the need's confidentiality terms before nominating."))


def nominate(*, actor: User, need: Need, startup_id: int, note: str, deck: Upload | None = None) -> Candidate:
    """Puts a startup of the actor's portfolio forward for a need: it enters the pipeline as an
    application (the startup's side has chosen the need), or a suggested/invited candidate moves to
    applied. The note and deck are kept with the candidate; the bank's side is told.

    ``need`` must already be one the actor may see (needs.queries.need_for_user). Raises
    PermissionDenied unless the actor manages an incubator listing the startup; InvalidTransition
    when the need is not open to nominations or the startup is already further along; InvalidInput
    for a missing note or a bad deck.
    """
    if (
        not can_nominate(actor)
        or db.session.get(Startup, startup_id) is None
        or actor.organisation_id not in incubator_ids_for_startup(startup_id)
    ):
        raise PermissionDenied()
    check_open_for(actor, need)
    note = (note or "").strip()
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise InvalidInput(
            {
                "note": [
                    _(
                        "Write a note of %(min)s to %(max)s characters: why this startup fits.",
                        min=NOTE_MIN,
                        max=NOTE_MAX,
                    )
                ]
            }
        )
    deck = check_pitch_deck(deck)
    candidate = candidate_for(need.id, startup_id)
    if candidate is None:
        candidate = add_candidate(
            need_id=need.id,
            startup_id=startup_id,
            source=CandidateSource.NOMINATED,
            stage=CandidateStage.APPLIED,
            nominated_by_id=actor.organisation_id,
            note=note,
            actor_id=actor.id,
        )
        candidate.opted_in_at = candidate.shared_at = candidate.created_at
        notices.nominated(candidate, actor=actor)
    elif candidate.stage in (CandidateStage.SUGGESTED, CandidateStage.INVITED):
        candidate.note = note
        candidate.nominated_by_id = candidate.nominated_by_id or actor.organisation_id
        candidate.shared_at = candidate.shared_at or utcnow()  # the incubator chose it: now it is theirs to see
        db.session.flush()
        transition(candidate=candidate, to=CandidateStage.APPLIED, actor=actor, note=note)
    elif sides(actor, candidate):  # shared with this incubator already: its stage is its business too
        raise InvalidTransition(
            _("This startup is already in the need's pipeline (“%(stage)s”).", stage=candidate.stage.label)
        )
    else:  # the bank's private judgement (a shortlist, a decline) is not told through an error
        raise InvalidTransition(_("This startup cannot be nominated for this need."))
    if deck is not None:
        db.session.add(
            PitchDeck(
                candidate_id=candidate.id,
                filename=deck.filename,
                size_bytes=len(deck.content),
                sha256=hashlib.sha256(deck.content).hexdigest(),
                content=deck.content,
                uploaded_by_id=actor.id,
                created_at=utcnow(),
            )
        )
    db.session.flush()
    return candidate


def answer_invitation(
    *, actor: User, candidate: Candidate, accept: bool, note: str = "", expected_version: int | None = None
) -> Candidate:
    """The startup's side accepts an invitation (applied: both sides have chosen each other) or
    declines it (withdrawn, with a reason). Raises what ``transition`` raises."""
    if candidate.stage != CandidateStage.INVITED:
        raise InvalidTransition(_("This invitation has already been answered."))
    to = CandidateStage.APPLIED if accept else CandidateStage.WITHDRAWN
    return transition(candidate=candidate, to=to, actor=actor, note=note, expected_version=expected_version)
