"""Simulated people on innomatch's HTML pages, for the load test: run by bench/load/run.py.

Three kinds of user, weighted like real use (many bank staff, some incubator managers, a few
organisers). Each signs in once with the seeded demo accounts (several simulated users share one
account, like one person's browser tabs), then mixes browsing, directory search, a published
need's workspace with its ranked startups, and voting. Ids come from the pages themselves, never
from fixtures, so the file works on any seeded database.

Every request is named by page (``name=``), so the statistics are per page rather than per URL.
Redirects are never followed silently: a page must answer 200, a form POST must answer 302 to
where the app sends a successful submission, and a redirect to the sign-in page (an expired or
lost session) counts as a failure, as does any 4xx/5xx answer.

Runs in its own virtualenv (bench/load/requirements.txt), never in the project's, because locust
pins its own Flask and gevent.
"""

from __future__ import annotations

import csv
import html
import itertools
import os
import random
import re
import time
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-password-1")

BANK_STAFF = ("staff@bank.example.com", "lin.yue@bank.example.com", "trade@bank.example.com", "lab@bank.example.com")
ORGANISERS = ("organiser@innomatch.example",)
MANAGERS = ("manager@zhangjiang.example", "manager@plugandplay.example", "manager@xnode.example")

# What people type into the directory's search box: words of the seeded needs, English and Chinese.
SEARCH_TERMS = (
    "cold chain",
    "education",
    "privacy computing",
    "supply chain finance",
    "invoice financing",
    "fraud detection",
    "IoT sensors",
    "OCR",
    "healthcare",
    "blockchain",
    "credit scoring",
    "data governance",
    "冷链",
    "教育",
    "隐私计算",
    "供应链金融",
    "医疗",
    "区块链",
    "风控",
)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
NEED_LINK = re.compile(r'href="/needs/(\d+)"')
STARTUP_LINK = re.compile(r'href="/startups/(\d+)"')
DIRECTORY_PAGE = re.compile(r'href="(/startups/\?[^"]*?page=(\d+)[^"]*)"')
VOTE_FORM = re.compile(
    r'action="/needs/(\d+)/votes"[^>]*>\s*<input[^>]*name="csrf_token"[^>]*value="([^"]+)"[^>]*>'
    r'\s*<input[^>]*name="startup_id"[^>]*value="(\d+)"'
)
SIGN_IN_FORM = 'name="password"'


@events.init.add_listener
def record_samples(environment, **_kwargs) -> None:
    """With LOAD_SAMPLES set, one CSV row per request (end time, page, milliseconds, failed), so run.py can
    give exact percentiles and split the sign-in ramp-up from the steady state (locust's own CSV rounds
    response times and mixes the two)."""
    path = os.environ.get("LOAD_SAMPLES")
    if not path:
        return
    fh = open(path, "w", newline="")  # noqa: SIM115 (open for the whole run; closed on the quitting event)
    writer = csv.writer(fh)
    writer.writerow(["end", "method", "name", "ms", "failed"])

    def on_request(request_type, name, response_time, exception=None, **_meta) -> None:
        writer.writerow([f"{time.time():.3f}", request_type, name, f"{response_time:.1f}", int(exception is not None)])

    environment.events.request.add_listener(on_request)
    environment.events.quitting.add_listener(lambda **_: fh.close())


