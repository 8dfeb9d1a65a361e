from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField

from marketplace.accounts.enums import DigestPreference
from marketplace.core.db import unit_of_work
from marketplace.notifications.models import Notification
from marketplace.notifications.queries import notification_of, notifications_for
from marketplace.notifications.services import mark_read, set_digest
from marketplace.web.forms import options
from marketplace.web.guards import loads

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class DigestForm(FlaskForm):
    digest = RadioField(_l("Email me"), choices=[], validate_choice=False)


@bp.get("/")
@login_required
def index():
    page = notifications_for(
        current_user, page=request.args.get("page", 1, type=int) or 1, per_page=current_app.config["PAGE_SIZE"]
    )
    form = DigestForm(digest=current_user.digest.value)
    form.digest.choices = options([(p.value, p.label) for p in DigestPreference])
    return render_template("notifications/index.html", page=page, form=form)


@bp.get("/<int:notification_id>")
@login_required
@loads("notification_id", notification_of)  # someone else's is not there (404)
def open_one(notification: Notification):
    """Marks the notification read and goes where it points."""
    with unit_of_work():
        mark_read(user=current_user, notification_id=notification.id)
    link = notification.link if notification.link.startswith("/") and not notification.link.startswith("//") else ""
    return redirect(link or url_for("notifications.index"))


@bp.post("/read")
@login_required
def read_all():
    with unit_of_work():
        mark_read(user=current_user)
    return redirect(url_for("notifications.index"))


@bp.post("/settings")
@login_required
def settings():
    value = request.form.get("digest", "")
    if value not in DigestPreference.__members__.values():
        flash(_("Choose how you want to hear of new notifications."), "error")
    else:
        with unit_of_work():
            set_digest(user=current_user, preference=DigestPreference(value))
        flash(_("Saved."), "success")
    return redirect(url_for("notifications.index"))
