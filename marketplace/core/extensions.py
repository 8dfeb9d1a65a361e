"""Flask extensions, created once and bound to each app in create_app."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect
from redis import Redis

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.session_protection = "strong"
babel = Babel()
csrf = CSRFProtect()

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    """This session's explicit choice, then the user's saved one, then Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return languages[0]
    chosen = session.get(LOCALE_SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    # Accept-Language says zh-CN / zh-Hans; our catalogue is zh_Hans.
    offered = {lang.replace("_", "-"): lang for lang in languages}
    offered.setdefault("zh", "zh_Hans")
    offered.setdefault("zh-CN", "zh_Hans")
    best = request.accept_languages.best_match(list(offered))
    return offered.get(best, languages[0]) if best else languages[0]


REDIS_CONNECT_TIMEOUT_SECONDS = 3


def redis_connection() -> Redis | None:
    """The app's Redis connection, or None when jobs run in-process."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("innomatch.redis")
    if conn is None:
        # A Redis host that does not answer must not hold a request: give up connecting after a few seconds.
        conn = Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS)
        current_app.extensions["innomatch.redis"] = conn
    return conn
