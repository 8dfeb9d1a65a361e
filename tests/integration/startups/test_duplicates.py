"""Likely duplicates are found; a merge keeps every listing, candidate and audit row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import PermissionDenied
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.startups.duplicates import likely_duplicates
from marketplace.startups.models import Listing, Startup
from marketplace.startups.services import create_startup, merge_startups, update_startup
from tests.conftest import BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import need_id, user

pytestmark = pytest.mark.integration


def twins():
    zj = create_startup(
        actor=user(ZJ_MANAGER),
        data={"name": "Qinglan Sensing Co., Ltd.", "website": "https://www.qinglan.example"},
        external_id="ZJ-Q1",
    )
    pnp = create_startup(
        actor=user(PNP_MANAGER), data={"name": "Qinglan Sensing", "website": "qinglan.example/en"}, external_id="PNP-Q1"
    )
    return zj, pnp


def test_same_domain_and_similar_names_are_reported(ctx):
    zj, pnp = twins()
    near = create_startup(actor=user(ZJ_MANAGER), data={"name": "Qinglan Sensinq"})

    pairs = {(p.first_id, p.second_id): p.reason for p in likely_duplicates()}

    assert pairs[(zj.id, pnp.id)] == "domain"
    assert pairs[(zj.id, near.id)] == "name"


def test_merge_keeps_listings_candidates_and_history(ctx, app):
    zj, pnp = twins()
    update_startup(actor=user(PNP_MANAGER), startup=pnp, data={"name": "Qinglan Sensing", "description": "edited"})
    need = need_id(app, "iot-collateral-monitoring")
    db.session.add(
        Candidate(need_id=need, startup_id=pnp.id, stage=CandidateStage.SHORTLISTED, source=CandidateSource.NOMINATED)
    )
    db.session.flush()
    drop_id = pnp.id

    with unit_of_work():
        merge_startups(actor=user(ORGANISER), keep=zj, drop=pnp)

    assert db.session.get(Startup, drop_id) is None
    listings = set(db.session.scalars(sa.select(Listing.external_id).where(Listing.startup_id == zj.id)))
    assert listings == {"ZJ-Q1", "PNP-Q1"}
    candidate = db.session.scalar(sa.select(Candidate).where(Candidate.need_id == need, Candidate.startup_id == zj.id))
    assert (candidate.startup_id, candidate.stage) == (zj.id, CandidateStage.SHORTLISTED)
    actions = set(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity == "startup", AuditEvent.entity_id == zj.id)
        )
    )
    assert {"startup.create", "startup.update", "startup.merge"} <= actions


def test_only_the_platform_merges(ctx):
    zj, pnp = twins()

    with pytest.raises(PermissionDenied):
        merge_startups(actor=user(ZJ_MANAGER), keep=zj, drop=pnp)


@pytest.mark.parametrize("email", [BANK_STAFF, ZJ_MANAGER])
def test_duplicates_page_and_merge_refused_outside_the_platform(client, auth, email):
    auth.login(email)

    assert client.get("/startups/duplicates").status_code == 403
    assert client.post("/startups/merge", data={"keep": 1, "drop": 2}).status_code == 403


def test_organiser_sees_duplicates_page(client, auth):
    auth.login(ORGANISER)

    assert client.get("/startups/duplicates").status_code == 200
