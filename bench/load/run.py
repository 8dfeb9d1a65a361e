"""The load test in one command: a scratch database, the production stack, locust, a table.

    .venv/bin/python bench/load/run.py [--users 50] [--spawn-rate 10] [--run-time 60s] [--workers 3]

1. Drops and recreates the PostgreSQL database ``load_innomatch``, brings it to head and loads the seed
   (``flask --app marketplace db upgrade`` and ``seed``), with a scratch INDEX_DIR.
2. Starts the production stack with bin/prod itself (honcho over the Procfile: gunicorn with
   WEB_CONCURRENCY workers, the rq workers, the clock) on a free loopback port, Redis db 9 flushed first.
   Loopback has no TLS, so FORCE_HTTPS=0 and SESSION_COOKIE_SECURE=0; 50 simulated users sign in from one
   address, so the failed-sign-in limits are raised for the run. Waits for /readyz to answer 200.
3. Runs locust headless (bench/load/locustfile.py) from its own virtualenv, .venv-load/, made from
   bench/load/requirements.txt: locust pins Flask and gevent versions the project's .venv must not get.
4. Notes the load average, CPU seconds per process kind and the web workers' RSS, stops the stack
   (SIGTERM to honcho, as a process manager would) and prints a markdown table per page.

Exits non-zero when any request failed, the stack did not become ready, or locust itself failed. Everything
the run wrote (locust CSVs and log, the server log, results.md) is in --out.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from redis import Redis

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PROJECT_VENV = Path(os.environ.get("INNOMATCH_VENV", REPO / ".venv"))
LOAD_VENV = REPO / ".venv-load"
REQUIREMENTS = HERE / "requirements.txt"
DATABASE = "load_innomatch"
READY_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 45
WARM_UP_ACCOUNT = "organiser@innomatch.example"
PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-password-1")
WARM_ROUND_SECONDS = 2.0
WARM_ROUNDS = 10


def in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == PROJECT_VENV.resolve()


def ensure_load_venv() -> Path:
    """.venv-load/ with exactly bench/load/requirements.txt; reinstalled only when that file changes."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    marker = LOAD_VENV / ".requirements-sha256"
    locust = LOAD_VENV / "bin" / "locust"
    if locust.exists() and marker.exists() and marker.read_text().strip() == wanted:
        return locust
    print(f"setting up {LOAD_VENV.name}/ from {REQUIREMENTS.relative_to(REPO)} ...", flush=True)
    if not (LOAD_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
    subprocess.run(
        [
            str(LOAD_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-qq",
            "--disable-pip-version-check",
            "-r",
            str(REQUIREMENTS),
        ],
        check=True,
    )
    marker.write_text(wanted + "\n")
    return locust


def fresh_database(admin_url: str) -> str:
    """Drops and recreates ``load_innomatch``; returns its URL."""

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{DATABASE}"


def flush_redis(url: str) -> None:

    Redis.from_url(url).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_environment(args: argparse.Namespace, database_url: str, port: int, index_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("INNOMATCH_DEMO", "FLASK_DEBUG", "LOG_FORMAT")}
    env.update(
        {
            "PATH": f"{PROJECT_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            "VIRTUAL_ENV": str(PROJECT_VENV),
            "HF_HUB_OFFLINE": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": args.redis_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "WEB_CONCURRENCY": str(args.workers),
            "PORT": str(port),
            "BASE_URL": f"http://127.0.0.1:{port}",
            "INDEX_DIR": index_dir,
            # Loopback has no TLS: without these the app redirects to https and browsers drop the session cookie.
            "FORCE_HTTPS": "0",
            "SESSION_COOKIE_SECURE": "0",
            # Every simulated user signs in from 127.0.0.1; only failed sign-ins count, but a run must not lock out.
            "LOGIN_IP_RATE_LIMIT": "10000/minute",
            "LOGIN_RATE_LIMIT": "10000/minute",
        }
    )
    return env


def flask(env: dict[str, str], *command: str) -> str:
    done = subprocess.run(
        [str(PROJECT_VENV / "bin" / "flask"), "--app", "marketplace", *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_ready(base: str, stack: subprocess.Popen, log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < READY_TIMEOUT_SECONDS:
        if stack.poll() is not None:
            sys.exit(f"the stack exited ({stack.returncode}) before it was ready; see {log}:\n" + tail(log))
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    sys.exit(f"/readyz did not answer 200 within {READY_TIMEOUT_SECONDS} s; see {log}:\n" + tail(log))


def warm_up(base: str, workers: int) -> tuple[float, float, int]:
    """Each gunicorn worker loads the embedding model and the index snapshots on its first search and ranking.

    Signs in as the organiser and sends rounds of concurrent searches and need pages (twice as many as
    there are workers, so every worker gets some) until a whole round answers within WARM_ROUND_SECONDS;
    the minute locust measures is then the steady state. Returns (seconds taken, slowest first answer, rounds).
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = opener.open(base + "/login", timeout=60).read().decode()
    token = html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1))
    form = {"csrf_token": token, "email": WARM_UP_ACCOUNT, "password": PASSWORD, "next": ""}
    opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=60).read()
    listing = opener.open(base + "/needs/?status=published", timeout=60).read().decode()
    needs = sorted(set(re.findall(r'href="/needs/(\d+)"', listing)))
    if not needs:
        sys.exit("warm-up: the organiser sees no published need; is the database seeded?")
    started, first, rounds = time.monotonic(), 0.0, 0
    while rounds < WARM_ROUNDS:
        rounds += 1
        slowest: list[float] = []

        def visit(i: int, slowest: list[float] = slowest) -> None:
            began = time.monotonic()
            # Chinese too: jieba loads its dictionary on the first Chinese text a process tokenizes.
            query = urllib.parse.urlencode({"q": f"冷链 cold chain {i}"})
            opener.open(f"{base}/startups/?{query}", timeout=120).read()
            opener.open(f"{base}/needs/{needs[i % len(needs)]}", timeout=120).read()
            slowest.append(time.monotonic() - began)

        threads = [threading.Thread(target=visit, args=(i,)) for i in range(2 * workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        first = first or max(slowest, default=0.0)
        if len(slowest) == len(threads) and max(slowest) < WARM_ROUND_SECONDS:
            break
    return time.monotonic() - started, first, rounds


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


# --- processes ---------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def kind_of(pid: int, ppid: int) -> str | None:
    """What a process under honcho is; honcho's ``sh -c`` wrappers only wait, so they are None."""
    if comm(pid) == "gunicorn":
        return "gunicorn worker" if comm(ppid) == "gunicorn" else "gunicorn master"
    line = cmdline(pid)
    if comm(pid) in ("sh", "bash", "dash"):
        return None
    if " worker matching" in line:
        return "rq worker (matching, default)"
    if " worker email" in line:
        return "rq worker (email)"
    if " clock" in line:
        return "clock"
    return None


def stack_processes(root: int) -> dict[int, str]:
    """pid → kind for the stack under honcho (shells that only wait are left out)."""
    kinds: dict[int, str] = {}
    for pid in descendants(root):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kind = kind_of(pid, ppid)
        if kind:
            kinds[pid] = kind
    return kinds


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def postgres_backends(database_url: str) -> list[int]:
    """The server processes holding connections to the load database (the stack's pools)."""

    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        pids = list(
            conn.scalars(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                {"d": DATABASE},
            )
        )
    engine.dispose()
    return pids


class LoadSampler(threading.Thread):
    """The 1-minute load average every few seconds while locust runs (the CPU may be shared)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(5):
            self.samples.append(os.getloadavg()[0])


def stop_stack(stack: subprocess.Popen) -> tuple[float, bool]:
    """SIGTERM to honcho (it stops every Procfile process); SIGKILL to the group this script made if it hangs."""
    started = time.monotonic()
    stack.send_signal(signal.SIGTERM)
    try:
        stack.wait(STOP_TIMEOUT_SECONDS)
        clean = True
    except subprocess.TimeoutExpired:
        os.killpg(stack.pid, signal.SIGKILL)
        stack.wait()
        clean = False
    return time.monotonic() - started, clean


# --- results -----------------------------------------------------------------------------------


def read_total(prefix: Path) -> dict[str, str]:
    """locust's own aggregate row (its last periodic write: a few requests short of the end)."""
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")


class Sample:
    __slots__ = ("start", "end", "name", "ms", "failed")

    def __init__(self, row: dict[str, str]) -> None:
        self.end, self.ms, self.failed = float(row["end"]), float(row["ms"]), row["failed"] == "1"
        self.start = self.end - self.ms / 1000
        self.name = row["name"]


def read_samples(path: Path) -> list[Sample]:
    with open(path, newline="") as fh:
        return [Sample(row) for row in csv.DictReader(fh)]


def page_rows(samples: list[Sample]) -> list[list[str]]:
    """page, requests, failures, p50, p95, p99, max per page (busiest first), then all pages together."""
    by_page: dict[str, list[Sample]] = {}
    for sample in samples:
        by_page.setdefault(sample.name, []).append(sample)
    groups = sorted(by_page.items(), key=lambda kv: -len(kv[1])) + [("**all**", samples)]
    rows = []
    for name, group in groups:
        times = [s.ms for s in group]
        rows.append(
            [
                name,
                str(len(group)),
                str(sum(s.failed for s in group)),
                *(f"{pct(times, q):.0f}" for q in (50, 95, 99)),
                f"{max(times):.0f}",
            ]
        )
    return rows


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def server_times(log: Path, offset: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    """From the access lines after ``offset`` (the measured run, not the warm-up): the app's own time per route
    (ids folded), and every answer of 400 or more."""
    times: dict[str, list[float]] = {}
    bad: dict[str, int] = {}
    with open(log, "rb") as fh:
        fh.seek(offset)
        text = fh.read().decode(errors="replace")
    for line in text.splitlines():
        if '"marketplace.access"' not in line:
            continue
        try:
            record = json.loads(line[line.index("{") :])
        except ValueError:
            continue
        route = f"{record.get('method')} {re.sub(r'/[0-9]+', '/<id>', str(record.get('path')))}"
        if record.get("duration_ms") is not None:
            times.setdefault(route, []).append(float(record["duration_ms"]))
        if int(record.get("status", 0)) >= 400:
            key = f"{route} {record['status']}"
            bad[key] = bad.get(key, 0) + 1
    return times, bad


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


def report(args, samples, failures, times, bad, context) -> str:
    """The markdown printed at the end and kept as results.md."""
    columns = ["page", "requests", "failures", "p50 (ms)", "p95 (ms)", "p99 (ms)", "max (ms)"]
    # Steady state: requests sent after the last sign-in was answered. The sign-ins (argon2) come in a burst
    # while locust spawns users, and whatever is sent meanwhile queues behind them.
    began = min(s.start for s in samples)
    signed_in = max((s.end for s in samples if s.name == "sign in"), default=began)
    steady = [s for s in samples if s.start >= signed_in]
    span = max(s.end for s in steady) - signed_in if steady else 0.0
    out = [
        f"Load test: {args.users} users, spawn rate {args.spawn_rate}/s, {args.run_time}, "
        f"{args.workers} gunicorn workers on {os.cpu_count()} CPUs",
        "",
        "Whole run, sign-ins included:",
        "",
    ]
    out += table(columns, page_rows(samples))
    whole = max(s.end for s in samples) - began
    out += [
        "",
        f"Total: {len(samples) / whole:.1f} req/s over {whole:.0f} s, {len(samples)} requests, "
        f"{sum(s.failed for s in samples)} failures.",
        "",
    ]
    if steady:
        out += [
            f"Steady state, requests sent after the last sign-in was answered ({signed_in - began:.0f} s into "
            f"the run; {len(steady) / max(span, 1e-9):.1f} req/s over the remaining {span:.0f} s):",
            "",
        ]
        out += table(columns, page_rows(steady)) + [""]
    busy = sum(sum(values) for values in times.values()) or 1.0
    out += [
        "Server side (the app's own duration_ms from the access lines, ids folded; the difference to the "
        "client's time is mostly waiting for a free worker). Worker time: the sum of durations, so its share "
        "says which page keeps the workers busy:",
        "",
    ]
    out += table(
        ["route", "requests", "p50 (ms)", "p95 (ms)", "worker time (s)", "share"],
        [
            [
                route,
                str(len(values)),
                f"{statistics.median(values):.0f}",
                f"{pct(values, 95):.0f}",
                f"{sum(values) / 1000:.1f}",
                f"{100 * sum(values) / busy:.0f} %",
            ]
            for route, values in sorted(times.items(), key=lambda kv: -sum(kv[1]))
        ],
    )
    out += [""] + [f"- {line}" for line in context]
    if failures:
        out += ["", "Failures (locust):", ""] + [
            f"- {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}" for f in failures
        ]
    if bad:
        out += ["", "Answers ≥ 400 in the server log:", ""] + [f"- {k} × {v}" for k, v in sorted(bad.items())]
    return "\n".join(out) + "\n"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", "-u", type=int, default=50)
    parser.add_argument("--spawn-rate", "-r", type=float, default=10)
    parser.add_argument("--run-time", "-t", default="60s")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or 3),
        help="gunicorn workers (WEB_CONCURRENCY; default 3, as in the Procfile)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "test-artifacts" / "load")
    parser.add_argument(
        "--admin-url", default=os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://127.0.0.1:5432/test")
    )
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="measure from a cold start (each worker loads the model and indexes on first use)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9", help="flushed before the run")
    return parser.parse_args()


class Measured:
    """What one locust run left besides its CSVs: its exit code, the machine's load, CPU and memory."""

    returncode: int
    load_before: float
    loads: list[float]
    load_after: float
    cpu_by_kind: dict[str, float]
    worker_rss: list[float]


def run_locust(args: argparse.Namespace, locust: Path, base: str, stack_pid: int, database_url: str) -> Measured:
    """locust headless against the ready stack, sampling the load average and each process's CPU around it."""
    measured = Measured()
    processes = stack_processes(stack_pid)
    backends = postgres_backends(database_url)
    cpu_before = {pid: cpu_seconds(pid) for pid in [*processes, *backends]}
    measured.load_before = os.getloadavg()[0]
    sampler = LoadSampler()
    sampler.start()
    with open(args.out / "locust.log", "w") as log:
        run = subprocess.Popen(
            [
                str(locust),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--host",
                base,
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "--run-time",
                args.run_time,
                "--stop-timeout",
                "10",
                "--csv",
                str(args.out / "locust"),
                "--only-summary",
            ],
            cwd=REPO,
            env={**os.environ, "LOAD_SAMPLES": str(args.out / "samples.csv")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        locust_cpu = 0.0
        while run.poll() is None:  # locust's own CPU, sampled until it exits (its /proc entry goes with it)
            locust_cpu = max(locust_cpu, cpu_seconds(run.pid))
            time.sleep(1)
    sampler.stopped.set()
    measured.returncode = run.returncode
    measured.load_after = os.getloadavg()[0]
    measured.loads = sampler.samples or [measured.load_after]
    processes = {**processes, **stack_processes(stack_pid)}  # rq work horses may have come and gone
    backends = sorted(set(backends) | set(postgres_backends(database_url)))
    cpu: dict[str, float] = {}
    for pid, kind in processes.items():
        cpu[kind] = cpu.get(kind, 0.0) + cpu_seconds(pid) - cpu_before.get(pid, 0.0)
    cpu[f"postgres backends ({len(backends)})"] = sum(cpu_seconds(p) - cpu_before.get(p, 0.0) for p in backends)
    cpu["locust"] = locust_cpu
    measured.cpu_by_kind = cpu
    measured.worker_rss = [rss_mib(pid) for pid, kind in sorted(processes.items()) if kind == "gunicorn worker"]
    return measured


def main() -> int:
    args = parse_args()
    if not in_project_venv():  # the stack, the seed and the database driver live in the project's venv
        python = PROJECT_VENV / "bin" / "python"
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])

    locust = ensure_load_venv()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("locust_*.csv"), args.out / "samples.csv"]:
        old.unlink(missing_ok=True)
    index_dir = tempfile.mkdtemp(prefix="innomatch-load-index-")
    try:
        return load_test(args, locust, index_dir)
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)


def load_test(args: argparse.Namespace, locust: Path, index_dir: str) -> int:
    """Scratch database, the stack, locust, the report; returns the exit code."""
    server_log, prefix = args.out / "server.log", args.out / "locust"
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    database_url = fresh_database(args.admin_url).replace("postgresql+psycopg://", "postgresql://", 1)
    flush_redis(args.redis_url)
    env = stack_environment(args, database_url, port, index_dir)
    print(f"database {DATABASE}: migrating and seeding ...", flush=True)
    flask(env, "db", "upgrade")
    seeded = json.loads(flask(env, "seed").strip().splitlines()[-1])

    print(f"starting the stack on {base} ({args.workers} web workers) ...", flush=True)
    with open(server_log, "w") as log:
        stack = subprocess.Popen(
            [str(REPO / "bin" / "prod")],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ready_after = wait_ready(base, stack, server_log)
        print(f"ready after {ready_after:.1f} s", flush=True)
        warmed = (0.0, 0.0, 0)
        if args.warm_up:
            print("warming the web workers up ...", flush=True)
            warmed = warm_up(base, args.workers)
        print(f"running locust ({args.users} users, {args.run_time}) ...", flush=True)
        log_offset = server_log.stat().st_size
        measured = run_locust(args, locust, base, stack.pid, database_url)
    finally:
        stopped_in, clean = stop_stack(stack)

    samples_file = args.out / "samples.csv"
    samples = read_samples(samples_file) if samples_file.exists() else []
    if not samples:
        print(
            f"locust recorded no request (exit {measured.returncode}); see {args.out / 'locust.log'}:\n"
            f"{tail(args.out / 'locust.log')}"
        )
        return 1
    total = read_total(prefix)
    killed = sorted(set(re.findall(r"^sending SIGKILL to (\S+)", server_log.read_text(errors="replace"), re.M)))
    times, bad = server_times(server_log, log_offset)
    context = [
        f"data: {seeded.get('startup', '?')} startups, {seeded.get('need', '?')} needs, "
        f"{seeded.get('user', '?')} users (the seed)",
        f"load average (1 min): {measured.load_before:.2f} before, {statistics.mean(measured.loads):.2f} mean / "
        f"{max(measured.loads):.2f} max during, {measured.load_after:.2f} at the end",
        "CPU seconds during the run: "
        + ", ".join(
            f"{kind} {secs:.1f}"
            for kind, secs in sorted(measured.cpu_by_kind.items(), key=lambda kv: -kv[1])
            if secs > 0.05
        ),
        "gunicorn worker RSS at the end: " + ", ".join(f"{mib:.0f} MiB" for mib in measured.worker_rss),
        (
            f"warm-up before the measured run: {warmed[0]:.1f} s, {warmed[2]} rounds of {2 * args.workers} concurrent "
            f"search + need page; slowest in the first round {warmed[1]:.1f} s "
            "(model, index and jieba loading per worker)"
            if args.warm_up
            else "no warm-up: the measured run includes each worker's first model and index load"
        ),
        f"ready {ready_after:.1f} s after start; stopped in {stopped_in:.1f} s after SIGTERM to honcho"
        + ("" if clean else ", which hung: this script sent SIGKILL")
        + (
            f"; honcho had to SIGKILL {', '.join(killed)} after its 5 s"
            if killed
            else ", every process exited by itself"
        ),
        f"files: {args.out}",
    ]
    text = report(args, samples, read_failures(prefix), times, bad, context)
    (args.out / "results.md").write_text(text)
    print(text)
    if measured.returncode != 0 and not int(total["Failure Count"]):
        print(f"locust exited {measured.returncode}; see {args.out / 'locust.log'}:\n{tail(args.out / 'locust.log')}")
    failed = int(total["Failure Count"]) > 0 or any(s.failed for s in samples)
    return 1 if failed or measured.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