class SignedInUser(FastHttpUser):
    """Signs in once, then works through the pages its kind of person uses; think time 1-4 s."""

    abstract = True
    wait_time = between(1, 4)
    accounts: itertools.cycle

    def on_start(self) -> None:
        self.email = next(self.accounts)
        self.need_ids: list[int] = []
        self.startup_ids: set[int] = set()
        self.sign_in()
        self.discover_needs()

    # --- requests --------------------------------------------------------------------------

    def page(self, path: str, name: str, *, expect: str | None = None) -> str | None:
        """GET a page that must answer 200 with the page itself (not the sign-in form, not an error)."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            body = response.text or ""
            if response.status_code != 200:
                location = response.headers.get("Location", "") if response.headers else ""
                where = " to the sign-in page" if "/login" in location else (f" to {location}" if location else "")
                response.failure(f"HTTP {response.status_code}{where}")
                return None
            if SIGN_IN_FORM in body:
                response.failure("got the sign-in form instead of the page")
                return None
            if expect and expect not in body:
                response.failure(f"page lacks {expect!r}")
                return None
            self.learn(body)
            return body

    def submit(self, path: str, name: str, data: dict[str, str], *, expect_location: str) -> str | None:
        """POST a form that must answer 302 to ``expect_location`` (a prefix); returns the Location."""
        with self.client.post(path, name=name, data=data, allow_redirects=False, catch_response=True) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")
                return None
            path_part = re.sub(r"^https?://[^/]+", "", location)
            if "/login" in path_part or not path_part.startswith(expect_location):
                response.failure(f"redirected to {location!r}, expected {expect_location}")
                return None
            return path_part

    def learn(self, body: str) -> None:
        """Remember the startups a page links to, as a person would see them to click."""
        self.startup_ids.update(int(i) for i in STARTUP_LINK.findall(body))

    # --- sign-in and discovery ---------------------------------------------------------------

    def sign_in(self) -> None:
        with self.client.get("/login", name="sign-in form", allow_redirects=False, catch_response=True) as response:
            match = CSRF.search(response.text or "") if response.status_code == 200 else None
            if match is None:
                response.failure(f"HTTP {response.status_code} or no CSRF token on the sign-in form")
                raise StopUser()
        token = match.group(1) or match.group(2)
        form = {"csrf_token": html.unescape(token), "email": self.email, "password": PASSWORD, "next": ""}
        if self.submit("/login", "sign in", form, expect_location="/") is None:
            raise StopUser()

    def discover_needs(self) -> None:
        """The published needs this person may see, from the needs list filtered to published."""
        body = self.page("/needs/?status=published", "needs list (published)")
        self.need_ids = sorted({int(i) for i in NEED_LINK.findall(body or "")})

    # --- tasks shared by every kind ---------------------------------------------------------

    @task(3)
    def home(self) -> None:
        self.page("/", "home")

    @task(3)
    def needs_list(self) -> None:
        self.page("/needs/", "needs list")

    @task(4)
    def browse_directory(self) -> None:
        """The startups directory from page 1, clicking "next" a few times as someone scrolling would."""
        body = self.page("/startups/", "startups directory")
        current = 1
        for _ in range(random.randint(0, 3)):
            later = [
                (int(n), html.unescape(href)) for href, n in DIRECTORY_PAGE.findall(body or "") if int(n) > current
            ]
            if not later:
                return
            current, href = min(later)
            body = self.page(href, "startups directory (next page)")

    @task(3)
    def startup_profile(self) -> None:
        if self.startup_ids:
            startup_id = random.choice(sorted(self.startup_ids))
            self.page(f"/startups/{startup_id}", "startup profile")

    @task(4)
    def search(self) -> None:
        term = random.choice(SEARCH_TERMS)
        self.page(f"/startups/?{urlencode({'q': term})}", "startup search")

    @task(5)
    def need_workspace(self) -> None:
        self.open_need()

    def open_need(self) -> tuple[int, str] | None:
        if not self.need_ids:
            return None
        need_id = random.choice(self.need_ids)
        body = self.page(f"/needs/{need_id}", "need workspace", expect=self.need_marker)
        return (need_id, body) if body is not None else None

    need_marker: str | None = 'id="matches"'


class VotingUser(SignedInUser):
    """Bank staff and organisers also vote for startups on a need's ranking (so it must offer vote buttons)."""

    abstract = True
    need_marker = 'class="inline vote"'

    @task(3)
    def vote(self) -> None:
        """Open a need, toggle the vote on one of its ranked startups, land back on the need (as a browser does)."""
        opened = self.open_need()
        if opened is None:
            return
        need_id, body = opened
        forms = VOTE_FORM.findall(body)
        if not forms:  # the page had vote buttons (need_marker) but not in the form this file parses
            raise AssertionError("vote buttons found but not parsed; has templates/rankings/_ranked.html changed?")
        form_need, token, startup_id = random.choice(forms)
        landing = self.submit(
            f"/needs/{form_need}/votes",
            "vote",
            {"csrf_token": html.unescape(token), "startup_id": startup_id},
            expect_location=f"/needs/{need_id}",
        )
        if landing is not None:
            self.page(landing.split("#", 1)[0], "need workspace", expect=self.need_marker)


class BankStaff(VotingUser):
    weight = 6
    accounts = itertools.cycle(BANK_STAFF)


class Organiser(VotingUser):
    weight = 1
    accounts = itertools.cycle(ORGANISERS)

    @task(2)
    def pipeline_dashboard(self) -> None:
        self.page("/dashboard/pipeline", "pipeline dashboard")


class IncubatorManager(SignedInUser):
    """Incubators see rankings of their own portfolio (none on a confidential need before its terms)."""

    weight = 3
    accounts = itertools.cycle(MANAGERS)
    need_marker = None

    @task(3)
    def incubator_workspace(self) -> None:
        self.page("/workspace", "incubator workspace")
