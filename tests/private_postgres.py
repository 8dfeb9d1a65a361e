"""A throwaway PostgreSQL cluster that a test may stop, start and restart at will.

Fault tests cannot restart the machine's shared PostgreSQL: other checkouts' suites use it. This cluster lives
in a temporary directory, listens on a free TCP port on 127.0.0.1 (its unix socket stays in that directory),
trusts every local connection and skips fsync, so creating one takes a couple of seconds.

PostgreSQL refuses to run as root, so when the tests run as root every server command goes through
``runuser -u postgres``; a normal user runs them directly. Either way the superuser is called ``postgres``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
SERVER_ACCOUNT = "postgres"  # the OS account that owns and runs the cluster when we are root
TIMEOUT_SECONDS = 60
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "'32MB'",
    "logging_collector": "off",
}


class ClusterError(RuntimeError):
    """A pg_ctl or initdb step failed; the message carries the server log's tail."""


def find_bin_dir(version: str = "15") -> Path:
    """The folder of initdb/pg_ctl: Debian's versioned folder (``version`` first), else whatever is on PATH."""
    candidates = [f"/usr/lib/postgresql/{version}/bin"] + sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if Path(folder, "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise ClusterError("pg_ctl not found: install the PostgreSQL server binaries")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """One cluster in its own temp dir; ``with PrivatePostgres() as pg:`` starts it and cleans up after."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="innomatch-pg-"))
        if self.as_root:
            account = pwd.getpwnam(SERVER_ACCOUNT)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.running = False
        self._initdb()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the server and waits until it accepts connections; a port taken meanwhile gets another."""
        for _attempt in range(3):
            try:
                self._pg_ctl("start")
            except ClusterError:
                if "could not bind" not in self.log_tail():
                    raise
                self.port = free_port()
                self._write_settings()
                continue
            self.running = True
            return
        raise ClusterError(f"no free port for the private cluster\n{self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        """Stops the server; ``fast`` ends open sessions (their clients see the connection drop)."""
        self._pg_ctl("stop", "-m", mode)
        self.running = False

    def restart(self) -> None:
        """A fast restart, as an operator or a package upgrade does it: open connections are cut."""
        self._pg_ctl("restart", "-m", "fast")
        self.running = True

    def cleanup(self) -> None:
        if self.running:
            with contextlib.suppress(ClusterError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.cleanup()

    # -- addresses and databases -----------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL for the app (psycopg 3 driver) over TCP."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname} connect_timeout=5"

    def create_database(self, name: str) -> str:
        """Creates ``name`` (dropping an old one) and returns its URL."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- internals -------------------------------------------------------------------------------

    def _initdb(self) -> None:
        self._run(
            [
                "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            "initdb",
        )
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\ninclude 'innomatch.conf'\n")
        self._write_settings()

    def _write_settings(self) -> None:
        lines = [f"{key} = {value}" for key, value in SETTINGS.items()]
        lines += [f"port = {self.port}", f"unix_socket_directories = '{self.root}'"]
        (self.data / "innomatch.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _pg_ctl(self, action: str, *options: str) -> None:
        # -l always: without it the server would keep our captured stdout open and subprocess.run would wait.
        self._run(
            ["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(TIMEOUT_SECONDS), *options, action],
            f"pg_ctl {action}",
        )

    def _run(self, argv: list[str], what: str) -> None:
        command = [str(self.bin_dir / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["runuser", "-u", SERVER_ACCOUNT, "--", *command]
        # cwd: the server account may not be allowed into the caller's working directory.
        done = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=TIMEOUT_SECONDS + 30, check=False
        )
        if done.returncode != 0:
            raise ClusterError(
                f"{what} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}\n{self.log_tail()}"
            )
