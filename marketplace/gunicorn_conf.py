"""gunicorn's settings besides the Procfile's flags (``-c python:marketplace.gunicorn_conf``): its own
log lines (boot, worker timeouts) in the app's LOG_FORMAT, and no access log of its own."""

from __future__ import annotations

from marketplace.config import Settings
from marketplace.logging_setup import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig(Settings.from_env().log_format())
