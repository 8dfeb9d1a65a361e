"""/api/v1/needs: the needs a caller may see, posting and editing them, and their status."""

from __future__ import annotations

from flask_openapi3 import Tag
from pydantic import Field

from marketplace.api.blueprint import CONFLICT, NOT_FOUND, api_user, bp
from marketplace.api.paging import page_json
from marketplace.api.schemas import (
    BodyId,
    JsonBody,
    NeedOut,
    NeedPage,
    NeedPath,
    NeedQuery,
    NeedStatusChange,
    ReadVersion,
)
from marketplace.core.db import unit_of_work
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need, NeedInput
from marketplace.needs.queries import OPEN, has_accepted_terms, need_for_user, needs_for_user
from marketplace.needs.rules import can_read_full_need, can_view_need_contact
from marketplace.needs.services import change_need_status, create_need, update_need
from marketplace.pipeline.queries import opted_in_orgs

TAG = [Tag(name="needs", description="Bank units' needs, as each caller may see them.")]
FULL_ONLY = (
    "description",
    "scenarios",
    "technology_tags",
    "desired_stage",
    "budget_min_cny",
    "budget_max_cny",
    "pilot_horizon",
    "confidentiality_terms",
)


class NeedBody(NeedInput, JsonBody):
    """A need's fields; the audience of an invited-only need by incubator id."""

    invited_incubator_ids: list[BodyId] = Field(default_factory=list, max_length=200)


class NeedCreate(NeedBody):
    owner_id: BodyId | None = Field(
        default=None, description="The owning bank unit (organisers only; staff post for their own unit)."
    )


class NeedReplace(NeedBody):
    """A need's fields, replacing all of them, and the version they were read at."""

    version: ReadVersion


def need_json(need: Need) -> dict:
    user = api_user()
    accepted = need.confidential and has_accepted_terms(need.id, user.organisation_id)
    readable = can_read_full_need(user, need, accepted_terms=accepted)
    out = NeedOut(
        id=need.id,
        slug=need.slug,
        title=need.title,
        summary=need.summary,
        sector_tags=need.sector_tags,
        status=need.status,
        visibility=need.visibility,
        owner_id=need.owner_id,
        confidential=need.confidential,
        deadline=need.deadline,
        open=lifecycle.is_open(need.status, need.deadline),
        updated_at=need.updated_at,
        version=need.version,
        readable=readable,
    )
    if readable:
        for name in FULL_ONLY:
            setattr(out, name, getattr(need, name))
        if can_view_need_contact(user, need, opted_in_orgs(need.id)):
            out.contact_name, out.contact_email = need.contact_name, need.contact_email
    return out.model_dump(mode="json")


@bp.get("/needs", tags=TAG, responses={200: NeedPage})
def list_needs(query: NeedQuery):
    """The needs you may see, newest change first."""
    page = needs_for_user(
        api_user(),
        sector=query.sector,
        status=OPEN if query.open else query.status,
        text=query.q,
        owner_id=query.owner_id,
        page=query.page,
        per_page=query.per_page,
    )
    return page_json(page, need_json)


@bp.post("/needs", tags=TAG, responses={201: NeedOut})
def post_need(body: NeedCreate):
    """Post a need (bank staff for their unit, organisers for any unit); it starts as a draft."""
    data = body.model_dump(exclude={"invited_incubator_ids", "owner_id"})
    with unit_of_work():
        need = create_need(
            actor=api_user(), data=data, owner_id=body.owner_id, invited_incubator_ids=body.invited_incubator_ids
        )
    return need_json(need), 201


@bp.get("/needs/<int:need_id>", tags=TAG, responses={200: NeedOut, **NOT_FOUND})
def get_need(path: NeedPath):
    """One need. A confidential need shows an incubator only its teaser until its terms are accepted."""
    return need_json(need_for_user(api_user(), path.need_id))


@bp.put("/needs/<int:need_id>", tags=TAG, responses={200: NeedOut, **NOT_FOUND, **CONFLICT})
def put_need(path: NeedPath, body: NeedReplace):
    """Replace a need's fields (its unit's staff while draft, in review or published; organisers). Send the
    `version` you read: if the need changed since, the answer is 409 naming what changed, and nothing is saved."""
    with unit_of_work():
        need = need_for_user(api_user(), path.need_id)
        update_need(
            actor=api_user(),
            need=need,
            data=body.model_dump(exclude={"invited_incubator_ids", "version"}),
            invited_incubator_ids=body.invited_incubator_ids,
            expected_version=body.version,
        )
    return need_json(need)


@bp.post("/needs/<int:need_id>/status", tags=TAG, responses={200: NeedOut, **NOT_FOUND, **CONFLICT})
def change_status(path: NeedPath, body: NeedStatusChange):
    """Move a need through its lifecycle (submit, publish, close, withdraw, ...)."""
    with unit_of_work():
        need = need_for_user(api_user(), path.need_id)
        change_need_status(actor=api_user(), need=need, to=NeedStatus(body.to), comment=body.comment)
    return need_json(need)
