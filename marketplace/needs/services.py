from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.enums import OrganisationKind
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.queries import organisers
from marketplace.accounts.rules import incubator_managers_clause, is_bank
from marketplace.audit.services import record_change, snapshot
from marketplace.audit.versioning import check_version, lock_current
from marketplace.core.db import db, insert_once, utcnow
from marketplace.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from marketplace.core.list_queries import unique_slug
from marketplace.core.validation import validate
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus, NeedVisibility
from marketplace.needs.models import Need, NeedAudience, NeedInput, NeedTermsAcceptance
from marketplace.needs.queries import audience_ids_for_need
from marketplace.needs.rules import can_accept_terms, can_create_need, can_edit_need, capacities
from marketplace.notifications.services import link_for, notify
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import schedule_indexing

AUDITED_FIELDS = [*NeedInput.model_fields, "status", "owner_id"]
# The audit actions that bump a need's version (one row per bump): what changed since a version read.
VERSIONED_ACTIONS = ("need.update", "need.status")


def _check_audience(visibility: NeedVisibility, incubator_ids: set[int]) -> None:
    if visibility == NeedVisibility.INVITED and not incubator_ids:
        raise InvalidInput({"invited_incubators": [_("Choose at least one incubator to invite.")]})
    if incubator_ids:
        kinds = set(db.session.scalars(sa.select(Organisation.kind).where(Organisation.id.in_(incubator_ids))))
        found = db.session.scalar(
            sa.select(sa.func.count()).select_from(Organisation).where(Organisation.id.in_(incubator_ids))
        )
        if found != len(incubator_ids) or kinds - {OrganisationKind.INCUBATOR}:
            raise InvalidInput({"invited_incubators": [_("Only incubators can be invited.")]})


def _check_deadline(deadline, previous=None) -> None:
    """A deadline being set or changed is today or later (an unchanged one that has since passed may stay)."""
    if not lifecycle.deadline_may_be_set(deadline, previous):
        raise InvalidInput(
            {
                "deadline": [
                    _("The deadline %(date)s has passed: choose today or a later day.", date=deadline.isoformat())
                ]
            }
        )


def _set_audience(need: Need, incubator_ids: set[int]) -> None:
    current = audience_ids_for_need(need.id)
    for org_id in current - incubator_ids:
        db.session.delete(db.session.get(NeedAudience, (need.id, org_id)))
    for org_id in incubator_ids - current:
        db.session.add(NeedAudience(need_id=need.id, organisation_id=org_id))


def _resolve_owner(actor: User, owner_id: int | None) -> int:
    if is_bank(actor):
        return actor.organisation_id
    owner = db.session.get(Organisation, owner_id) if owner_id else None
    if owner is None or owner.kind != OrganisationKind.BANK_UNIT:
        raise InvalidInput({"owner_id": [_("Choose the bank unit that owns this need.")]})
    return owner.id


def create_need(
    *, actor: User, data: dict, owner_id: int | None = None, invited_incubator_ids: Iterable[int] = ()
) -> Need:
    """Adds a draft need owned by the actor's unit (or ``owner_id`` for the platform) and its audience.

    After commit its embedding and the needs index are updated in the background.

    Raises PermissionDenied for roles that cannot post needs and InvalidInput for broken rules.
    """
    if not can_create_need(actor):
        raise PermissionDenied()
    fields = validate(NeedInput, data)
    _check_deadline(fields.deadline)
    audience = {int(i) for i in invited_incubator_ids}
    if fields.visibility != NeedVisibility.INVITED:
        audience = set()
    _check_audience(fields.visibility, audience)
    need = Need(
        **fields.model_dump(),
        slug=unique_slug(Need, fields.title, "need"),
        owner_id=_resolve_owner(actor, owner_id),
        created_by_id=actor.id,
        status=NeedStatus.DRAFT,
    )
    db.session.add(need)
    db.session.flush()
    _set_audience(need, audience)
    record_change(
        actor_id=actor.id, action="need.create", entity="need", entity_id=need.id, after=snapshot(need, AUDITED_FIELDS)
    )
    schedule_indexing(ProfileKind.NEED, [need.id])
    return need


def update_need(
    *,
    actor: User,
    need: Need,
    data: dict,
    invited_incubator_ids: Iterable[int] = (),
    expected_version: int | None = None,
) -> Need:
    """Changes the need's fields and audience, bumps its version and writes the audit row.

    ``expected_version`` is the version the edit was read at (the edit form, the API's ``version``): the need is
    locked and reloaded first, and if it moved on since, StaleEdit names the fields the other changes touched and
    nothing is saved (versioning.py). Raises PermissionDenied unless the actor may edit this need, InvalidInput for
    broken rules.
    """
    lock_current(need)
    if not can_edit_need(actor, need):
        raise PermissionDenied()
    check_version(need, expected_version, entity="need", actions=VERSIONED_ACTIONS, message=_stale_need)
    fields = validate(NeedInput, data)
    _check_deadline(fields.deadline, previous=need.deadline)
    audience = {int(i) for i in invited_incubator_ids}
    if fields.visibility != NeedVisibility.INVITED:
        audience = set()
    _check_audience(fields.visibility, audience)
    before = {**snapshot(need, AUDITED_FIELDS), "invited_incubator_ids": sorted(audience_ids_for_need(need.id))}
    for name, value in fields.model_dump().items():
        setattr(need, name, value)
    _set_audience(need, audience)
    after = {**snapshot(need, AUDITED_FIELDS), "invited_incubator_ids": sorted(audience)}
    if before != after:
        need.updated_at = utcnow()
        need.version += 1
        schedule_indexing(ProfileKind.NEED, [need.id])
    db.session.flush()
    record_change(actor_id=actor.id, action="need.update", entity="need", entity_id=need.id, before=before, after=after)
    return need


