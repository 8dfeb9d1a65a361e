"""The authorisation matrix: every route × every role answers as tests/route_matrix.py says.

- ``test_the_table_covers_every_route`` compares the table's (method, rule) pairs with the app's URL
  map (static files aside) and names the routes that have no row, and the rows whose route is gone.
- ``test_route_answers_as_the_table_says`` runs one case per row × role inside the ``app`` fixture's
  rollback: it makes the objects the row names (a matchmaking day, a pitch deck, an import, a
  notification, tokens...), signs the role's person in and sends the request. Jobs queued by an
  allowed request are dropped (``_run_in_process`` is switched off): they are side effects, not
  authorisation, and skipping them keeps the search index untouched, so no case pays for a rebuild.
- The whole matrix runs on SQLite; on PostgreSQL the need, candidate and startup visibility rows
  (``route_matrix.VISIBILITY_RULES``) run, which is where the two backends' queries could differ.
  An exception in a view propagates (TESTING), so a 500 always fails the case.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace import create_app
from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import Organisation, User
from marketplace.accounts.services import reset_feed_address
from marketplace.accounts.tokens import create_token
from marketplace.audit.services import record_change
from marketplace.core.db import db, unit_of_work, utcnow
from marketplace.events.enums import EventStatus
from marketplace.events.feeds import feed_token
from marketplace.events.models import Event, EventRoom, Pitch, ScheduleRun, Score
from marketplace.events.services import change_event_status, create_event
from marketplace.imports.services import import_rows, start_import
from marketplace.needs.models import Need, NeedTermsAcceptance
from marketplace.notifications.models import Notification
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate, PitchDeck
from marketplace.pipeline.services import toggle_vote, transition
from marketplace.startups.models import Listing, Startup
from tests import route_matrix as matrix
from tests.conftest import ADMIN, BANK_STAFF, ORGANISER, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import org, startup_by_slug, startup_listed_by, user

pytestmark = pytest.mark.integration

# Endpoints that only serve files; they need no row.
STATIC_ENDPOINTS = ("static",)
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})

DEFAULT_UNIT = "large-corporate"
EVENT_UNIT = "algo-finance-lab"  # owns the MPC need, so its staff judge the MPC pitch
PEOPLE = {
    matrix.INC_INVITED: ZJ_MANAGER,
    matrix.INC_OTHER: PNP_MANAGER,
    matrix.ORGANISER: ORGANISER,
    matrix.ADMIN: ADMIN,
}
OTHER_BANK_STAFF = (BANK_STAFF, "trade@bank.example.com")
READ_ONLY = "/read-only"  # suffix of a role run with a read-only API token


def _is_static(rule) -> bool:
    return rule.endpoint in STATIC_ENDPOINTS or rule.endpoint.endswith(".static")


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if not _is_static(rule)
        for method in rule.methods - IGNORED_METHODS
    }


def test_the_table_covers_every_route(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'routes.sqlite3'}",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
            "INDEX_DIR": str(tmp_path / "index"),
        }
    )
    routes = app_routes(app)
    table = {(row.method, row.rule) for row in matrix.ROWS}

    missing, gone = sorted(routes - table), sorted(table - routes)

    problems = []
    if missing:
        problems.append(
            "routes without a row in tests/route_matrix.py (add one per method and rule):\n"
            + "\n".join(f"    {method} {rule}" for method, rule in missing)
        )
    if gone:
        problems.append(
            "rows for routes the app no longer has:\n" + "\n".join(f"    {method} {rule}" for method, rule in gone)
        )
    assert not problems, "\n".join(problems)


def test_every_row_says_what_each_role_gets():
    for row in matrix.ROWS:
        assert set(row.expect) == set(matrix.ROLES), row.label
        assert all(o in (matrix.ALLOW, matrix.LOGIN, 401, 403, 404) for o in row.expect.values()), row.label
        if row.api:  # no sign-in page to go to: a token, or public
            assert row.expect[matrix.ANON] in (401, matrix.ALLOW), row.label


# -- the seeded world, and the objects the rows name ---------------------------------------------


class World:
    """Resolves a row's object keys in the seeded world, making what the seed does not have.

    Runs in an app context inside the case's transaction; everything it makes is rolled back."""

    def __init__(self, row: matrix.Row):
        self.row = row
        self.unit = self._owning_unit()
        self._made: dict[str, int | str] = {}
        self._bank_own_id: int | None = None

    # who plays each role
    def person(self, role: str) -> User | None:
        role = role.removesuffix(READ_ONLY)
        if role in self.row.cast:
            return user(self.row.cast[role])
        if role == matrix.ANON:
            return None
        if role == matrix.BANK_OWN:
            return self.bank_own
        if role == matrix.BANK_OTHER:
            unit_ids = {org(self.unit).id}
            return next(u for u in map(user, OTHER_BANK_STAFF) if u.organisation_id not in unit_ids)
        return user(PEOPLE[role])

    @property
    def bank_own(self) -> User:
        if self._bank_own_id is None:
            unit = org(self.unit)
            found = db.session.scalar(
                sa.select(User)
                .where(User.organisation_id == unit.id, User.role == UserRole.BANK_STAFF, User.active.is_(True))
                .order_by(User.id)
                .limit(1)
            )
            if found is None:  # a unit the fixtures give no user
                found = User(
                    email=f"matrix@{unit.slug}.example",
                    name="Matrix Staff",
                    role=UserRole.BANK_STAFF,
                    organisation_id=unit.id,
                    password_hash="!",
                    locale="en",
                    active=True,
                )
                db.session.add(found)
                db.session.flush()
            self._bank_own_id = found.id
        return db.session.get(User, self._bank_own_id)

    def _owning_unit(self) -> str:
        """The bank unit whose staff play bank_own: the first path argument's owner."""

        for key in self.row.args.values():
            kind, _, name = key.partition(":")
            if kind in ("need", "candidate", "deck", "colisted", "colisted-deck", "hidden-invitation"):
                return db.session.scalar(
                    sa.select(Organisation.slug)
                    .join(Need, Need.owner_id == Organisation.id)
                    .where(Need.slug == name.split("/")[0])
                )
            if kind in ("event", "pitch"):
                return EVENT_UNIT
        return DEFAULT_UNIT

    # objects
    def resolve(self, key: str):
        if key not in self._made:
            self._made[key] = self._make(key)
        return self._made[key]

    def _make(self, key: str):  # noqa: C901 (one branch per kind of object the matrix names)
        kind, _, name = key.partition(":")
        if kind == "missing":
            return 987654
        if kind == "need":
            return _need_id(name)
        if kind == "org":
            return org(name).id
        if kind == "startup":
            if name.startswith("only:"):
                return startup_listed_by(_current_app(), name.removeprefix("only:"))
            return startup_by_slug(name).id
        if kind == "candidate":
            return _candidate(name).id
        if kind == "deck":
            return _deck(_candidate(name))
        if kind == "colisted":
            return _colisted(_candidate(name)).id
        if kind == "imported-over":
            return _imported_over(startup_listed_by(_current_app(), name), by="plug-and-play")
        if kind == "colisted-startup":
            return self.resolve(f"colisted:{name}") and _candidate(name).startup_id
        if kind == "colisted-deck":
            self.resolve(f"colisted:{name}")
            return _deck(_candidate(name))
        if kind == "hidden-invitation":
            return _hidden_invitation(name)
        if kind == "event":
            return _published_event()
        if kind == "pitch":
            return _pitch_of(self.resolve("event"), name)
        if kind == "batch":
            return _batch(name)
        if kind == "notification":
            return _notification(self.bank_own)
        if kind == "token":
            return create_token(user=self.bank_own, name="matrix", can_write=True)[0].id
        if kind == "feed":
            if name == "forged":  # a valid token with its signature's last character changed
                token = feed_token(self.bank_own)
                return token[:-1] + ("A" if token[-1] != "A" else "B")
            self.resolve("event")  # something for the feed to show
            token = feed_token(self.bank_own)
            if name == "stale":  # a real token, from before the person reset their feed address
                reset_feed_address(self.bank_own)
            return token
        raise KeyError(key)

    def value(self, item):
        return self.resolve(item.key) if isinstance(item, matrix.Ref) else item

    # secrets (route_matrix.Secret)
    def plant(self, key: str) -> str:  # noqa: C901 (one branch per kind of secret)
        """Plants the secret ``key`` names in the case's transaction; returns the text that shows it."""

        kind, _, name = key.partition(":")
        if kind in ("fit", "fit-accepted"):  # Zhangjiang lists the startup; whether it accepted the terms
            need_id = _need_id(name)
            _accept_terms(need_id, "zhangjiang-incubator", accepted=kind == "fit-accepted")
            return f'href="/needs/{need_id}"'
        if kind == "hidden-text":  # a word only the description holds; Zhangjiang accepted, Plug and Play not
            need = db.session.get(Need, _need_id(name))
            need.description = f"{need.description} {matrix.HIDDEN_WORD}"
            _accept_terms(need.id, "zhangjiang-incubator", accepted=True)
            _accept_terms(need.id, "plug-and-play", accepted=False)
            db.session.flush()
            return need.slug if self.row.api else f'href="/needs/{need.id}"'
        if kind == "vote":  # a bank vote on a startup whose card the startup's incubator sees
            candidate = _candidate(name)
            toggle_vote(actor=self.bank_own, need_id=candidate.need_id, startup_id=candidate.startup_id)
            return "▲"
        if kind == "review":  # the platform's comment on a status change of the need
            record_change(
                actor_id=user(ORGANISER).id,
                action="need.status",
                entity="need",
                entity_id=_need_id(name),
                before={"status": "in_review"},
                after={"status": "published", "comment": "Matrix review"},
            )
            return "Matrix review"
        if kind == "stage":  # the candidate's stage, told by a refused nomination
            self.resolve(f"colisted:{name}")
            return "already in the need"
        if kind in ("pre-share-note", "post-share-note"):  # a note of the bank's before / after sharing
            candidate = _candidate(name)
            assert candidate.shared_at is not None, name
            before = kind == "pre-share-note"
            at = candidate.shared_at + (timedelta(days=-1) if before else timedelta(minutes=1))
            note = "Matrix note before sharing" if before else "Matrix note after sharing"
            record_change(
                actor_id=self.bank_own.id,
                action="candidate.stage",
                entity="candidate",
                entity_id=candidate.id,
                before={"stage": "suggested"},
                after={"stage": candidate.stage.value, "note": note},
                at=at,
            )
            return note
        if kind in ("hidden-invitation-title", "declined-hidden-invitation-title"):  # finding 11
            candidate_id = self.resolve(f"hidden-invitation:{name}")
            if kind.startswith("declined"):  # the bank's decline, which tells the startup's side
                transition(
                    candidate=db.session.get(Candidate, candidate_id),
                    to=CandidateStage.DECLINED,
                    actor=user(ORGANISER),
                    note="Matrix decline",
                )
            return db.session.get(Need, _need_id(name)).title
        if kind == "judge-comment":  # a panel judge's mark and comment on the pitch
            pitch = db.session.get(Pitch, self.resolve(name))
            rubric = db.session.get(Event, pitch.event_id).rubric
            db.session.add(
                Score(
                    pitch_id=pitch.id,
                    judge_id=self.bank_own.id,
                    marks={c["key"]: 4 for c in rubric},
                    comment="Matrix judge comment",
                )
            )
            db.session.flush()
            return "Matrix judge comment"
        if kind == "schedule-reason":  # a failed run's reason about that need's pitch at the day (finding 5)
            return _schedule_reason(self.resolve(matrix.EVENT), _need_id(name))
        raise KeyError(key)


