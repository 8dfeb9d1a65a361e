"""Helpers every template can use: labels, numbers, the language switcher."""

from __future__ import annotations

import unicodedata

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from marketplace.accounts.forms import LanguageForm
from marketplace.accounts.names import org_name
from marketplace.core import places
from marketplace.core.taxonomy import Sector
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.notifications.kinds import text as notification_text
from marketplace.notifications.queries import unread_count
from marketplace.notifications.services import link_for
from marketplace.pipeline.enums import CandidateStage


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _globals():
        locale = str(get_locale() or "en")
        context = {"current_locale": locale, "html_lang": "zh-Hans" if locale.startswith("zh") else "en"}
        if has_request_context():
            # formdata=None: the switcher never reads this request's body (it may be the one too large).
            context["language_form"] = LanguageForm(formdata=None, locale=locale, next=request.full_path.rstrip("?"))
        return context

    @app.template_global("absolute_url")
    def _absolute_url(endpoint: str, **values) -> str:
        """A link for emails: works in jobs too, where there is no request to borrow a host from."""
        return _absolute_link(link_for(endpoint, **values))

    @app.template_global("absolute_link")
    def _absolute_link(path: str) -> str:
        return current_app.config["BASE_URL"].rstrip("/") + path

    @app.template_global("notification_text")
    def _notification_text(notification) -> str:
        return notification_text(notification.kind, notification.params)

    @app.template_global("unread_notifications")
    def _unread_notifications() -> int:
        from flask_login import current_user

        return unread_count(current_user) if current_user.is_authenticated else 0

    @app.template_global("reembedding_progress")
    def _reembedding_progress(kind: str):
        """For organisers and admins: how far the re-embed of an index for a new model has come; None when the
        index holds the configured model's vectors (or for anyone else)."""
        from flask_login import current_user

        from marketplace.authz import is_platform
        from marketplace.rankings.enums import ProfileKind
        from marketplace.rankings.services import reembedding

        if not (current_user.is_authenticated and is_platform(current_user)):
            return None
        return reembedding(ProfileKind(kind))

    @app.template_global("fit_shares")
    def _fit_shares() -> tuple[int, int]:
        """The percentages of meaning and keywords in a fit (matchmaking.services.FIT_SHARES), for its legend."""
        from marketplace.rankings.services import FIT_SHARES

        return FIT_SHARES

    @app.template_filter("money")
    def _money(value: int | None, currency: str = "") -> str:
        if value is None:
            return "—"
        return f"{currency}{format_decimal(value, format='#,##0')}"

    @app.template_filter("org_name")
    def _org_name(org) -> str:
        return org_name(org)

    @app.template_global("sector_label")
    def _sector_label(value: str):
        try:
            return Sector(value).label
        except ValueError:
            return value

    @app.template_global("status_label")
    def _status_label(value: str):
        return NeedStatus(value).label

    @app.template_global("place")
    def _place(city: str, country: str) -> str:
        return places.place(city or "", country or "", str(get_locale() or "en"))

    @app.template_global("past_deadline")
    def _past_deadline(need) -> bool:
        """A published need whose deadline passed: no longer open for nominations, and shown so."""
        return need.status == NeedStatus.PUBLISHED and lifecycle.deadline_passed(need.deadline)

    @app.template_global("stage_label")
    def _stage_label(value: str):
        try:
            return CandidateStage(value).label
        except ValueError:
            return value

    @app.template_global("status_action_label")
    def _status_action_label(frm, to):
        return {
            NeedStatus.IN_REVIEW: _("Submit for review"),
            NeedStatus.PUBLISHED: _("Reopen") if frm == NeedStatus.CLOSED else _("Publish"),
            NeedStatus.DRAFT: _("Request changes"),
            NeedStatus.CLOSED: _("Close"),
            NeedStatus.WITHDRAWN: _("Withdraw"),
        }[to]

    app.add_template_filter(clip, "clip")


def clip(text: str, width: int = 160) -> str:
    """``text`` cut to about ``width`` columns with an ellipsis, a Chinese character counting two (it is twice
    as wide as a Latin letter, so a quoted Chinese sentence takes as much room as an English one); English is
    cut between words."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if _wide(char) else 1
        if used > width:
            head = text[:i]
            if not _wide(head[-1]):  # back to the last space or Chinese character
                cut = max(head.rfind(" "), max((j for j, c in enumerate(head) if _wide(c)), default=-1))
                if cut > 0:
                    head = head[: cut + 1] if _wide(head[cut]) else head[:cut]
            return head.rstrip(" ,;:，、；：") + "…"
    return text


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