def _stale_need(*, fields: str, read: int, current: int) -> str:
    return _(
        "Someone else changed this need after you read it (you read version %(read)s, it is now version "
        "%(current)s; changed: %(fields)s). Nothing was saved.",
        read=read,
        current=current,
        fields=fields,
    )


def change_need_status(*, actor: User, need: Need, to: NeedStatus, comment: str = "") -> Need:
    """The one way a need changes status: checks the lifecycle table, writes the audit row (with the
    comment) and, after commit, mails whoever the move concerns.

    Raises PermissionDenied when the actor has no say over this need, InvalidTransition for a move
    the lifecycle does not allow, InvalidInput when the move needs a comment and has none or when it
    submits or publishes a need whose deadline has passed.
    """
    lock_current(need)  # its status and version as they are now, held until the commit
    held = capacities(actor, need)
    if not held:
        raise PermissionDenied()
    frm = need.status
    if not lifecycle.allowed(frm, to, held):
        raise InvalidTransition(
            _("A need cannot go from “%(frm)s” to “%(to)s” by your hand.", frm=frm.label, to=to.label)
        )
    comment = (comment or "").strip()
    if (frm, to) in lifecycle.NEEDS_COMMENT and not comment:
        raise InvalidInput({"comment": [_("Say why, so the people concerned know what to do.")]})
    if to in lifecycle.NEEDS_FUTURE_DEADLINE and lifecycle.deadline_passed(need.deadline):
        raise InvalidInput(
            {
                "deadline": [
                    _("The deadline %(date)s has passed: set a later one first.", date=need.deadline.isoformat())
                ]
            }
        )
    need.status = to
    need.updated_at = utcnow()
    need.version += 1
    db.session.flush()
    record_change(
        actor_id=actor.id,
        action="need.status",
        entity="need",
        entity_id=need.id,
        before={"status": frm.value},
        after={"status": to.value, "comment": comment},
    )
    _notify_status(need, frm, to, actor, comment)
    return need


def _notify_status(need: Need, frm: NeedStatus, to: NeedStatus, actor: User, comment: str) -> None:
    params, link = {"title": need.title}, link_for("needs.detail", need_id=need.id)
    if to == NeedStatus.IN_REVIEW:
        notify(organisers(), kind="need_submitted", params=params, link=link, exclude=actor, need=need, actor=actor)
    elif to == NeedStatus.DRAFT and frm == NeedStatus.IN_REVIEW and need.created_by_id:
        author = db.session.get(User, need.created_by_id)
        if author is not None:
            notify(
                [author],
                kind="need_changes_requested",
                params=params,
                link=link,
                need=need,
                actor=actor,
                comment=comment,
            )
    elif to == NeedStatus.PUBLISHED:
        notify(audience_managers(need), kind="need_published", params=params, link=link, need=need)


def audience_managers(need: Need) -> list[User]:
    """The incubator managers a published need reaches: every incubator, the invited ones, or none."""
    if need.visibility == NeedVisibility.INTERNAL:
        return []
    query = sa.select(User).where(incubator_managers_clause(), User.active.is_(True))
    if need.visibility == NeedVisibility.INVITED:
        query = query.where(User.organisation_id.in_(audience_ids_for_need(need.id) or {-1}))
    return list(db.session.scalars(query.order_by(User.id)))


def clone_need(*, actor: User, need: Need) -> Need:
    """A new draft with the same text, tags and audience, owned by the actor's unit (or the same unit
    for the platform). Raises PermissionDenied for roles that cannot post needs."""
    fields = {name: getattr(need, name) for name in NeedInput.model_fields}
    fields["title"] = _("Copy of %(title)s", title=need.title)[:200]
    fields["deadline"] = None
    return create_need(
        actor=actor, data=fields, owner_id=need.owner_id, invited_incubator_ids=audience_ids_for_need(need.id)
    )


def accept_terms(*, actor: User, need: Need) -> NeedTermsAcceptance:
    """Records that the actor's incubator accepts a confidential need's terms (who, when, what text);
    from then on its managers read the whole need. Accepting twice keeps the first record.

    Raises PermissionDenied for anyone but an incubator manager, InvalidTransition for a need
    that is not confidential.
    """
    if not can_accept_terms(actor):
        raise PermissionDenied()
    if not need.confidential:
        raise InvalidTransition(_("This need has no confidentiality terms to accept."))
    existing = db.session.get(NeedTermsAcceptance, (need.id, actor.organisation_id))
    if existing is not None:
        return existing
    acceptance = NeedTermsAcceptance(
        need_id=need.id,
        organisation_id=actor.organisation_id,
        user_id=actor.id,
        terms=need.confidentiality_terms,
        accepted_at=utcnow(),
    )
    if not insert_once(acceptance):  # a colleague's (or a double submit's) acceptance committed first
        return db.session.get(NeedTermsAcceptance, (need.id, actor.organisation_id), populate_existing=True)
    record_change(
        actor_id=actor.id,
        action="need.terms_accepted",
        entity="need",
        entity_id=need.id,
        after={"organisation_id": actor.organisation_id},
    )
    return acceptance
