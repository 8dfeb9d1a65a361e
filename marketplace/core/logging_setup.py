"""Log lines: the request id on every record, as text or as one JSON object per line (LOG_FORMAT).

The id is put on each record by a record factory rather than a handler filter: a filter on a logger
misses records propagated from its children, and one on our handler misses every other handler
(gunicorn's, pytest's caplog). The JSON lines never carry a query string, a password or a token:
the access line logs the path only (request_ids.logged_path), and no code logs form data.
"""

from __future__ import annotations

import json
import logging
import warnings
from datetime import UTC, datetime
from typing import Any

from marketplace.core.request_ids import current_request_id

# Extra fields a record may carry (the access line's); written as keys of their own in JSON.
FIELDS = ("method", "path", "status", "duration_ms", "user_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_OURS = "_innomatch"
# Loggers whose INFO lines an operator reads: ours, the servers', the job runner's (not alembic's: 23
# plugin and "Running upgrade" lines on every fresh database; `flask db upgrade` prints the revision).
# Everything else (onnxruntime's quantiser logs 48 INFO lines on the root logger, faiss's loader an INFO
# "ModuleNotFoundError", bm25s DEBUG) reaches our handler at WARNING and above only.
INFO_LOGGERS = ("marketplace", "matching", "werkzeug", "gunicorn", "rq", "flask")
# Third-party warnings that mislead here: sentence-transformers asks to save the ONNX export, which
# matching/embed.py does itself.
MISLEADING = {"sentence_transformers.backend.utils"}
# Modules whose Python warnings (torch's deprecations, onnx export notes) are not the operator's business.
QUIET_WARNING_MODULES = (
    r"(torch|onnx|onnxruntime|onnxscript|optimum|transformers|sentence_transformers|setuptools|jieba)(\.|$)"
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, pid and the FIELDS set."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for field in FIELDS:
            if field in record.__dict__:
                entry[field] = record.__dict__[field]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII escapes keep each line one line and safe on any stream encoding.
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id] message``; ``-`` outside a request."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return TEXT_FORMAT % {**record.__dict__, "request_id": getattr(record, "request_id", None) or "-"}


def make_formatter(log_format: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT (``text`` or ``json``)."""
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return TextFormatter()
    raise ValueError(f"LOG_FORMAT {log_format!r} must be text or json")


def install_request_id_factory() -> None:
    """Every log record made from now on has ``request_id`` (None outside a request or job). Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _OURS, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    setattr(factory, _OURS, True)
    logging.setLogRecordFactory(factory)


class ThirdPartyNoise(logging.Filter):
    """Keeps our lines and other libraries' warnings and errors; drops other libraries' INFO/DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in INFO_LOGGERS:
            return True
        return record.levelno >= logging.WARNING and record.name not in MISLEADING


def quiet_third_party() -> None:
    """Python warnings from the model stack are ignored; ours and everything else's still show."""
    warnings.filterwarnings("ignore", module=QUIET_WARNING_MODULES)


def quiet_model_stack() -> None:
    """Called just before a model loads (importing the stack earlier would cost every process seconds):
    transformers logs through a handler of its own, which the root logger's filter never sees; its deprecation
    notes about arguments the stack passes it ("`torch_dtype` is deprecated!") are kept to errors."""
    from transformers.utils import logging as transformers_logging  # noqa: PLC0415 (the model stack: seconds)

    transformers_logging.set_verbosity_error()


def configure_logging(log_format: str) -> None:
    """Request ids on every record, and our stderr handler on the root logger at INFO, unless something
    else configured logging first (gunicorn's logconfig_dict, pytest): then its handlers stay."""
    install_request_id_factory()
    quiet_third_party()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _OURS, False)), None)
    if handler is None:
        if root.handlers:
            return
        handler = logging.StreamHandler()
        handler.addFilter(ThirdPartyNoise())
        setattr(handler, _OURS, True)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    handler.setFormatter(make_formatter(log_format))


def gunicorn_logconfig(log_format: str) -> dict[str, Any]:
    """gunicorn's logconfig_dict: its own lines (boot, worker timeouts) in our format through the root
    logger, and no gunicorn access log (it would write query strings; ours is marketplace.access)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"app": {"()": make_formatter, "log_format": log_format}},
        "filters": {"noise": {"()": ThirdPartyNoise}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "app",
                "stream": "ext://sys.stderr",
                "filters": ["noise"],
            },
            "discard": {"class": "logging.NullHandler"},
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": ["discard"], "propagate": False},
        },
    }
