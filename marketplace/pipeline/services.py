from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit.services import record_change
from marketplace.core.db import db, insert_once, utcnow
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.needs.enums import NeedVisibility
from marketplace.needs.models import Need
from marketplace.needs.rules import LISTED_STATUSES
from marketplace.pipeline import transitions
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate, NeedVisit, PitchDeck, Vote
from marketplace.pipeline.notices import stage_changed
from marketplace.pipeline.queries import candidate_for
from marketplace.pipeline.rules import can_act_on_matches, can_vote, sides, startup_side_incubators, startup_side_seeing
from marketplace.startups.models import Startup
from marketplace.startups.queries import incubator_ids_for_startup


def move_candidates(
    *, from_startup_id: int, to_startup_id: int, actor_id: int | None = None
) -> tuple[list[int], list[dict]]:
    """Re-points a startup's pipeline candidates to another startup (a merge).

    A need that already has the target as a candidate keeps that one; the other is removed
    and returned as (need, stage). Each candidate's audit trail records the merge, so its
    history stays whole. Returns (moved ids, removed).
    """
    kept = {c.need_id: c for c in db.session.scalars(sa.select(Candidate).where(Candidate.startup_id == to_startup_id))}
    moved, removed = [], []
    for candidate in db.session.scalars(sa.select(Candidate).where(Candidate.startup_id == from_startup_id)).all():
        if candidate.need_id in kept:
            removed.append({"need_id": candidate.need_id, "stage": candidate.stage.value})
            record_change(
                actor_id=actor_id,
                action="candidate.merge",
                entity="candidate",
                entity_id=kept[candidate.need_id].id,
                before={
                    "absorbed_candidate": candidate.id,
                    "startup_id": from_startup_id,
                    "stage": candidate.stage.value,
                },
                after={"startup_id": to_startup_id},
            )
            db.session.execute(
                sa.update(PitchDeck)
                .where(PitchDeck.candidate_id == candidate.id)
                .values(candidate_id=kept[candidate.need_id].id)
            )
            db.session.delete(candidate)
        else:
            candidate.startup_id = to_startup_id
            moved.append(candidate.id)
            record_change(
                actor_id=actor_id,
                action="candidate.merge",
                entity="candidate",
                entity_id=candidate.id,
                before={"startup_id": from_startup_id},
                after={"startup_id": to_startup_id},
            )
    db.session.flush()
    return moved, removed


class StaleCandidate(InvalidTransition):
    """Someone else moved the candidate since it was read."""


def _stale(candidate: Candidate) -> StaleCandidate:
    return StaleCandidate(
        _(
            "Someone else moved this candidate to “%(stage)s” a moment ago; nothing was changed.",
            stage=candidate.stage.label,
        )
    )


def check_shareable(candidate: Candidate) -> None:
    """Raises InvalidTransition when sharing the candidate with the startup's side (an invitation, or a move
    made for that side) would reach no incubator on it, because none of them may see the need: an internal
    need is the bank's staff's alone, a draft nobody's outside its unit, an invited-only need its audience's.
    Such an invitation could be neither read nor answered (security review, finding 11). A startup no
    incubator lists has nobody on its side to tell: it is refused only an internal or unpublished need."""
    if startup_side_seeing(candidate, shared=True):
        return
    need = db.session.get(Need, candidate.need_id)
    if need.visibility == NeedVisibility.INTERNAL:
        raise InvalidTransition(
            _("This need is internal: only the bank's staff see it, so no startup can be invited to it.")
        )
    if need.status not in LISTED_STATUSES:
        raise InvalidTransition(_("Startups can be invited once the need is published."))
    if startup_side_incubators(candidate.nominated_by_id, incubator_ids_for_startup(candidate.startup_id)):
        raise InvalidTransition(
            _(
                "The startup's incubator is not in this need's audience: add it to the audience "
                "before inviting the startup."
            )
        )