def _current_app():

    return current_app._get_current_object()


def _need_id(slug: str) -> int:

    found = db.session.scalar(sa.select(Need.id).where(Need.slug == slug))
    assert found is not None, slug
    return found


def _candidate(name: str):

    need_slug, startup_slug = name.split("/")
    found = db.session.scalar(
        sa.select(Candidate).where(
            Candidate.need_id == _need_id(need_slug), Candidate.startup_id == startup_by_slug(startup_slug).id
        )
    )
    assert found is not None, name
    return found


def _colisted(candidate):
    """The candidate, its startup now listed by Plug and Play as well (inc_other): a listing alone must not
    make Plug and Play the startup's side of a nomination Zhangjiang made."""

    assert candidate.nominated_by_id == org("zhangjiang-incubator").id, candidate
    db.session.add(Listing(incubator_id=org("plug-and-play").id, startup_id=candidate.startup_id))
    db.session.flush()
    return candidate


def _imported_over(startup_id: int, *, by: str) -> int:
    """The startup, after incubator ``by`` imported a file naming it (a row with its name, a row with its
    website), as a rival could: the import must leave it its own incubator's alone."""

    startup = db.session.get(Startup, startup_id)
    rows = [{"name": startup.name}, {"name": "Matrix Lookalike", "website": startup.website or "lookalike.example"}]
    import_rows(
        incubator=org(by),
        actor=None,
        rows=rows,
        mapping={"name": "name", "website": "website"},
        schedule_embedding=False,
    )
    db.session.flush()
    return startup_id


