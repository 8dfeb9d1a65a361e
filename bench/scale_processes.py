"""The out-of-process half of ``bench/scale.py``: gunicorn and an rq worker as the Procfile runs them,
a signed-in HTTP client, and resident memory read from /proc.

Kept apart so scale.py reads as the list of measurements; nothing here knows about the generator.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import requests
from redis import Redis
from rq import Worker

REPO = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of one process in MB, from /proc (empty when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    out = {}
    for key in ("VmRSS", "VmHWM"):
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        if match:
            out[key] = round(int(match.group(1)) / 1024, 1)
    return out


def children(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers, rq's work horse)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(seconds),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
    }


class Process:
    """A child process in its own process group, logging to a file, stopped by its own id only."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = open(log, "wb")  # noqa: SIM115 (held by the child until stop() closes it)
        self.popen = subprocess.Popen(
            args, env=env, cwd=REPO, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 30) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()
        self._fh.close()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_web(env: dict[str, str], port: int, log: Path, *, workers: int = 2) -> Process:
    """gunicorn with the Procfile's flags, bound to loopback; returns once /healthz answers."""
    args = [
        str(BIN / "gunicorn"),
        "--config",
        "python:marketplace.web.gunicorn_conf",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--graceful-timeout",
        "30",
        "marketplace:create_app()",
    ]
    web = Process(args, env, log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not web.alive():
            raise RuntimeError(f"gunicorn exited:\n{web.tail()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return web
        except requests.RequestException:
            pass
        time.sleep(0.3)
    web.stop()
    raise RuntimeError(f"gunicorn did not answer /healthz:\n{web.tail()}")


def start_worker(env: dict[str, str], log: Path, redis_url: str) -> Process:
    """`flask --app marketplace worker matching default` (the Procfile's worker); returns once registered."""

    worker = Process([str(BIN / "flask"), "--app", "marketplace", "worker", "matching", "default"], env, log)
    conn = Redis.from_url(redis_url)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if not worker.alive():
            raise RuntimeError(f"rq worker exited:\n{worker.tail()}")
        if Worker.all(connection=conn):
            return worker
        time.sleep(0.3)
    worker.stop()
    raise RuntimeError(f"rq worker did not register:\n{worker.tail()}")


def signed_in(base: str, email: str, password: str) -> requests.Session:
    """A client signed in through the real form (CSRF token from the page)."""
    client = requests.Session()
    page = client.get(f"{base}/login", timeout=30)
    match = _CSRF.search(page.text)
    if not match:
        raise RuntimeError("no csrf_token on the sign-in page")
    answer = client.post(
        f"{base}/login",
        data={"email": email, "password": password, "next": "", "csrf_token": match.group(1) or match.group(2)},
        timeout=30,
    )
    if answer.status_code != 200 or "/login" in answer.url:
        raise RuntimeError(f"sign-in as {email} failed: HTTP {answer.status_code} at {answer.url}")
    return client


def timed_get(client: requests.Session, url: str, check=None) -> float:
    started = time.perf_counter()
    answer = client.get(url, timeout=120)
    seconds = time.perf_counter() - started
    if answer.status_code != 200 or (check is not None and not check(answer.text)):
        raise RuntimeError(f"GET {url}: HTTP {answer.status_code}, page check failed")
    return seconds


def warm_both_workers(client: requests.Session, url: str, rounds: int = 4) -> list[float]:
    """Pairs of concurrent requests, so each gunicorn worker loads the index before the timed runs."""
    seconds: list[float] = []
    for _ in range(rounds):
        threads = [threading.Thread(target=lambda: seconds.append(timed_get(_clone(client), url))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return seconds


def _clone(client: requests.Session) -> requests.Session:
    other = requests.Session()
    other.cookies.update(client.cookies)
    return other


class PeakSampler:
    """Samples a process's children (rq's work horse) every few milliseconds and keeps the largest RSS seen."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid = pid
        self.every = every
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for child in children(self.pid):
                seen = memory_mb(child)
                for key, value in seen.items():
                    self.peak[key] = max(self.peak.get(key, 0.0), value)
            time.sleep(self.every)
