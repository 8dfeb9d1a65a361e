from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, gettext

from marketplace.accounts.enums import DigestPreference
from marketplace.accounts.models import User
from marketplace.core.db import db, utcnow
from marketplace.jobs.queue import enqueue
from marketplace.notifications.kinds import KINDS, localised, mail_subject
from marketplace.notifications.models import Notification, OutboxMessage

__all__ = ["link_for", "mail_subject", "mark_read", "notify", "queue_digests", "queue_email", "set_digest"]


def link_for(endpoint: str, **values: Any) -> str:
    """The in-app path a notification opens; works in jobs too, where there is no request."""
    return current_app.url_map.bind("innomatch").build(endpoint, values)


def queue_email(
    *, recipient: User, subject: str, template: str, subject_args: dict | None = None, **context
) -> OutboxMessage:
    """Adds an outbox row written in the recipient's language; delivery is enqueued after commit.

    ``subject`` is a msgid translated with ``subject_args`` in the recipient's locale.
    """
    with force_locale(recipient.locale):
        message = OutboxMessage(
            recipient=recipient.email,
            subject=gettext(subject, **localised(subject_args or {})),
            body=render_template(template, recipient=recipient, **context),
        )
    db.session.add(message)
    db.session.flush()
    enqueue("marketplace.notifications.jobs.deliver_email", queue="email", message_id=message.id)
    return message


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    params: dict[str, Any],
    link: str = "",
    dedupe_key: str | None = None,
    exclude: User | None = None,
    **context: Any,
) -> list[Notification]:
    """Tells each recipient in the app, and by email unless their digest preference says otherwise.

    ``params`` fill the kind's line (kinds.py); ``context`` goes to its email template. With a
    ``dedupe_key`` a recipient who already has that notification gets nothing new (reminders).
    ``exclude`` is the person who caused it: nobody is told about their own action.
    """
    found = KINDS[kind]
    made = []
    seen: set[int] = set()
    for recipient in recipients:
        if recipient.id in seen or not recipient.active or (exclude is not None and recipient.id == exclude.id):
            continue
        seen.add(recipient.id)
        if dedupe_key is not None and db.session.scalar(
            sa.select(Notification.id).where(
                Notification.user_id == recipient.id, Notification.dedupe_key == dedupe_key
            )
        ):
            continue
        notification = Notification(user_id=recipient.id, kind=kind, params=params, link=link, dedupe_key=dedupe_key)
        if recipient.digest == DigestPreference.IMMEDIATE:
            queue_email(
                recipient=recipient,
                subject=found.line,
                subject_args=params,
                template=found.template,
                notification=notification,
                link=link,
                **context,
            )
            notification.mailed_at = utcnow()
        db.session.add(notification)
        made.append(notification)
    db.session.flush()
    return made


def queue_digests() -> int:
    """Queues one email per person who asked for a daily digest, holding every notification not yet mailed, and
    marks those mailed; returns how many emails were queued."""
    sent = 0
    users = db.session.scalars(
        sa.select(User).where(User.digest == DigestPreference.DAILY, User.active.is_(True)).order_by(User.id)
    ).all()
    for user in users:
        pending = db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id, Notification.mailed_at.is_(None))
            .order_by(Notification.created_at)
            .with_for_update()
        ).all()
        if not pending:
            continue
        queue_email(
            recipient=user,
            subject=mail_subject("Your innomatch digest: %(count)s new"),
            subject_args={"count": len(pending)},
            template="email/digest.txt",
            notifications=pending,
        )
        for notification in pending:
            notification.mailed_at = utcnow()
        sent += 1
    db.session.flush()
    return sent


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Marks one of the user's notifications read (or all of them); returns how many changed."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def set_digest(*, user: User, preference: DigestPreference) -> None:
    user.digest = preference
    db.session.flush()