def _hidden_invitation(need_slug: str) -> int:
    """An invitation to a need incubators may not see (an internal one) of a startup only Zhangjiang lists, shared
    with Zhangjiang: a row as the service made it before it refused such invitations (security review, finding
    11), written directly since the service now refuses it."""

    now = utcnow()
    startup_id = startup_listed_by(_current_app(), "zhangjiang-incubator")
    candidate = Candidate(
        need_id=_need_id(need_slug),
        startup_id=startup_id,
        stage=CandidateStage.INVITED,
        source=CandidateSource.MATCHED,
        created_at=now,
        updated_at=now,
        shared_at=now,
    )
    db.session.add(candidate)
    db.session.flush()
    return candidate.id


def _accept_terms(need_id: int, incubator_slug: str, *, accepted: bool) -> None:

    incubator = org(incubator_slug)
    found = db.session.get(NeedTermsAcceptance, (need_id, incubator.id))
    if found is not None and not accepted:
        db.session.delete(found)
    elif found is None and accepted:
        manager = db.session.scalar(
            sa.select(User)
            .where(User.organisation_id == incubator.id, User.role == UserRole.INCUBATOR_MANAGER)
            .order_by(User.id)
        )
        db.session.add(
            NeedTermsAcceptance(need_id=need_id, organisation_id=incubator.id, user_id=manager.id, terms="matrix")
        )
    db.session.flush()


