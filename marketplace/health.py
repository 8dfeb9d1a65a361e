"""Liveness: the process answers and the database answers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from marketplace.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
