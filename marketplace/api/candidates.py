"""/api/v1/candidates: the pipeline — startups in a need's funnel, and moving them on."""

from __future__ import annotations

from flask_openapi3 import Tag

from marketplace.api.blueprint import CONFLICT, NOT_FOUND, api_user, bp
from marketplace.api.paging import page_json
from marketplace.api.schemas import (
    CandidateCreate,
    CandidateMove,
    CandidateOut,
    CandidatePage,
    CandidatePath,
    CandidateQuery,
    NeedPath,
)
from marketplace.core.db import unit_of_work
from marketplace.needs.queries import need_for_user
from marketplace.pipeline import transitions
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.queries import candidate_for_user, candidates_for_user
from marketplace.pipeline.rules import sides
from marketplace.pipeline.services import act_on_match, transition

TAG = [Tag(name="pipeline", description="Candidates: a startup in a need's pipeline, from suggested to pilot.")]


def candidate_json(candidate: Candidate) -> dict:
    opted_in = candidate.opted_in_at is not None
    return CandidateOut(
        id=candidate.id,
        need_id=candidate.need_id,
        startup_id=candidate.startup_id,
        stage=candidate.stage,
        source=candidate.source.value,
        nominated_by_id=candidate.nominated_by_id,
        note=candidate.note,
        version=candidate.version,
        created_at=candidate.created_at,
        updated_at=candidate.updated_at,
        opted_in=opted_in,
        next_stages=transitions.next_stages(candidate.stage, sides(api_user(), candidate), opted_in=opted_in),
    ).model_dump(mode="json")


@bp.get("/candidates", tags=TAG, responses={200: CandidatePage})
def list_candidates(query: CandidateQuery):
    """Candidates you act on: your unit's needs' pipelines, your portfolio's shared candidates, or all
    (organisers). A bank's private shortlist is not shown to the startup's side until it invites."""
    page = candidates_for_user(
        api_user(),
        need_id=query.need_id,
        startup_id=query.startup_id,
        stage=query.stage,
        page=query.page,
        per_page=query.per_page,
    )
    return page_json(page, candidate_json)


@bp.get("/candidates/<int:candidate_id>", tags=TAG, responses={200: CandidateOut, **NOT_FOUND})
def get_candidate(path: CandidatePath):
    return candidate_json(candidate_for_user(api_user(), path.candidate_id))


@bp.post("/candidates/<int:candidate_id>/moves", tags=TAG, responses={200: CandidateOut, **NOT_FOUND, **CONFLICT})
def move_candidate(path: CandidatePath, body: CandidateMove):
    """Move a candidate one step: each step belongs to one side (see `next_stages`). Send the `version`
    you read: if someone moved it since, the answer is 409 and nothing changes."""
    with unit_of_work():
        candidate = candidate_for_user(api_user(), path.candidate_id)
        transition(
            candidate=candidate,
            to=CandidateStage(body.to),
            actor=api_user(),
            note=body.note,
            expected_version=body.version,
        )
    return candidate_json(candidate)


@bp.post("/needs/<int:need_id>/candidates", tags=TAG, responses={201: CandidateOut, **NOT_FOUND, **CONFLICT})
def add_candidate(path: NeedPath, body: CandidateCreate):
    """The need's unit (or an organiser) takes a startup into the pipeline: shortlist, invite or decline."""
    with unit_of_work():
        need = need_for_user(api_user(), path.need_id)
        candidate = act_on_match(
            actor=api_user(), need_id=need.id, startup_id=body.startup_id, to=CandidateStage(body.to), note=body.note
        )
    return candidate_json(candidate), 201