def _deck(candidate) -> int:

    content = b"%PDF-1.4 matrix\n%%EOF\n"
    deck = PitchDeck(
        candidate_id=candidate.id,
        filename="deck.pdf",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    db.session.add(deck)
    db.session.flush()
    return deck.id


def _published_event() -> int:
    """A matchmaking day with the MPC and the IoT collateral needs, Zhangjiang invited, its schedule
    published (pitches placed by hand: the scheduler is not under test)."""

    organiser = user(ORGANISER)
    event = create_event(
        actor=organiser,
        data={
            "name": "Matrix day",
            "starts_on": date.today() + timedelta(days=30),
            "days": 1,
            "venue": "Lujiazui campus",
        },
        rooms=["Room A"],
        need_ids=[_need_id("mpc-blockchain-cryptography"), _need_id("iot-collateral-monitoring")],
        incubator_ids=[org("zhangjiang-incubator").id],
    )
    change_event_status(actor=organiser, event=event, to=EventStatus.APPLICATIONS_OPEN)
    change_event_status(actor=organiser, event=event, to=EventStatus.SHORTLISTING)
    room = db.session.scalar(sa.select(EventRoom.id).where(EventRoom.event_id == event.id))
    for slot, pitch in enumerate(
        db.session.scalars(
            sa.select(Pitch).where(Pitch.event_id == event.id, Pitch.cancelled.is_(False)).order_by(Pitch.id)
        )
    ):
        pitch.room_id, pitch.start_slot = room, slot * 2
    db.session.flush()
    change_event_status(actor=organiser, event=event, to=EventStatus.SCHEDULED)
    return event.id


def _schedule_reason(event_id: int, need_id: int) -> str:
    """A finished run of the scheduler that found no schedule, its one reason naming the need's pitch at the day
    (a startup Zhangjiang does not list) by a planted name; returns that name."""

    startup_id = db.session.scalar(
        sa.select(Candidate.startup_id)
        .join(Pitch, Pitch.candidate_id == Candidate.id)
        .where(Pitch.event_id == event_id, Candidate.need_id == need_id)
    )
    assert startup_id is not None and not db.session.scalar(
        sa.select(Listing.id).where(
            Listing.startup_id == startup_id, Listing.incubator_id == org("zhangjiang-incubator").id
        )
    )
    name = "Matrix unplaced startup"
    db.session.add(
        ScheduleRun(
            event_id=event_id,
            status="done",
            progress="infeasible",
            result={
                "status": "infeasible",
                "unplaced": [],
                "reasons": [
                    {
                        "template": "The pitch of {startup} for {need} has no slot "
                        "when both the panel and the startup are free.",
                        "params": {"startup": name, "need": "Matrix need"},
                        "parties": {"startups": [startup_id], "needs": [need_id], "judges": []},
                    }
                ],
            },
        )
    )
    db.session.flush()
    return name


def _pitch_of(event_id: int, need_slug: str) -> int:

    found = db.session.scalar(
        sa.select(Pitch.id)
        .join(Candidate, Candidate.id == Pitch.candidate_id)
        .where(Pitch.event_id == event_id, Candidate.need_id == _need_id(need_slug), Pitch.cancelled.is_(False))
        .order_by(Pitch.id)
        .limit(1)
    )
    assert found is not None, need_slug
    return found


def _batch(incubator_slug: str) -> int:

    manager = db.session.scalar(
        sa.select(User)
        .where(User.organisation_id == org(incubator_slug).id, User.role == UserRole.INCUBATOR_MANAGER)
        .order_by(User.id)
    )
    batch = start_import(
        actor=manager,
        incubator=org(incubator_slug),
        filename="portfolio.csv",
        data=b"name,website,description\nMatrix Robotics,matrix-robotics.example,Robots.\n",
        max_rows=100,
    )
    return batch.id


def _notification(recipient: User) -> int:

    row = Notification(user_id=recipient.id, kind="need_published", params={"title": "Matrix"}, link="/needs/")
    db.session.add(row)
    db.session.flush()
    return row.id


# -- the cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    row: matrix.Row
    role: str  # a role, or a role + READ_ONLY for an API write with a read-only token

    @property
    def expected(self):
        if self.role.endswith(READ_ONLY):
            return 403
        return self.row.expect[self.role]

    @property
    def id(self) -> str:
        return f"{self.row.label} {self.role}"


def _cases() -> list:
    """(backend, case): every case on SQLite, the visibility rows' cases on PostgreSQL too. ``backend``
    is parametrised here directly (it overrides the conftest fixture), so no case is collected only to
    be skipped."""
    cases = []
    for row in matrix.ROWS:
        roles = list(matrix.ROLES)
        if row.api and row.method in matrix.WRITE_METHODS:
            roles += [role + READ_ONLY for role in matrix.SIGNED_IN if row.expect[role] == matrix.ALLOW]
        cases += [Case(row, role) for role in roles]
    return [pytest.param("sqlite", case, id=f"sqlite-{case.id}") for case in cases] + [
        pytest.param("postgresql", case, id=f"postgresql-{case.id}")
        for case in cases
        if case.row.rule in matrix.VISIBILITY_RULES
    ]


@pytest.fixture
def no_jobs(monkeypatch):
    """Queued jobs (indexing, email, the scheduler, imports) do not run: side effects, not authorisation."""
    monkeypatch.setattr("marketplace.jobs.queue._run_in_process", lambda func, kwargs: None)


def _sign_in(app, client, login_id: str) -> None:
    """The session flask-login's login_user writes (with the "strong" protection's identifier of this
    client), without paying for a password check per case."""
    with app.test_request_context(environ_base=client.environ_base):
        identifier = app.login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session.update({"_user_id": login_id, "_fresh": True, "_id": identifier})


def _send(app, case: Case):
    row = case.row
    with app.app_context(), unit_of_work():
        world = World(row)
        texts = [world.plant(secret.key) for secret in row.secrets]
        person = world.person(case.role)
        path = row.rule
        for name, key in row.args.items():
            path = _fill(path, name, world.resolve(key))
        query = {k: world.value(v) for k, v in row.query.items()}
        form = {k: world.value(v) for k, v in row.form.items()} if row.form is not None else None
        body = {k: world.value(v) for k, v in row.json.items()} if isinstance(row.json, dict) else row.json
        secret = None
        if row.api and person is not None:
            secret = create_token(user=person, name="matrix", can_write=not case.role.endswith(READ_ONLY))[1]
        login_id = person.get_id() if person is not None else None  # "id:session version"
    client = app.test_client()
    headers = {}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    elif login_id is not None and not row.api:
        _sign_in(app, client, login_id)
    kwargs = {"query_string": query, "headers": headers}
    if body is not None:
        kwargs["json"] = body
    elif form is not None:
        kwargs["data"] = form
    return client.open(path, method=row.method, **kwargs), texts


def _fill(rule: str, name: str, value) -> str:

    filled, count = re.subn(r"<(?:[a-z]+:)?" + re.escape(name) + ">", str(value), rule)
    assert count == 1, f"{rule} has no argument {name}"
    return filled


def _is_login_redirect(response) -> bool:
    """login_required's answer: to the sign-in page, with where to go back to (signing out goes there
    without it)."""

    location = urlsplit(response.headers.get("Location", ""))
    return (
        response.status_code in (301, 302, 303, 307)
        and location.path == "/login"
        and "next" in parse_qs(location.query)
    )


def _describe(response) -> str:
    where = f" → {response.headers.get('Location')}" if response.headers.get("Location") else ""
    return f"{response.status_code}{where}"


@pytest.mark.parametrize(("backend", "case"), _cases())
def test_route_answers_as_the_table_says(backend, app, no_jobs, case: Case):
    response, texts = _send(app, case)

    got, expected = response.status_code, case.expected
    what = f"{case.id}: expected {expected}, got {_describe(response)}"
    assert got < 500, what
    if expected == matrix.ALLOW:
        assert got not in (401, 403, 404, 405) and not _is_login_redirect(response), what
    elif expected == matrix.LOGIN:
        assert _is_login_redirect(response), what
    else:
        assert got == expected, what
        if case.row.api:
            assert response.mimetype == "application/problem+json", what
    if expected == matrix.ALLOW and case.row.secrets:
        body = response.get_data(as_text=True)
        for secret, text in zip(case.row.secrets, texts, strict=True):
            reader, shown = case.role in secret.readers, text in body
            assert shown == reader, (
                f"{case.id}: {secret.key} ({text!r}) is {'shown' if shown else 'not shown'}"
                f" to a {'reader' if reader else 'role that may not read it'}"
            )
