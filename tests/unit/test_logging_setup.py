"""Request ids and log lines: which incoming ids are kept, the record factory, the two formats, the
root handler set up once, gunicorn's log config and the rq work horse binding a job's request id."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from rq import Worker
from transformers.utils import logging as transformers_logging

from marketplace.core.logging_setup import (
    JsonFormatter,
    TextFormatter,
    ThirdPartyNoise,
    configure_logging,
    install_request_id_factory,
    make_formatter,
    quiet_model_stack,
    quiet_third_party,
)
from marketplace.core.request_ids import bound_request_id, choose_request_id, current_request_id, is_sane
from marketplace.jobs.queue import REQUEST_ID_META, RequestIdWorker

pytestmark = pytest.mark.unit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEW_ID = re.compile(r"[0-9a-f]{32}")


def record(message: str = "hello %s", *args, level: int = logging.INFO, **extra) -> logging.LogRecord:
    """A record made the way every logger makes one (through the record factory)."""
    install_request_id_factory()
    if message == "hello %s" and not args:
        args = ("world",)
    return logging.getLogger("tests.logging").makeRecord(
        "tests.logging", level, __file__, 1, message, args, None, extra=extra or None
    )


@pytest.mark.parametrize("incoming", ["abc", "lb-1234.abc_DEF", "0f" * 16, "a" * 64])
def test_a_sane_incoming_id_is_kept(incoming):
    assert is_sane(incoming)
    assert choose_request_id(incoming) == incoming


@pytest.mark.parametrize("incoming", [None, "", "a b", "id;drop", "x" * 65, "ü-umlaut", "a\tb", "{json}"])
def test_anything_else_gets_a_new_uuid4_hex(incoming):
    chosen = choose_request_id(incoming)

    assert NEW_ID.fullmatch(chosen) and chosen != incoming
    assert choose_request_id(incoming) != chosen  # a fresh one each time


def test_records_carry_the_bound_request_id_and_none_outside():
    assert current_request_id() is None
    with bound_request_id("outer"):
        inside = record()
        with bound_request_id("job-7"):
            nested = record()
        after_nested = record()
    outside = record()

    assert (inside.request_id, nested.request_id, after_nested.request_id) == ("outer", "job-7", "outer")
    assert outside.request_id is None and current_request_id() is None


def test_json_lines_have_the_fields_and_stay_one_line():
    with bound_request_id("req-1"):
        access = record("%s %s", "GET", "/needs/", method="GET", path="/needs/", status=200, duration_ms=3.2, user_id=5)
        multiline = record("two\nlines and 中文 %s", "x", level=logging.WARNING)

    line = JsonFormatter().format(access)
    entry = json.loads(line)
    other = JsonFormatter().format(multiline)

    assert set(entry) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "pid",
        "method",
        "path",
        "status",
        "duration_ms",
        "user_id",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert (entry["level"], entry["logger"], entry["message"], entry["request_id"]) == (
        "INFO",
        "tests.logging",
        "GET /needs/",
        "req-1",
    )
    assert (entry["method"], entry["path"], entry["status"], entry["duration_ms"], entry["user_id"]) == (
        "GET",
        "/needs/",
        200,
        3.2,
        5,
    )
    assert "\n" not in other and other.isascii()
    assert json.loads(other)["message"] == "two\nlines and 中文 x"


def test_json_lines_carry_the_traceback_and_null_outside_a_request():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        failed = record("failed", level=logging.ERROR)
        failed.exc_info = sys.exc_info()

    entry = json.loads(JsonFormatter().format(failed))

    assert entry["request_id"] is None
    assert "RuntimeError: boom" in entry["exception"] and "Traceback" in entry["exception"]
    assert "method" not in entry  # only the fields a record carries


def test_text_lines_show_the_request_id_or_a_dash():
    with bound_request_id("req-2"):
        inside = TextFormatter().format(record())
    outside = TextFormatter().format(record())

    assert re.fullmatch(r"\S+ \S+ INFO tests\.logging \[req-2\] hello world", inside)
    assert outside.endswith("INFO tests.logging [-] hello world")


def test_formats_are_named():
    assert isinstance(make_formatter("json"), JsonFormatter)
    assert isinstance(make_formatter("text"), TextFormatter)
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        make_formatter("xml")


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger as in a fresh process (no handlers, not even pytest's), restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_configure_logging_installs_one_handler_and_switches_its_format():
    with bare_root() as root:
        configure_logging("json")
        configure_logging("json")
        first = list(root.handlers)
        configure_logging("text")
        handlers, level = list(root.handlers), root.level

    assert len(first) == 1 and handlers == first  # one handler, kept
    assert isinstance(first[0].formatter, TextFormatter)  # with the new format
    assert level == logging.INFO


def test_configure_logging_leaves_logging_someone_else_set_up():
    theirs = logging.NullHandler()
    with bare_root() as root:
        root.addHandler(theirs)
        configure_logging("json")
        handlers = list(root.handlers)

    assert handlers == [theirs] and theirs.formatter is None


def test_gunicorn_writes_its_own_lines_as_json_and_no_access_lines():
    """The Procfile's ``-c python:marketplace.web.gunicorn_conf``, applied the way gunicorn applies it."""
    script = (
        "import logging, logging.config\n"
        "from gunicorn.glogging import CONFIG_DEFAULTS\n"
        "from marketplace.web import gunicorn_conf\n"
        "logging.config.dictConfig({**CONFIG_DEFAULTS, **gunicorn_conf.logconfig_dict})\n"
        "logging.getLogger('gunicorn.error').info('Booting worker with pid: 42')\n"
        "logging.getLogger('gunicorn.access').info('GET /needs/?token=secret HTTP/1.1')\n"
    )
    env = {**os.environ, "LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )

    lines = [line for line in done.stderr.splitlines() + done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    entry = json.loads(lines[0])
    assert (entry["logger"], entry["level"]) == ("gunicorn.error", "INFO")
    assert entry["message"] == "Booting worker with pid: 42"
    assert "secret" not in done.stderr + done.stdout


def test_the_work_horse_logs_a_job_with_the_request_id_that_queued_it(monkeypatch):

    seen = []
    monkeypatch.setattr(Worker, "perform_job", lambda self, job, *args, **kwargs: seen.append(current_request_id()))
    monkeypatch.setattr("marketplace.jobs.queue.wait_for_database", lambda: True)  # no database in a unit test
    worker = RequestIdWorker.__new__(RequestIdWorker)  # perform_job needs no connection once rq's part is stubbed

    worker.perform_job(SimpleNamespace(meta={REQUEST_ID_META: "req-9"}), "queue", "execution")
    worker.perform_job(SimpleNamespace(meta={}), "queue", "execution")  # queued by the clock, a CLI command

    assert seen == ["req-9", None]
    assert current_request_id() is None


def _record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "a line", None, None)


@pytest.mark.parametrize(
    ("name", "level", "kept"),
    [
        ("marketplace.imports.jobs", logging.INFO, True),
        ("matching.embed", logging.DEBUG, True),
        ("werkzeug", logging.INFO, True),
        ("root", logging.INFO, False),
        ("faiss.loader", logging.INFO, False),
        ("bm25s", logging.DEBUG, False),
        ("alembic.runtime.plugins", logging.INFO, False),
        ("faiss.loader", logging.WARNING, True),
        ("urllib3", logging.ERROR, True),
        ("sentence_transformers.backend.utils", logging.WARNING, False),
    ],
)
def test_third_party_info_lines_and_misleading_warnings_are_dropped(name, level, kept):

    assert ThirdPartyNoise().filter(_record(name, level)) is kept


def test_model_stack_warnings_are_ignored_and_ours_still_show():

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_third_party()
        warnings.warn_explicit("torch says", UserWarning, "torch/onnx/utils.py", 1, module="torch.onnx.utils")
        warnings.warn_explicit("ours says", UserWarning, "marketplace/x.py", 1, module="marketplace.x")

    assert [str(w.message) for w in caught] == ["ours says"]


def test_transformers_deprecation_notes_stay_out_of_the_log(capsys):
    """bin/demo printed "`torch_dtype` is deprecated! Use `dtype` instead!" through transformers' own handler."""

    transformers_logging.set_verbosity_warning()
    quiet_model_stack()  # the engine calls it before loading a model
    transformers_logging.get_logger("transformers.modeling_utils").warning("`torch_dtype` is deprecated!")

    assert transformers_logging.get_verbosity() == logging.ERROR
    assert "deprecated" not in capsys.readouterr().err
