"""One-time form tokens: a create form is submitted once, however often it is sent.

A create form carries a token minted when the page is rendered (``new_form_token``). ``submit_once`` inserts a
``FormSubmission`` for it in the same unit of work as the create (``db.insert_once``) and records the URL of what
was made; a resubmit of the same form (a double click, the back button, a retry, parallel requests) finds the row,
creates nothing and is sent to what the first submit made. A create that fails rolls the token back with it, so the
form can be corrected and sent again.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _

from marketplace.accounts.models import FormSubmission, User
from marketplace.core.db import db, insert_once
from marketplace.core.errors import InvalidInput

T = TypeVar("T")
FIELD = "form_token"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class FormTokenRefused(InvalidInput):
    """The form came without a usable one-time token (missing, malformed, or another person's)."""

    def __init__(self) -> None:
        super().__init__(
            {
                "": [
                    _(
                        "This form could not be sent as it was: it had no valid submission token. Your "
                        "entries are kept below; check them and save again."
                    )
                ]
            }
        )


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def submit_once(
    *, actor: User, token: str | None, create: Callable[[], T], target_url: Callable[[T], str]
) -> tuple[T | None, str]:
    """Runs ``create`` at most once per form token, inside the caller's unit of work.

    Returns ``(what create made, target_url(it))`` on the first submit, and ``(None, the URL of what the first submit
    made)`` when the same form comes again. Raises FormTokenRefused for a missing or malformed token or one handed to
    someone else, and whatever ``create`` raises (the caller's rollback then frees the token).
    """
    if not isinstance(token, str) or not _WELL_FORMED.match(token):
        raise FormTokenRefused()
    submission = FormSubmission(token=token, user_id=actor.id)
    if not insert_once(submission):  # sent before: committed already, or by a parallel request that just committed
        first = db.session.get(FormSubmission, token, populate_existing=True)
        if first is None or first.user_id != actor.id:
            raise FormTokenRefused()
        return None, first.target_url
    made = create()
    submission.target_url = target_url(made)
    db.session.flush()
    return made, submission.target_url
