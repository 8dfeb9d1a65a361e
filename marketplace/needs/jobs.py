from __future__ import annotations

import logging

from marketplace.core.db import unit_of_work
from marketplace.needs.reminders import remind_deadlines

log = logging.getLogger(__name__)


def send_deadline_reminders() -> int:
    """The periodic job behind needs.reminders.remind_deadlines (see marketplace/ops/clock.py)."""
    with unit_of_work():
        made = remind_deadlines()
    log.info("deadline reminders: %d notifications", made)
    return made
