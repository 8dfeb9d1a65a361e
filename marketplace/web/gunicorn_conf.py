"""gunicorn's settings besides the Procfile's flags (``-c python:marketplace.web.gunicorn_conf``): its own
log lines (boot, worker timeouts) in the app's LOG_FORMAT, and no access log of its own."""

from __future__ import annotations

import gc

from marketplace.core.config import Settings
from marketplace.core.logging_setup import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig(Settings.from_env().log_format())


def worker_exit(server, worker) -> None:
    """Skip the exiting worker's final garbage collection: with the model and indexes loaded it takes 3-8 s,
    longer than honcho's 5 s stop grace, which would then SIGKILL the web (measured by bench/load/run.py)."""
    gc.freeze()
