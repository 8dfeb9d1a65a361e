from __future__ import annotations

import logging

from marketplace.core.db import unit_of_work
from marketplace.pipeline.match_alerts import alert_new_matches

log = logging.getLogger(__name__)


def alert_new_matches_job(*, startup_ids: list[int]) -> int:
    """After startups reach the index: re-rank the published needs and tell their units of newcomers
    in their top matches (workflow.match_alerts). Safe to rerun: the notifications are deduplicated."""
    with unit_of_work():
        made = alert_new_matches(startup_ids)
    log.info("match alerts: %d notifications", made)
    return made
