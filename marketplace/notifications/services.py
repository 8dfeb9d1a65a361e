from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, gettext

from marketplace.accounts.models import User
from marketplace.db import db
from marketplace.jobs import enqueue
from marketplace.notifications.jobs import deliver_email
from marketplace.notifications.models import OutboxMessage


def mail_subject(msgid: str) -> str:
    """Marks a subject for the catalogue; it is translated in the recipient's language when queued."""
    return msgid


def queue_email(
    *, recipient: User, subject: str, template: str, subject_args: dict | None = None, **context
) -> OutboxMessage:
    """Adds an outbox row written in the recipient's language; delivery is enqueued after commit.

    ``subject`` is a msgid translated with ``subject_args`` in the recipient's locale.
    """
    with force_locale(recipient.locale):
        message = OutboxMessage(
            recipient=recipient.email,
            subject=gettext(subject, **(subject_args or {})),
            body=render_template(template, recipient=recipient, **context),
        )
    db.session.add(message)
    db.session.flush()
    enqueue(deliver_email, queue="email", message_id=message.id)
    return message
