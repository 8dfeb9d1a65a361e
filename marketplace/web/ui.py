"""Helpers every template can use: labels, numbers, the language switcher."""

from __future__ import annotations

import unicodedata

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.forms import LanguageForm
from marketplace.accounts.names import org_name
from marketplace.accounts.rules import is_incubator, is_platform
from marketplace.core import places
from marketplace.core.taxonomy import Sector
from marketplace.imports.rules import can_import
from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus
from marketplace.notifications.kinds import text as notification_text
from marketplace.notifications.queries import unread_count
from marketplace.notifications.services import link_for
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.rules import has_workspace
from marketplace.rankings.enums import ProfileKind
from marketplace.rankings.services import FIT_SHARES, reembedding


def register_template_helpers(app: Flask) -> None:
    app.context_processor(_globals)
    for name, function in TEMPLATE_GLOBALS.items():
        app.add_template_global(function, name)
    for name, function in TEMPLATE_FILTERS.items():
        app.add_template_filter(function, name)


def _globals() -> dict:
    locale = str(get_locale() or "en")
    context = {"current_locale": locale, "html_lang": "zh-Hans" if locale.startswith("zh") else "en"}
    if has_request_context():
        # formdata=None: the switcher never reads this request's body (it may be the one too large).
        context["language_form"] = LanguageForm(formdata=None, locale=locale, next=request.full_path.rstrip("?"))
    return context


def absolute_url(endpoint: str, **values) -> str:
    """A link for emails: works in jobs too, where there is no request to borrow a host from."""
    return absolute_link(link_for(endpoint, **values))


def absolute_link(path: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + path


def _notification_text(notification) -> str:
    return notification_text(notification.kind, notification.params)


def _unread_notifications() -> int:
    return unread_count(current_user) if current_user.is_authenticated else 0


def _reembedding_progress(kind: str):
    """For organisers and admins: how far the re-embed of an index for a new model has come; None when the
    index holds the configured model's vectors (or for anyone else)."""
    if not (current_user.is_authenticated and is_platform(current_user)):
        return None
    return reembedding(ProfileKind(kind))


def _fit_shares() -> tuple[int, int]:
    """The percentages of meaning and keywords in a fit (matchmaking.services.FIT_SHARES), for its legend."""
    return FIT_SHARES


def money(value: int | None, currency: str = "") -> str:
    if value is None:
        return "—"
    return f"{currency}{format_decimal(value, format='#,##0')}"


def _label_or_value(enum, value: str):
    """``value``'s label in ``enum``, or ``value`` itself when it is not one of its members."""
    try:
        return enum(value).label
    except ValueError:
        return value


def _place(city: str, country: str) -> str:
    return places.place(city or "", country or "", str(get_locale() or "en"))


def past_deadline(need) -> bool:
    """A published need whose deadline passed: no longer open for nominations, and shown so."""
    return need.status == NeedStatus.PUBLISHED and lifecycle.deadline_passed(need.deadline)


def status_action_label(frm, to):
    return {
        NeedStatus.IN_REVIEW: _("Submit for review"),
        NeedStatus.PUBLISHED: _("Reopen") if frm == NeedStatus.CLOSED else _("Publish"),
        NeedStatus.DRAFT: _("Request changes"),
        NeedStatus.CLOSED: _("Close"),
        NeedStatus.WITHDRAWN: _("Withdraw"),
    }[to]


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


# The names templates call them by.
TEMPLATE_GLOBALS = {
    # Templates ask the rules, never compare roles (accounts.rules).
    "is_incubator": is_incubator,
    "has_workspace": has_workspace,
    "can_import": can_import,
    "absolute_url": absolute_url,
    "absolute_link": absolute_link,
    "notification_text": _notification_text,
    "unread_notifications": _unread_notifications,
    "reembedding_progress": _reembedding_progress,
    "fit_shares": _fit_shares,
    "sector_label": lambda value: _label_or_value(Sector, value),
    "status_label": lambda value: NeedStatus(value).label,
    "place": _place,
    "past_deadline": past_deadline,
    "stage_label": lambda value: _label_or_value(CandidateStage, value),
    "status_action_label": status_action_label,
}
TEMPLATE_FILTERS = {"money": money, "org_name": org_name, "clip": clip}
