"""Who hears of a pipeline move: the bank's side, the startup's side, or both.

The bank's side is the active staff of the unit that owns the need; the startup's side is the
managers of the incubators that list the startup, and of the one that nominated it.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import Organisation, User
from marketplace.accounts.rules import bank_staff_clause, incubator_managers_clause
from marketplace.core.db import db
from marketplace.needs.models import Need
from marketplace.notifications.services import link_for, notify
from marketplace.pipeline.enums import CandidateStage as C
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.rules import startup_side_seeing
from marketplace.startups.models import Startup


def unit_staff(organisation_id: int) -> list[User]:
    """The active bank staff of a unit: the bank's side of its needs, and their judging panel."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(bank_staff_clause(), User.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def bank_side(need: Need) -> list[User]:
    return unit_staff(need.owner_id)


def startup_side(candidate: Candidate) -> list[User]:
    """The managers of the incubators that see the candidate for the startup's side
    (rules.startup_side_seeing): never of one that may not see the need."""
    orgs = startup_side_seeing(candidate)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(incubator_managers_clause(), User.organisation_id.in_(orgs), User.active.is_(True))
            .order_by(User.id)
        )
    )


def _params(candidate: Candidate, need: Need) -> dict:
    startup = db.session.get(Startup, candidate.startup_id)
    return {"startup": startup.name if startup else "?", "title": need.title}


def stage_changed(candidate: Candidate, frm: C, *, actor: User, note: str) -> None:
    """After a move: invitations and decisions go to the startup's side; applications and
    withdrawals to the bank's."""
    need = db.session.get(Need, candidate.need_id)
    params = _params(candidate, need)
    to = candidate.stage
    bank_link = link_for("needs.detail", need_id=need.id) + "#pipeline"
    startup_link = link_for("pipeline.workspace") + f"#candidate-{candidate.id}"
    if to == C.INVITED:
        notify(startup_side(candidate), kind="invitation", params=params, link=startup_link, exclude=actor)
    elif to == C.APPLIED and frm == C.INVITED:
        notify(bank_side(need), kind="application", params=params, link=bank_link, exclude=actor)
    elif to == C.APPLIED:
        nominated(candidate, actor=actor)
    elif to == C.WITHDRAWN:
        notify(bank_side(need), kind="withdrawn", params=params, link=bank_link, exclude=actor, note=note)
    elif candidate.opted_in_at is not None or frm == C.INVITED:
        # The startup's side hears of decisions once it is in the conversation.
        notify(
            startup_side(candidate),
            kind="stage_changed",
            params={**params, "stage": to.value},
            link=startup_link,
            exclude=actor,
            note=note,
        )


def nominated(candidate: Candidate, *, actor: User) -> None:
    need = db.session.get(Need, candidate.need_id)
    incubator = db.session.get(Organisation, actor.organisation_id)
    notify(
        bank_side(need),
        kind="nomination",
        params={**_params(candidate, need), "incubator": incubator.name if incubator else "?"},
        link=link_for("needs.detail", need_id=need.id) + "#pipeline",
        exclude=actor,
        note=candidate.note,
    )