def transition(
    *,
    candidate: Candidate,
    to: CandidateStage,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    notify: bool = True,
) -> Candidate:
    """The one way a candidate changes stage: checks the pipeline, writes the audit row, notifies.

    ``expected_version`` is the version the actor saw; if someone moved the candidate since,
    StaleCandidate is raised and nothing changes (the first move wins). Raises PermissionDenied
    unless the actor acts for a side of this candidate (transitions.py); InvalidTransition for a move
    the pipeline does not allow them (organisers may jump forward with a note); InvalidInput when a
    note is required and missing. A move by which the startup's side chooses the need records the
    opt-in that reveals both sides' contact details. An invitation, and any move that shares the
    candidate with the startup's side, is refused (InvalidTransition) when no incubator on that side may
    see the need (``check_shareable``). ``notify=False`` when the caller tells the
    people concerned itself (publishing a roadshow schedule tells each startup its slot).
    """
    held = sides(actor, candidate)
    if not held:
        raise PermissionDenied()
    if expected_version is not None:
        db.session.refresh(candidate)
        if candidate.version != expected_version:
            raise _stale(candidate)
    frm = candidate.stage
    note = (note or "").strip()
    _check_move(candidate, frm, to, held, note)
    seen = candidate.version if expected_version is None else expected_version
    values = _moved_values(candidate, frm, to, seen)
    moved = db.session.execute(
        sa.update(Candidate)
        .where(Candidate.id == candidate.id, Candidate.version == seen)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.session.refresh(candidate)
        raise _stale(candidate)
    db.session.refresh(candidate)
    record_change(
        actor_id=actor.id,
        action="candidate.stage",
        entity="candidate",
        entity_id=candidate.id,
        before={"stage": frm.value},
        after={"stage": to.value, "note": note},
    )
    if notify:
        stage_changed(candidate, frm, actor=actor, note=note)
    return candidate


def _check_move(candidate: Candidate, frm: CandidateStage, to: CandidateStage, held: set[str], note: str) -> None:
    """Whether the sides ``held`` may move the candidate from ``frm`` to ``to`` with ``note`` (transitions.py);
    raises InvalidTransition or InvalidInput (a missing reason) when not."""
    opted_in = candidate.opted_in_at is not None or (frm, to) in transitions.OPT_IN
    if transitions.is_regular(frm, to, held, opted_in=opted_in):
        pass
    elif transitions.PLATFORM in held and transitions.is_override(frm, to, opted_in=opted_in):
        if not note:
            raise InvalidInput({"note": [_("Skipping steps needs a reason.")]})
    elif to in transitions.NEEDS_OPT_IN and not opted_in and frm not in transitions.CLOSED:
        raise InvalidTransition(_("The startup has not applied or accepted an invitation yet; invite it first."))
    else:
        raise InvalidTransition(
            _("A candidate cannot go from “%(frm)s” to “%(to)s” by your hand.", frm=frm.label, to=to.label)
        )
    if to in transitions.NEEDS_NOTE and not note:
        raise InvalidInput({"note": [_("Say why, so the other side knows.")]})


def _moved_values(candidate: Candidate, frm: CandidateStage, to: CandidateStage, seen: int) -> dict[str, object]:
    """The columns a move from version ``seen`` writes: the stage and version, and the moment the startup's side
    opted in or was first shown the candidate (checked shareable: InvalidTransition when no incubator on that
    side may see the need)."""
    values: dict[str, object] = {"stage": to, "version": seen + 1, "updated_at": utcnow()}
    if (frm, to) in transitions.OPT_IN and candidate.opted_in_at is None:
        values["opted_in_at"] = values["updated_at"]
    shares = (to == CandidateStage.INVITED or "opted_in_at" in values) and candidate.shared_at is None
    if to == CandidateStage.INVITED or shares:
        check_shareable(candidate)
    if shares:
        values["shared_at"] = values["updated_at"]
    return values


def act_on_match(*, actor: User, need_id: int, startup_id: int, to: CandidateStage, note: str = "") -> Candidate:
    """Turns a ranked startup into a candidate of the need (if it is not one yet) and moves it (the bank's
    side: shortlist, invite, not a fit).

    Raises PermissionDenied unless the actor is staff of the need's unit or the platform, and what
    ``transition`` raises.
    """
    need = db.session.get(Need, need_id)
    if not can_act_on_matches(actor, need):
        raise PermissionDenied()
    candidate = candidate_for(need_id, startup_id)
    if candidate is None:
        if db.session.get(Startup, startup_id) is None:
            raise InvalidInput({"startup_id": [_("No such startup.")]})
        candidate = add_candidate(
            need_id=need_id, startup_id=startup_id, source=CandidateSource.MATCHED, actor_id=actor.id
        )
    return transition(candidate=candidate, to=to, actor=actor, note=note)


def add_candidate(
    *,
    need_id: int,
    startup_id: int,
    source: CandidateSource,
    actor_id: int | None,
    stage: CandidateStage = CandidateStage.SUGGESTED,
    nominated_by_id: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Candidate:
    """The one way a startup enters a need's pipeline; its history starts with this audit row.

    ``at`` backdates the candidate (the seed's world has a past).
    """
    when = at or utcnow()
    candidate = Candidate(
        need_id=need_id,
        startup_id=startup_id,
        stage=stage,
        source=source,
        nominated_by_id=nominated_by_id,
        note=note,
        created_at=when,
        updated_at=when,
    )
    db.session.add(candidate)
    db.session.flush()
    record_change(
        actor_id=actor_id,
        action="candidate.create",
        entity="candidate",
        entity_id=candidate.id,
        after={
            "need_id": need_id,
            "startup_id": startup_id,
            "stage": stage.value,
            "source": source.value,
            "note": note,
        },
        at=when,
    )
    return candidate


def toggle_vote(*, actor: User, need_id: int, startup_id: int) -> bool:
    """Adds the actor's vote for a startup on a need, or takes it back; returns whether it now counts.

    Safe against a double click: two requests adding the same vote at once leave one vote (the second
    finds the first's row), and two taking it back delete it once.

    Raises PermissionDenied for incubators (the bank's staff vote).
    """
    if not can_vote(actor):
        raise PermissionDenied()
    mine = (Vote.need_id == need_id, Vote.startup_id == startup_id, Vote.user_id == actor.id)
    if db.session.execute(sa.delete(Vote).where(*mine)).rowcount:
        return False
    insert_once(Vote(need_id=need_id, startup_id=startup_id, user_id=actor.id))
    return True


def record_visit(*, actor: User, need_id: int):
    """Notes that the actor opened the need now; returns when they had last opened it (None the first time,
    also when two tabs open it for the first time at once)."""
    visit = db.session.get(NeedVisit, (actor.id, need_id))
    if visit is None and insert_once(NeedVisit(user_id=actor.id, need_id=need_id, seen_at=utcnow())):
        return None
    if visit is None:  # the other tab's first visit won the race
        visit = db.session.get(NeedVisit, (actor.id, need_id), populate_existing=True)
        previous = None
    else:
        previous = visit.seen_at
    visit.seen_at = utcnow()
    db.session.flush()
    return previous
