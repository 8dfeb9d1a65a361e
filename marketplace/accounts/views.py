from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts.enums import DigestPreference
from marketplace.accounts.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    ResetPasswordForm,
    TokenForm,
)
from marketplace.accounts.models import ApiToken, User
from marketplace.accounts.password_reset import (
    RESET_LINK_MAX_AGE,
    invalid_link_message,
    request_password_reset,
    reset_password,
    user_for_reset_token,
)
from marketplace.accounts.services import authenticate, change_own_password, end_sessions, set_locale, update_profile
from marketplace.accounts.tokens import create_token, revoke_token, token_of, tokens_for_user
from marketplace.core.db import db, unit_of_work
from marketplace.core.extensions import LOCALE_SESSION_KEY
from marketplace.web.forms import attempt, options
from marketplace.web.guards import loads

bp = Blueprint("accounts", __name__)


def load_user(user_id: str) -> User | None:
    """The person a session names ("<id>:<session version>", ``User.get_id``), or None (anonymous: the sign-in
    page) when they are inactive or the session is from before their last sign-out or password change."""
    id_part, _sep, version_part = user_id.partition(":")
    try:
        user_pk, version = int(id_part), int(version_part)
    except ValueError:  # no version: a cookie from before sessions carried one
        return None
    user = db.session.get(User, user_pk)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a user elsewhere."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        with unit_of_work():
            user = authenticate(form.email.data, form.password.data, ip=request.remote_addr)
        if user is None:
            form.password.errors.append(_("Wrong email or password."))
            return render_template("accounts/login.html", form=form), 401
        chosen_locale = session.get(LOCALE_SESSION_KEY)
        # A fresh session at sign-in, so a session id planted before it is worth nothing.
        session.clear()
        if chosen_locale:
            session[LOCALE_SESSION_KEY] = chosen_locale
        login_user(user)
        return redirect(safe_next(form.next.data))
    return render_template("accounts/login.html", form=form)


def _throttled_page(template: str, form, retry_at: float, message):
    """A form page again (HTTP 429), ``message(minutes)`` saying when to try again."""
    form.form_errors.append(message(max(1, math.ceil((retry_at - time.time()) / 60))))
    return make_response(render_template(template, form=form), 429)


def throttled_login_page(retry_at: float):
    """The sign-in page again, with the email as typed, saying when to try again."""
    return _throttled_page(
        "accounts/login.html",
        LoginForm(),
        retry_at,
        lambda minutes: ngettext(
            "Too many failed sign-ins. Try again in %(num)d minute.",
            "Too many failed sign-ins. Try again in %(num)d minutes.",
            minutes,
        ),
    )


@bp.post("/logout")
@login_required
def logout():
    # Server-side: a copy of this cookie, or the person's session in another browser, stops working too.
    with unit_of_work():
        end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are signed out, here and on your other devices."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit() and attempt(
        lambda: change_own_password(
            current_user,
            current_password=form.current_password.data,
            password=form.password.data,
            repeat=form.repeat.data,
        ),
        form=form,
    ):
        # This session stores the new version and stays; every other one has ended.
        login_user(current_user._get_current_object())
        flash(_("Your password is changed. You stay signed in here; your other sessions have ended."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session[LOCALE_SESSION_KEY] = form.locale.data
        if current_user.is_authenticated:
            with unit_of_work():
                set_locale(current_user, form.locale.data)
    return redirect(safe_next(form.next.data or request.referrer and urlsplit(request.referrer).path))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        made = attempt(
            lambda: create_token(user=current_user, name=form.name.data, can_write=form.can_write.data), form=form
        )
        secret = made.value[1] if made else None
    return render_template("accounts/tokens.html", form=form, secret=secret, tokens=tokens_for_user(current_user))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
@loads("token_id", token_of)
def revoke(token: ApiToken):
    with unit_of_work():
        revoke_token(user=current_user, token=token)
    flash(_("Token revoked."), "info")
    return redirect(url_for("accounts.tokens"))


def _profile_form(**data) -> ProfileForm:
    form = ProfileForm(**data)
    form.digest.choices = options([(p.value, p.label) for p in DigestPreference])
    form.name.flags.required = True
    return form


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """The signed-in person's own profile (name, language, email digest), with the password change beside it.
    There is no user id in it: nobody edits anyone else's profile here."""
    me = current_user._get_current_object()
    form = _profile_form(name=me.name, locale=me.locale, digest=me.digest.value)
    if form.validate_on_submit() and attempt(
        lambda: update_profile(me, name=form.name.data, locale=form.locale.data, digest=form.digest.data), form=form
    ):
        # The page speaks the chosen language from now on (the session's choice comes first).
        session[LOCALE_SESSION_KEY] = me.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=PasswordForm(formdata=None))


@bp.route("/account/forgot", methods=["GET", "POST"])
def forgot_password():
    """Asks for an email and answers the same whether or not it is anyone's (rate-limited: rate_limits.py)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            request_password_reset(form.email.data, ip=request.remote_addr)
        flash(
            ngettext(
                "If an account uses this email address, a link to choose a new password is on its way. It "
                "works once, for %(num)d hour.",
                "If an account uses this email address, a link to choose a new password is on its way. It "
                "works once, for %(num)d hours.",
                int(RESET_LINK_MAX_AGE.total_seconds() // 3600),
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


def throttled_forgot_page(retry_at: float):
    """The request form again, saying when to try again; the same for every email."""
    return _throttled_page(
        "accounts/forgot.html",
        ForgotPasswordForm(),
        retry_at,
        lambda minutes: ngettext(
            "Too many requests. Try again in %(num)d minute.",
            "Too many requests. Try again in %(num)d minutes.",
            minutes,
        ),
    )


@bp.route("/account/reset", methods=["GET", "POST"])
def reset():
    """Choose a new password from the emailed link. The token travels in the query string and then the form body,
    never the path, so it stays out of the access log."""
    form = ResetPasswordForm(token=request.args.get("token", ""))
    status = 200
    if form.validate_on_submit():
        if not attempt(
            lambda: reset_password(form.token.data, password=form.password.data, repeat=form.repeat.data), form=form
        ):
            status = 400
        else:
            chosen_locale = session.get(LOCALE_SESSION_KEY)
            logout_user()
            session.clear()
            if chosen_locale:
                session[LOCALE_SESSION_KEY] = chosen_locale
            flash(
                _("Your password is changed, and every session of yours has ended. Sign in with the new password."),
                "success",
            )
            return redirect(url_for("accounts.login"))
    elif request.method == "POST":
        status = 400
    valid = user_for_reset_token(form.token.data or "") is not None
    if not valid and not form.form_errors:
        form.form_errors.append(invalid_link_message())
    response = make_response(render_template("accounts/reset.html", form=form, valid=valid), status if valid else 400)
    response.headers["Cache-Control"] = "no-store"
    return response
