from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.notifications.models import OutboxMessage
from marketplace.notifications.services import queue_digests

log = logging.getLogger(__name__)


def deliver_email(*, message_id: int) -> None:
    """Send one outbox message (SMTP when configured, the log otherwise); safe to run twice."""
    with unit_of_work():
        message = db.session.get(OutboxMessage, message_id, with_for_update=True, populate_existing=True)
        if message is None or message.sent_at is not None:
            return
        message.attempts += 1
        server = current_app.config.get("MAIL_SERVER")
        if server:
            email = EmailMessage()
            email["From"] = current_app.config["MAIL_FROM"]
            email["To"] = message.recipient
            email["Subject"] = message.subject
            email.set_content(message.body)
            with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=30) as smtp:
                smtp.send_message(email)
        else:
            log.info("mail to %s: %s\n%s", message.recipient, message.subject, message.body)
        message.sent_at = utcnow()


def send_digests() -> int:
    """One email per person who asked for a daily digest (``services.queue_digests``), committed; returns how
    many emails were queued. Safe to run twice: a mailed notification is marked."""
    with unit_of_work():
        sent = queue_digests()
    log.info("queued %d digest emails", sent)
    return sent
