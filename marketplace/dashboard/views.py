from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import Organisation
from marketplace.db import db
from marketplace.needs.queries import need_counts_by_status, needs_for_user
from marketplace.startups.queries import startup_count, startup_count_for_incubator

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    user = current_user
    organisation = db.session.get(Organisation, user.organisation_id)
    context = {
        "organisation": organisation,
        "counts": need_counts_by_status(user),
        "recent_needs": needs_for_user(user, per_page=6).items,
        "startup_total": startup_count(),
    }
    if user.role == UserRole.BANK_STAFF:
        context["own_needs"] = needs_for_user(user, owner_id=user.organisation_id, per_page=10).items
    if user.role == UserRole.INCUBATOR_MANAGER:
        context["portfolio_count"] = startup_count_for_incubator(user.organisation_id)
    context["is_platform"] = authz.is_platform(user)
    return render_template("dashboard/index.html", **context)
