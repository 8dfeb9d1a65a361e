"""Loads the seed's world from fixtures/: upsert by natural key, so running it twice changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from marketplace.accounts.enums import OrganisationKind, UserRole
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.services import check_password_policy, hash_password, verify_password
from marketplace.audit.services import record_change
from marketplace.core.config import REPO_ROOT
from marketplace.core.db import db, utcnow
from marketplace.core.validation import validate
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need, NeedAudience, NeedInput
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.queries import candidate_for
from marketplace.pipeline.services import add_candidate
from marketplace.startups.models import Listing, Startup, StartupInput

FIXTURES = REPO_ROOT / "fixtures"


def _read(directory: Path, name: str) -> list[dict[str, Any]]:
    return json.loads((directory / name).read_text(encoding="utf-8"))


def _upsert(model, key: str, value: Any, fields: dict[str, Any]):
    row = db.session.scalar(sa.select(model).where(getattr(model, key) == value))
    if row is None:
        row = model(**{key: value}, **fields)
        db.session.add(row)
    else:
        for name, field_value in fields.items():
            if getattr(row, name) != field_value:
                setattr(row, name, field_value)
    return row


def _load_organisations(directory: Path) -> dict[str, Organisation]:
    orgs = {}
    for item in _read(directory, "organisations.json"):
        orgs[item["slug"]] = _upsert(
            Organisation,
            "slug",
            item["slug"],
            {
                "name": item["name"],
                "name_zh": item.get("name_zh", ""),
                "kind": OrganisationKind(item["kind"]),
                "description": item.get("description", ""),
                "website": item.get("website", ""),
            },
        )
    db.session.flush()
    return orgs


def _load_users(directory: Path, orgs: dict[str, Organisation]) -> list[dict[str, Any]]:
    users = _read(directory, "users.json")
    for item in users:
        check_password_policy(item["password"], email=item["email"])
        user = db.session.scalar(sa.select(User).where(User.email == item["email"]))
        fields = {
            "name": item["name"],
            "role": UserRole(item["role"]),
            "organisation_id": orgs[item["organisation"]].id,
            "locale": item.get("locale", "en"),
            "active": True,
        }
        if user is None:
            db.session.add(User(email=item["email"], password_hash=hash_password(item["password"]), **fields))
        else:
            for name, value in fields.items():
                setattr(user, name, value)
            if not verify_password(user.password_hash, item["password"]):
                user.password_hash = hash_password(item["password"])
                user.session_version = User.session_version + 1  # a reset password ends the person's sessions
    db.session.flush()
    return users


def _load_needs(directory: Path, orgs: dict[str, Organisation]) -> None:
    for item in _read(directory, "needs.json"):
        fields = validate(NeedInput, {k: v for k, v in item.items() if k in NeedInput.model_fields}).model_dump()
        fields.update(status=NeedStatus(item["status"]), owner_id=orgs[item["owner"]].id)
        need = _upsert(Need, "slug", item["slug"], fields)
        db.session.flush()
        wanted = {orgs[slug].id for slug in item.get("invited_incubators", [])}
        current = set(
            db.session.scalars(sa.select(NeedAudience.organisation_id).where(NeedAudience.need_id == need.id))
        )
        for org_id in current - wanted:
            db.session.delete(db.session.get(NeedAudience, (need.id, org_id)))
        for org_id in wanted - current:
            db.session.add(NeedAudience(need_id=need.id, organisation_id=org_id))
    db.session.flush()


def _load_startups(directory: Path, orgs: dict[str, Organisation]) -> None:
    for item in _read(directory, "startups.json"):
        fields = validate(StartupInput, {k: v for k, v in item.items() if k in StartupInput.model_fields})
        startup = _upsert(Startup, "slug", item["slug"], fields.model_dump())
        db.session.flush()
        for listing in item.get("listings", []):
            incubator_id = orgs[listing["incubator"]].id
            row = db.session.scalar(
                sa.select(Listing).where(Listing.incubator_id == incubator_id, Listing.startup_id == startup.id)
            )
            if row is None:
                db.session.add(
                    Listing(incubator_id=incubator_id, startup_id=startup.id, external_id=listing.get("external_id"))
                )
            elif row.external_id != listing.get("external_id"):
                row.external_id = listing.get("external_id")
    db.session.flush()


def _load_pipeline(directory: Path, orgs: dict[str, Organisation]) -> None:
    """Candidates with their past: each history step becomes the audit row it would have written.

    A candidate that exists already is left alone (its history is real by now)."""
    path = directory / "pipeline.json"
    if not path.exists():
        return
    now = utcnow()
    need_ids = dict(db.session.execute(sa.select(Need.slug, Need.id)).all())
    startup_ids = dict(db.session.execute(sa.select(Startup.slug, Startup.id)).all())
    user_ids = dict(db.session.execute(sa.select(User.email, User.id)).all())
    for item in _read(directory, "pipeline.json"):
        need_id, startup_id = need_ids[item["need"]], startup_ids[item["startup"]]
        if candidate_for(need_id, startup_id) is not None:
            continue
        first, *rest = item["history"]
        nominated_by = orgs[item["nominated_by"]].id if item.get("nominated_by") else None
        candidate: Candidate = add_candidate(
            need_id=need_id,
            startup_id=startup_id,
            source=CandidateSource(item["source"]),
            stage=CandidateStage(first["stage"]),
            actor_id=user_ids.get(first["by"]),
            nominated_by_id=nominated_by,
            note=item.get("note", ""),
            at=now - timedelta(days=first["days_ago"]),
        )
        if candidate.stage == CandidateStage.APPLIED:
            candidate.opted_in_at = candidate.shared_at = candidate.created_at
        for step in rest:
            at = now - timedelta(days=step["days_ago"])
            record_change(
                actor_id=user_ids.get(step["by"]),
                action="candidate.stage",
                entity="candidate",
                entity_id=candidate.id,
                before={"stage": candidate.stage.value},
                after={"stage": step["stage"], "note": step.get("note", "")},
                at=at,
            )
            candidate.stage = CandidateStage(step["stage"])
            candidate.updated_at = at
            candidate.version += 1
            if candidate.stage == CandidateStage.APPLIED:
                candidate.opted_in_at = at
            if candidate.stage in (CandidateStage.INVITED, CandidateStage.APPLIED) and candidate.shared_at is None:
                candidate.shared_at = at
    db.session.flush()


def load_world(directory: Path = FIXTURES) -> list[dict[str, Any]]:
    """Upserts organisations, users, needs, startups and their pipelines; returns the demo users (with
    passwords)."""
    orgs = _load_organisations(directory)
    users = _load_users(directory, orgs)
    _load_needs(directory, orgs)
    _load_startups(directory, orgs)
    _load_pipeline(directory, orgs)
    return users


def row_counts() -> dict[str, int]:
    counts = {}
    for name, table in sorted(SQLModel.metadata.tables.items()):
        counts[name] = db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
    return counts
