"""A private redis-server for fault tests: killed, stopped and restarted without touching the shared Redis.

Fault tests SIGKILL workers, stop Redis in the middle of work and start it again; doing that to the
machine's Redis would break every other test running on it. This one listens on its own free port on
127.0.0.1 and keeps its data in a temporary folder. Persistence is the append-only file with an fsync
per write (``--appendonly yes --appendfsync always``) and no RDB snapshots (``--save ""``), so every
acknowledged write (a queued job, a registry entry) survives a clean stop and even a SIGKILL, as it
would on a production Redis configured that way. The port stays the same across restarts, so an app
configured with ``url()`` reconnects to the restarted server.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
READY_SECONDS = 10.0
EXIT_SECONDS = 10.0


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice for an ephemeral bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """``with PrivateRedis() as redis: app = ...(REDIS_URL=redis.url(0))``; ``stop()``/``kill()`` then
    ``start()`` again to simulate an outage. Leaving the ``with`` kills the server and deletes its data."""

    def __init__(self, *, port: int | None = None, binary: str = REDIS_SERVER) -> None:
        self.port = port or free_port()
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="innomatch-redis-"))
        self.log_path = self.dir / "redis.log"
        self.process: subprocess.Popen | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, timeout: float = READY_SECONDS) -> PrivateRedis:
        """Starts the server (loading what the append-only file holds) and waits until it answers PING
        with its data loaded; raises RuntimeError with the server's log if it does not in ``timeout``."""
        if self.running:
            raise RuntimeError(f"redis on port {self.port} is already running")
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.log_path),
            "--protected-mode",
            "yes",
        ]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log_tail()}")
            if self._answers():
                return self
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server on port {self.port} not ready in {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self, timeout: float = EXIT_SECONDS) -> None:
        """A clean SHUTDOWN (the append-only file is already on disk); waits for the process to exit."""
        if not self.running:
            return
        with contextlib.suppress(RedisError):  # the exit below is what counts
            self.client().shutdown()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError(f"redis-server on port {self.port} ignored SHUTDOWN for {timeout} s") from None

    def kill(self, timeout: float = EXIT_SECONDS) -> None:
        """SIGKILL, as a crash or an OOM kill would; waits for the process to be gone."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- access ----------------------------------------------------------------------------------

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> Redis:
        """A connection that fails at once instead of retrying (redis-py retries with backoff by default,
        which would turn a deliberate outage, or SHUTDOWN's closed connection, into seconds of waiting)."""
        return Redis(
            host="127.0.0.1",
            port=self.port,
            db=db,
            socket_timeout=5,
            socket_connect_timeout=2,
            retry=Retry(NoBackoff(), 0),
        )

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _answers(self) -> bool:
        # PING answers LOADING while the append-only file is replayed; INFO says when that is done.
        client = self.client()
        try:
            return client.ping() and client.info("persistence").get("loading") == 0
        except (RedisConnectionError, RedisError, OSError):
            return False
        finally:
            client.close()

    # -- context manager -------------------------------------------------------------------------

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Kills the server if it still runs and deletes its folder."""
        try:
            self.kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
