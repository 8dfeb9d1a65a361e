"""The authorisation matrix: every route of the app × every role, and what each role gets.

Data only. ``tests/integration/access/test_route_matrix.py`` runs every row for every role, and fails when
a route of the app has no row here (or a row names a route that is gone).

**Roles.** Who plays a role depends on the row's object, so that "own" and "other" mean something:

- ``anon``: nobody signed in (no session; on the API, no token).
- ``bank_own``: staff of the bank unit that owns the row's object: the need's unit for needs,
  candidates and pitch decks, the algo lab (owner of the MPC need) for the matchmaking day and its
  pitches; staff@bank.example.com (Large Corporate) when the object has no owning unit, and the
  owner of personal objects (notification, API token, calendar feed). A unit without a seeded user
  (Strategy & Research, Risk Management) gets one made for the case.
- ``bank_other``: staff of another unit: staff@bank.example.com, or trade@bank.example.com when
  Large Corporate owns the object.
- ``inc_invited``: manager@zhangjiang.example. Zhangjiang is in the MPC need's audience, lists
  ruilian-data (a roadshow candidate of that need), is invited to the matchmaking day and imports.
- ``inc_other``: manager@plugandplay.example: not invited to the MPC need nor to the day.
- ``organiser``, ``admin``: the platform.

A row's ``cast`` replaces the person playing a role when another one makes the sharper case.

**Outcomes.** ``ALLOW``: past authorisation: any status but 401/403/404/405 and below 500 (a
redirect, a 400 or 422 for the empty form, a flash for a move that is not yours all count; the
domain rules themselves are tested per feature). ``LOGIN``: redirected to the sign-in page.
401/403/404: exactly that status. Invisible objects answer 404 (ids cannot be probed), visible but
not changeable ones 403 (docs/architecture.md, "Authorisation rules").

**Objects** are named by keys the test resolves in the seeded world (see ``World`` there):
``need:<slug>``, ``startup:only:<incubator>`` (a startup only that incubator lists),
``candidate:<need>/<startup>``, ``deck:<need>/<startup>`` (a PDF on that candidate),
``colisted:<need>/<startup>`` / ``colisted-deck:…`` / ``colisted-startup:…`` (the same, with Plug and Play listing
the startup too), ``imported-over:<incubator>`` (a startup only that incubator lists, after Plug and Play imported a
file naming it and its website), ``hidden-invitation:<need>`` (an invitation to that need, which incubators may
not see, of a startup only Zhangjiang lists, shared with Zhangjiang: a row from before such invitations were
refused), ``event`` (a
published matchmaking day with the MPC and the IoT collateral needs, Zhangjiang invited),
``pitch:<need>`` (that need's pitch at the day), ``batch:<incubator>`` (an import waiting for its
mapping), ``org:<slug>``, ``startup:<slug>``, ``notification`` / ``token`` / ``feed`` (bank_own's), ``feed:forged``,
``feed:stale`` (bank_own's, from before they reset their feed address), ``missing`` (an id nothing has).

**Secrets.** A row's ``secrets`` name what its answer may show to some of the roles it lets in only (the
bank's votes, notes and review, a confidential need's hidden text): the World plants each one, and every
ALLOW role must find its text exactly when it is one of its readers (``Secret``).

**Adding a route**: one ``Row`` per (method, rule) as ``flask routes`` prints the rule, e.g.::

    Row("GET", "/api/v1/needs/<int:need_id>", api_roles(ALLOW, incubators=404), {"need_id": INTERNAL}),

API rows (rules under /api/) are sent with a Bearer token of the role's user (read-write) and
expect 401 from ``anon`` (``api_roles`` sets it); for a write method every role the row allows is
also tried with a read-only token, which must get 403. Every row runs on SQLite; a rule listed in
``VISIBILITY_RULES`` (at the end) runs on PostgreSQL too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ANON, BANK_OWN, BANK_OTHER, INC_INVITED, INC_OTHER, ORGANISER, ADMIN = (
    "anon",
    "bank_own",
    "bank_other",
    "inc_invited",
    "inc_other",
    "organiser",
    "admin",
)
ROLES = (ANON, BANK_OWN, BANK_OTHER, INC_INVITED, INC_OTHER, ORGANISER, ADMIN)
SIGNED_IN = ROLES[1:]
GROUPS = {"bank": (BANK_OWN, BANK_OTHER), "incubators": (INC_INVITED, INC_OTHER), "platform": (ORGANISER, ADMIN)}

ALLOW = "allow"
LOGIN = "login"
Outcome = str | int  # ALLOW, LOGIN, 401, 403 or 404

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def roles(signed_in: Outcome = ALLOW, *, anon: Outcome = LOGIN, **overrides: Outcome) -> dict[str, Outcome]:
    """Every role's outcome: ``signed_in`` for all signed-in roles, then the groups (bank, incubators,
    platform), then single roles override it."""
    out = {role: signed_in for role in SIGNED_IN}
    out[ANON] = anon
    unknown = set(overrides) - set(GROUPS) - set(SIGNED_IN)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    for group, members in GROUPS.items():
        if group in overrides:
            out.update(dict.fromkeys(members, overrides[group]))
    out.update({k: v for k, v in overrides.items() if k not in GROUPS})
    return out


def api_roles(signed_in: Outcome = ALLOW, **overrides: Outcome) -> dict[str, Outcome]:
    """As ``roles`` for the JSON API: no token is 401 (public API routes, such as the OpenAPI
    document, use ``roles(ALLOW, anon=ALLOW)``)."""
    return roles(signed_in, anon=401, **overrides)


@dataclass(frozen=True)
class Ref:
    """A form or query value taken from the seeded world (an object key, as in ``args``)."""

    key: str


@dataclass(frozen=True)
class Secret:
    """Something a page may hold that only ``readers`` may read: the bank's private judgement, a confidential
    need's hidden text. The World plants it (``kind:object``, see ``World.plant`` in the test) and names the
    text that shows it; every role the row lets in (ALLOW) must find that text in the answer exactly when it is
    one of the ``readers``, so the row proves both that the secret shows and to whom."""

    key: str
    readers: frozenset[str]


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    expect: Mapping[str, Outcome]
    args: Mapping[str, str] = field(default_factory=dict)  # path argument → object key
    form: Mapping[str, Any] | None = None  # form body (HTML routes); values may be Refs
    json: Any = None  # JSON body (API routes); top-level values may be Refs
    query: Mapping[str, Any] = field(default_factory=dict)  # query string; values may be Refs
    cast: Mapping[str, str] = field(default_factory=dict)  # role → email of who plays it here
    secrets: tuple[Secret, ...] = ()  # what the answer may show only to some of the roles it lets in

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def label(self) -> str:
        objects = ",".join(self.args.values())
        cast = ",".join(f"{role}={email.split('@')[0]}" for role, email in self.cast.items())
        secrets = ",".join(secret.key.partition(":")[0] for secret in self.secrets)
        return (
            f"{self.method} {self.rule}"
            + (f" [{objects}]" if objects else "")
            + (f" ({cast})" if cast else "")
            + (f" {{{secrets}}}" if secrets else "")
        )


# The objects the rows are tested on: the sensitive ones.
INTERNAL = "need:data-governance-tooling"  # published, internal: bank staff only (Strategy & Research)
DRAFT = "need:corporate-ap-automation"  # a Shanghai Branch draft
IN_REVIEW = "need:sme-invoice-financing"  # Transaction Banking's, in review
WITHDRAWN = "need:branch-queue-analytics"  # Shanghai Branch's, withdrawn
INVITED = "need:mpc-blockchain-cryptography"  # published, invited incubators only (Zhangjiang), algo lab's
CONFIDENTIAL = "need:medical-insurance-fraud-detection"  # public, with confidentiality terms (Risk Management)
MISSING = "missing"
PNP_STARTUP = "startup:only:plug-and-play"
ZJ_STARTUP = "startup:only:zhangjiang-incubator"
SHARED_CANDIDATE = "candidate:mpc-blockchain-cryptography/ruilian-data"  # roadshow; Zhangjiang lists the startup
# The bank's private suggestion of a Zhangjiang startup: never shared with Zhangjiang.
PRIVATE_CANDIDATE = "candidate:iot-collateral-monitoring/lianche-sensing"
INVITATION = "candidate:healthcare-ecosystem-it/shengmai-cloud"  # invited; Zhangjiang lists the startup
DECK = "deck:mpc-blockchain-cryptography/ruilian-data"
# Zhangjiang's nomination of a startup that Plug and Play lists as well (the World adds that listing, as an
# import once did): a nomination is the nominating incubator's alone (security review, finding 1).
NOMINATED = "colisted:education-ecosystem-it/quadworks"
NOMINATED_DECK = "colisted-deck:education-ecosystem-it/quadworks"
NOMINATED_NEED = "need:education-ecosystem-it"
# An invitation to the internal need of a startup only Zhangjiang lists, shared with Zhangjiang: made before the
# service refused such invitations (security review, finding 11); the World writes the row directly.
HIDDEN_INVITATION = f"hidden-invitation:{INTERNAL.partition(':')[2]}"
# Zhangjiang's startup after Plug and Play imported a file naming it and its website: the import made Plug and
# Play a separate profile and no listing, so nothing of Zhangjiang's became Plug and Play's (finding 1).
IMPORTED_OVER = "imported-over:zhangjiang-incubator"
EVENT = "event"
PITCHING_STARTUP = "startup:ruilian-data"  # Zhangjiang's, pitching for the MPC need at the day
MPC_PITCH = "pitch:mpc-blockchain-cryptography"
ZJ_BATCH = "batch:zhangjiang-incubator"
ZJ_ORG = "org:zhangjiang-incubator"
NOTIFICATION = "notification"
TOKEN = "token"
FEED = "feed"
FORGED_FEED = "feed:forged"
STALE_FEED = "feed:stale"

TRADE = "trade@bank.example.com"

# Outcomes that recur: who may see a need (and so reach its sub-routes at all).
SEES_INTERNAL = dict(incubators=404)  # published internal: every bank unit, no incubator
SEES_DRAFT = dict(bank_other=404, incubators=404)  # the owning unit and the platform only
SEES_INVITED = dict(inc_other=404)  # published, invited: every bank unit and Zhangjiang
SEES_EVENT = dict(bank_other=404, inc_other=404)  # the algo lab (MPC judges), Zhangjiang (invited), platform
SEES_SHARED = dict(bank_other=404, inc_other=404)  # the candidate's two sides and the platform
SEES_PRIVATE = dict(bank_other=404, incubators=404)  # the bank's side and the platform
OWN_BATCH = roles(404, inc_invited=ALLOW, platform=ALLOW)
PLATFORM_ONLY = roles(403, platform=ALLOW)

WITHDRAW = {"to": "withdrawn", "comment": "matrix", "note": "matrix"}
SHORTLIST = {"to": "shortlisted", "startup_id": Ref(ZJ_STARTUP)}
VOTE = {"startup_id": Ref(ZJ_STARTUP)}
NOMINATION = {"startup_id": Ref(ZJ_STARTUP), "note": "Fits the need: a matrix nomination."}
# API bodies that pass validation, so that what answers is the authorisation rule
API_NEED_NEW = {"title": "Matrix need", "summary": "A need written by the authorisation matrix."}
API_STARTUP_NEW = {"name": "Matrix Robotics", "description": "Robots the authorisation matrix writes."}
# A replacing edit (PUT) names the version it was read at; from an older one it is a 409 (finding 17), which is
# past authorisation like a 200.
API_NEED = {**API_NEED_NEW, "version": 1}
API_STARTUP = {**API_STARTUP_NEW, "version": 1}
API_SCORE = {"marks": {"fit": 4, "value": 4, "team": 4, "feasibility": 4}, "comment": "matrix"}
PUBLIC = roles(ALLOW, anon=ALLOW)


def _need_rows(method: str, rule: str, per_need: dict[str, dict[str, Outcome]], **extra) -> list[Row]:
    return [Row(method, rule, expect, {"need_id": need}, **extra) for need, expect in per_need.items()]


# Who may read what (the security review's findings 2, 4 and 6-9): rows whose answer must show a planted
# secret to its readers and to no other role it lets in. Objects: ``Secret`` keys the World plants.
CONFIDENTIAL_SLUG = CONFIDENTIAL.removeprefix("need:")
HIDDEN_WORD = "matrixhiddenword"  # planted in the confidential need's description: its hidden text
BANK = frozenset({BANK_OWN, BANK_OTHER})
PLATFORM = frozenset({ORGANISER, ADMIN})
HEALTH_STARTUP = "startup:shengmai-cloud"  # Zhangjiang's; the confidential need is among the needs that fit it
SECRET_ROWS: list[Row] = [
    # 2: the needs that fit a startup rank a confidential need only for those who may read its hidden text
    Row(
        "GET",
        "/startups/<int:startup_id>",
        roles(ALLOW),
        {"startup_id": HEALTH_STARTUP},
        secrets=(Secret(f"fit:{CONFIDENTIAL_SLUG}", PLATFORM),),
    ),
    Row(
        "GET",
        "/startups/<int:startup_id>",
        roles(ALLOW),
        {"startup_id": HEALTH_STARTUP},
        secrets=(Secret(f"fit-accepted:{CONFIDENTIAL_SLUG}", PLATFORM | {INC_INVITED}),),
    ),
    # 4: text search reads a confidential description only for those who may read it (Zhangjiang accepted)
    Row(
        "GET",
        "/needs/",
        roles(ALLOW),
        query={"q": HIDDEN_WORD},
        secrets=(Secret(f"hidden-text:{CONFIDENTIAL_SLUG}", BANK | PLATFORM | {INC_INVITED}),),
    ),
    Row(
        "GET",
        "/api/v1/needs",
        api_roles(ALLOW),
        query={"q": HIDDEN_WORD},
        secrets=(Secret(f"hidden-text:{CONFIDENTIAL_SLUG}", BANK | PLATFORM | {INC_INVITED}),),
    ),
    # 6 and 9: votes and the review history on a need's page are the bank's (the review its unit's) and the
    # platform's; Zhangjiang sees the page and the pipeline card the vote sits on
    *_need_rows(
        "GET",
        "/needs/<int:need_id>",
        {INVITED: roles(ALLOW, **SEES_INVITED)},
        secrets=(
            Secret("vote:mpc-blockchain-cryptography/ruilian-data", BANK | PLATFORM),
            Secret("review:mpc-blockchain-cryptography", PLATFORM | {BANK_OWN}),
        ),
    ),
    # 7: a refused nomination names the need's stage only to the side the candidate was shared with
    Row(
        "POST",
        "/needs/<int:need_id>/nominate",
        roles(403, incubators=ALLOW),
        {"need_id": NOMINATED_NEED},
        form={
            "startup_id": Ref(f"colisted-startup:{NOMINATED.partition(':')[2]}"),
            "note": "Fits the need: nominated again by the matrix.",
        },
        secrets=(Secret(f"stage:{NOMINATED.partition(':')[2]}", frozenset({INC_INVITED})),),
    ),
    # 8: a candidate's history shows the startup's side only what happened once it was shared
    Row(
        "GET",
        "/candidates/<int:candidate_id>",
        roles(ALLOW, **SEES_SHARED),
        {"candidate_id": SHARED_CANDIDATE},
        secrets=(
            Secret(f"pre-share-note:{SHARED_CANDIDATE.partition(':')[2]}", (PLATFORM | {BANK_OWN})),
            Secret(f"post-share-note:{SHARED_CANDIDATE.partition(':')[2]}", (PLATFORM | {BANK_OWN}) | {INC_INVITED}),
        ),
    ),
    # 5: why the day could not be scheduled, told only to readers who may know of every pitch a reason names: a
    # reason about the IoT need's pitch (a startup Zhangjiang does not list) reaches the algo lab and the platform
    *(
        Row(
            "GET",
            rule,
            roles(ALLOW, **SEES_EVENT),
            {"event_id": EVENT},
            secrets=(Secret("schedule-reason:iot-collateral-monitoring", PLATFORM | {BANK_OWN}),),
        )
        for rule in ("/events/<int:event_id>", "/events/<int:event_id>/schedule/status")
    ),
    # 11: an invitation to the internal need (made before the rule) shows its title in no incubator's workspace,
    # and the bank declining it tells no incubator either (the title is in nobody's notifications)
    Row(
        "GET",
        "/workspace",
        roles(403, incubators=ALLOW),
        secrets=(Secret(f"hidden-invitation-title:{INTERNAL.partition(':')[2]}", frozenset()),),
    ),
    Row(
        "GET",
        "/notifications/",
        roles(ALLOW),
        secrets=(Secret(f"declined-hidden-invitation-title:{INTERNAL.partition(':')[2]}", frozenset()),),
    ),
]


ROWS: list[Row] = [
    # -- accounts -----------------------------------------------------------------------------
    Row("GET", "/login", roles(ALLOW, anon=ALLOW)),
    Row("POST", "/login", roles(ALLOW, anon=ALLOW), form={}),
    Row("POST", "/logout", roles(ALLOW)),
    # one's own password: no object, so no one else's
    Row("GET", "/account/password", roles(ALLOW)),
    Row("POST", "/account/password", roles(ALLOW), form={}),
    Row("POST", "/language", roles(ALLOW, anon=ALLOW), form={"locale": "en"}),
    # one's own profile: no id in the rule, so no one else's
    Row("GET", "/account", roles(ALLOW)),
    Row("POST", "/account", roles(ALLOW), form={"name": "Matrix Person", "locale": "en", "digest": "daily"}),
    # password reset: for anyone, the same answer whoever asks; a link that is not a real one changes nothing
    Row("GET", "/account/forgot", roles(ALLOW, anon=ALLOW)),
    Row("POST", "/account/forgot", roles(ALLOW, anon=ALLOW), form={"email": "staff@bank.example.com"}),
    Row("GET", "/account/reset", roles(ALLOW, anon=ALLOW), query={"token": "forged"}),
    Row("POST", "/account/reset", roles(ALLOW, anon=ALLOW), form={"token": "forged"}),
    Row("GET", "/account/tokens", roles(ALLOW)),
    Row("POST", "/account/tokens", roles(ALLOW), form={"name": "matrix"}),
    # someone else's token is not there at all, for the platform too
    Row("POST", "/account/tokens/<int:token_id>/revoke", roles(404, bank_own=ALLOW), {"token_id": TOKEN}),
    Row("GET", "/healthz", roles(ALLOW, anon=ALLOW)),
    Row("GET", "/readyz", roles(ALLOW, anon=ALLOW)),
    # -- JSON API: the document and its viewer are public ----------------------------------------
    Row("GET", "/api/v1/openapi.json", PUBLIC),
    Row("GET", "/api/v1/", PUBLIC),
    Row("GET", "/api/v1/swagger", PUBLIC),
    Row("GET", "/api/v1/oauth2-redirect.html", PUBLIC),
    # -- JSON API: needs (the same rules as the pages: an invisible need is 404) ---------------
    Row("GET", "/api/v1/needs", api_roles(ALLOW)),
    Row("POST", "/api/v1/needs", api_roles(ALLOW, incubators=403), json=API_NEED_NEW),
    *_need_rows(
        "GET",
        "/api/v1/needs/<int:need_id>",
        {
            INTERNAL: api_roles(ALLOW, **SEES_INTERNAL),
            DRAFT: api_roles(ALLOW, **SEES_DRAFT),
            IN_REVIEW: api_roles(ALLOW, **SEES_DRAFT),
            WITHDRAWN: api_roles(ALLOW, **SEES_DRAFT),
            INVITED: api_roles(ALLOW, **SEES_INVITED),
            CONFIDENTIAL: api_roles(ALLOW),  # incubators get the teaser
            MISSING: api_roles(404),
        },
    ),
    *_need_rows(
        "PUT",
        "/api/v1/needs/<int:need_id>",
        {
            INTERNAL: api_roles(ALLOW, bank_other=403, **SEES_INTERNAL),
            DRAFT: api_roles(ALLOW, **SEES_DRAFT),
            INVITED: api_roles(ALLOW, bank_other=403, inc_invited=403, **SEES_INVITED),
            WITHDRAWN: api_roles(ALLOW, bank_own=403, **SEES_DRAFT),
        },
        json=API_NEED,
    ),
    *_need_rows(
        "POST",
        "/api/v1/needs/<int:need_id>/status",
        {
            INTERNAL: api_roles(ALLOW, bank_other=403, **SEES_INTERNAL),
            DRAFT: api_roles(ALLOW, **SEES_DRAFT),
            INVITED: api_roles(ALLOW, bank_other=403, inc_invited=403, **SEES_INVITED),
        },
        json={"to": "withdrawn", "comment": "matrix"},
    ),
    *_need_rows(
        "POST",
        "/api/v1/needs/<int:need_id>/candidates",
        {
            INTERNAL: api_roles(ALLOW, bank_other=403, **SEES_INTERNAL),
            DRAFT: api_roles(ALLOW, **SEES_DRAFT),
            INVITED: api_roles(ALLOW, bank_other=403, inc_invited=403, **SEES_INVITED),
        },
        json={"startup_id": Ref(ZJ_STARTUP), "to": "shortlisted"},
    ),
    # -- JSON API: startups --------------------------------------------------------------------
    Row("GET", "/api/v1/startups", api_roles(ALLOW)),
    Row("POST", "/api/v1/startups", api_roles(ALLOW, bank=403), json=API_STARTUP_NEW),
    Row("GET", "/api/v1/startups/<int:startup_id>", api_roles(ALLOW), {"startup_id": PNP_STARTUP}),
    Row("GET", "/api/v1/startups/<int:startup_id>", api_roles(404), {"startup_id": MISSING}),
    Row(
        "PUT",
        "/api/v1/startups/<int:startup_id>",
        api_roles(403, inc_other=ALLOW, platform=ALLOW),
        {"startup_id": PNP_STARTUP},
        json=API_STARTUP,
    ),
    Row(
        "PUT",
        "/api/v1/startups/<int:startup_id>",
        api_roles(403, inc_invited=ALLOW, platform=ALLOW),
        {"startup_id": ZJ_STARTUP},
        json=API_STARTUP,
    ),
    Row("GET", "/api/v1/listings", api_roles(ALLOW)),
    # -- JSON API: the pipeline ----------------------------------------------------------------
    Row("GET", "/api/v1/candidates", api_roles(ALLOW)),
    Row(
        "GET",
        "/api/v1/candidates/<int:candidate_id>",
        api_roles(ALLOW, **SEES_SHARED),
        {"candidate_id": SHARED_CANDIDATE},
    ),
    Row(
        "GET",
        "/api/v1/candidates/<int:candidate_id>",
        api_roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": PRIVATE_CANDIDATE},
    ),
    Row(
        "POST",
        "/api/v1/candidates/<int:candidate_id>/moves",
        api_roles(ALLOW, **SEES_SHARED),
        {"candidate_id": SHARED_CANDIDATE},
        json={"to": "withdrawn", "note": "matrix"},
    ),
    Row(
        "POST",
        "/api/v1/candidates/<int:candidate_id>/moves",
        api_roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": PRIVATE_CANDIDATE},
        json={"to": "withdrawn", "note": "matrix"},
    ),
    Row("GET", "/api/v1/candidates/<int:candidate_id>", api_roles(ALLOW, **SEES_SHARED), {"candidate_id": NOMINATED}),
    Row(
        "POST",
        "/api/v1/candidates/<int:candidate_id>/moves",
        api_roles(ALLOW, **SEES_SHARED),
        {"candidate_id": NOMINATED},
        json={"to": "withdrawn", "note": "matrix"},
    ),
    Row(
        "GET",
        "/api/v1/candidates/<int:candidate_id>",
        api_roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": HIDDEN_INVITATION},
    ),
    Row(
        "POST",
        "/api/v1/candidates/<int:candidate_id>/moves",
        api_roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": HIDDEN_INVITATION},
        json={"to": "applied"},
    ),
    # -- JSON API: matchmaking days ------------------------------------------------------------
    Row("GET", "/api/v1/events", api_roles(ALLOW)),
    Row("GET", "/api/v1/events/<int:event_id>", api_roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    Row("GET", "/api/v1/events/<int:event_id>/pitches", api_roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    Row(
        "GET",
        "/api/v1/events/<int:event_id>/scores",
        api_roles(403, bank_own=ALLOW, platform=ALLOW, **SEES_EVENT),
        {"event_id": EVENT},
    ),
    *[
        Row(
            "PUT",
            "/api/v1/events/<int:event_id>/pitches/<int:pitch_id>/score",
            api_roles(403, bank_own=ALLOW, bank_other=other, inc_other=404),
            {"event_id": EVENT, "pitch_id": MPC_PITCH},
            json=API_SCORE,
            cast=cast,
        )
        for other, cast in ((404, {}), (403, {BANK_OTHER: TRADE}))
    ],
    # -- JSON API: portfolio imports -----------------------------------------------------------
    Row(
        "POST",
        "/api/v1/imports",
        api_roles(403, inc_invited=ALLOW, platform=ALLOW),
        query={"incubator_id": Ref(ZJ_ORG)},
        json=[],
    ),
    Row(
        "GET",
        "/api/v1/imports/<int:batch_id>",
        api_roles(404, inc_invited=ALLOW, platform=ALLOW),
        {"batch_id": ZJ_BATCH},
    ),
    # -- dashboards ---------------------------------------------------------------------------
    Row("GET", "/", roles(ALLOW)),
    Row("GET", "/dashboard/pipeline", PLATFORM_ONLY),
    Row("GET", "/dashboard/pipeline.csv", PLATFORM_ONLY),
    Row("GET", "/dashboard/pipeline.xlsx", PLATFORM_ONLY),
    # -- needs --------------------------------------------------------------------------------
    Row("GET", "/needs/", roles(ALLOW)),
    Row("GET", "/needs/new", roles(ALLOW, incubators=403)),
    Row("POST", "/needs/new", roles(ALLOW, incubators=403), form={}),
    *_need_rows(
        "GET",
        "/needs/<int:need_id>",
        {
            INTERNAL: roles(ALLOW, **SEES_INTERNAL),
            DRAFT: roles(ALLOW, **SEES_DRAFT),
            IN_REVIEW: roles(ALLOW, **SEES_DRAFT),
            WITHDRAWN: roles(ALLOW, **SEES_DRAFT),
            INVITED: roles(ALLOW, **SEES_INVITED),
            CONFIDENTIAL: roles(ALLOW),  # incubators see the teaser
            MISSING: roles(404),
        },
    ),
    *[
        row
        for method in ("GET", "POST")
        for row in _need_rows(
            method,
            "/needs/<int:need_id>/edit",
            {
                INTERNAL: roles(ALLOW, bank_other=403, **SEES_INTERNAL),
                DRAFT: roles(ALLOW, **SEES_DRAFT),
                INVITED: roles(ALLOW, bank_other=403, inc_invited=403, **SEES_INVITED),
                CONFIDENTIAL: roles(ALLOW, bank_other=403, incubators=403),
                WITHDRAWN: roles(ALLOW, bank_own=403, **SEES_DRAFT),  # no longer editable by its unit
            },
            form={} if method == "POST" else None,
        )
    ],
    *_need_rows(
        "POST",
        "/needs/<int:need_id>/status",
        {
            INTERNAL: roles(ALLOW, bank_other=403, **SEES_INTERNAL),
            DRAFT: roles(ALLOW, **SEES_DRAFT),
            INVITED: roles(ALLOW, bank_other=403, inc_invited=403, **SEES_INVITED),
        },
        form=WITHDRAW,
    ),
    *_need_rows(
        "POST",
        "/needs/<int:need_id>/clone",
        {
            INTERNAL: roles(ALLOW, **SEES_INTERNAL),
            DRAFT: roles(ALLOW, **SEES_DRAFT),
            INVITED: roles(ALLOW, inc_invited=403, **SEES_INVITED),
        },
    ),
    *_need_rows(
        "POST",
        "/needs/<int:need_id>/terms",
        {
            CONFIDENTIAL: roles(403, incubators=ALLOW),
            INVITED: roles(403, inc_invited=ALLOW, **SEES_INVITED),  # nothing to accept: a flash
            INTERNAL: roles(403, **SEES_INTERNAL),
        },
    ),
    # -- the pipeline -------------------------------------------------------------------------
    *_need_rows(
        "POST",
        "/needs/<int:need_id>/candidates",
        {
            INTERNAL: roles(ALLOW, bank_other=403, **SEES_INTERNAL),
            DRAFT: roles(ALLOW, **SEES_DRAFT),
            INVITED: roles(ALLOW, bank_other=403, inc_invited=403, **SEES_INVITED),
        },
        form=SHORTLIST,
    ),
    *_need_rows(
        "POST",
        "/needs/<int:need_id>/votes",
        {
            INTERNAL: roles(ALLOW, **SEES_INTERNAL),
            DRAFT: roles(ALLOW, **SEES_DRAFT),
            INVITED: roles(ALLOW, inc_invited=403, **SEES_INVITED),
        },
        form=VOTE,
    ),
    *[
        row
        for method in ("GET", "POST")
        for row in _need_rows(
            method,
            "/needs/<int:need_id>/nominate",
            {
                INVITED: roles(403, inc_invited=ALLOW, **SEES_INVITED),
                INTERNAL: roles(403, **SEES_INTERNAL),
                DRAFT: roles(403, **SEES_DRAFT),
            },
            form=NOMINATION if method == "POST" else None,
        )
    ],
    Row("GET", "/candidates/<int:candidate_id>", roles(ALLOW, **SEES_SHARED), {"candidate_id": SHARED_CANDIDATE}),
    Row("GET", "/candidates/<int:candidate_id>", roles(ALLOW, **SEES_PRIVATE), {"candidate_id": PRIVATE_CANDIDATE}),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/move",
        roles(ALLOW, **SEES_SHARED),
        {"candidate_id": SHARED_CANDIDATE},
        form=WITHDRAW,
    ),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/move",
        roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": PRIVATE_CANDIDATE},
        form=WITHDRAW,
    ),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/answer",
        roles(ALLOW, **SEES_SHARED),
        {"candidate_id": INVITATION},
        form={"answer": "accept"},
    ),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/answer",
        roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": PRIVATE_CANDIDATE},
        form={"answer": "accept"},
    ),
    Row(
        "GET",
        "/candidates/<int:candidate_id>/decks/<int:deck_id>",
        roles(ALLOW, **SEES_SHARED),
        {"candidate_id": SHARED_CANDIDATE, "deck_id": DECK},
    ),
    Row("GET", "/candidates/<int:candidate_id>", roles(ALLOW, **SEES_SHARED), {"candidate_id": NOMINATED}),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/move",
        roles(ALLOW, **SEES_SHARED),
        {"candidate_id": NOMINATED},
        form=WITHDRAW,
    ),
    Row(
        "GET",
        "/candidates/<int:candidate_id>/decks/<int:deck_id>",
        roles(ALLOW, **SEES_SHARED),
        {"candidate_id": NOMINATED, "deck_id": NOMINATED_DECK},
    ),
    # an invitation to a need no incubator may see reaches none, not even the one listing the startup (finding 11)
    Row("GET", "/candidates/<int:candidate_id>", roles(ALLOW, **SEES_PRIVATE), {"candidate_id": HIDDEN_INVITATION}),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/answer",
        roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": HIDDEN_INVITATION},
        form={"answer": "accept"},
    ),
    Row(
        "POST",
        "/candidates/<int:candidate_id>/move",
        roles(ALLOW, **SEES_PRIVATE),
        {"candidate_id": HIDDEN_INVITATION},
        form=WITHDRAW,
    ),
    Row("GET", "/workspace", roles(403, incubators=ALLOW)),
    # -- startups -----------------------------------------------------------------------------
    Row("GET", "/startups/", roles(ALLOW)),
    Row("GET", "/startups/new", roles(ALLOW, bank=403)),
    Row("POST", "/startups/new", roles(ALLOW, bank=403), form={}),
    Row("GET", "/startups/<int:startup_id>", roles(ALLOW), {"startup_id": PNP_STARTUP}),
    Row("GET", "/startups/<int:startup_id>", roles(404), {"startup_id": MISSING}),
    Row(
        "GET",
        "/startups/<int:startup_id>/edit",
        roles(403, inc_other=ALLOW, platform=ALLOW),
        {"startup_id": PNP_STARTUP},
    ),
    Row(
        "GET",
        "/startups/<int:startup_id>/edit",
        roles(403, inc_invited=ALLOW, platform=ALLOW),
        {"startup_id": ZJ_STARTUP},
    ),
    Row(
        "POST",
        "/startups/<int:startup_id>/edit",
        roles(403, inc_other=ALLOW, platform=ALLOW),
        {"startup_id": PNP_STARTUP},
        form={},
    ),
    Row(
        "POST",
        "/startups/<int:startup_id>/edit",
        roles(403, inc_invited=ALLOW, platform=ALLOW),
        {"startup_id": ZJ_STARTUP},
        form={},
    ),
    *[
        Row(
            method,
            "/startups/<int:startup_id>/edit",
            roles(403, inc_invited=ALLOW, platform=ALLOW),
            {"startup_id": IMPORTED_OVER},
            form={} if method == "POST" else None,
        )
        for method in ("GET", "POST")
    ],
    Row(
        "PUT",
        "/api/v1/startups/<int:startup_id>",
        api_roles(403, inc_invited=ALLOW, platform=ALLOW),
        {"startup_id": IMPORTED_OVER},
        json=API_STARTUP,
    ),
    Row("GET", "/startups/duplicates", PLATFORM_ONLY),
    Row("POST", "/startups/merge", PLATFORM_ONLY, form={"keep": Ref(PNP_STARTUP), "drop": Ref(PNP_STARTUP)}),
    # -- portfolio imports --------------------------------------------------------------------
    Row("GET", "/imports/new", roles(ALLOW, bank=403)),
    Row("POST", "/imports/new", roles(ALLOW, bank=403), form={}),
    Row("GET", "/imports/template.xlsx", roles(ALLOW, bank=403)),
    Row("GET", "/imports/<int:batch_id>", OWN_BATCH, {"batch_id": ZJ_BATCH}),
    Row("GET", "/imports/<int:batch_id>/mapping", OWN_BATCH, {"batch_id": ZJ_BATCH}),
    Row("POST", "/imports/<int:batch_id>/mapping", OWN_BATCH, {"batch_id": ZJ_BATCH}, form={}),
    Row("GET", "/imports/<int:batch_id>/status", OWN_BATCH, {"batch_id": ZJ_BATCH}),
    Row("GET", "/imports/<int:batch_id>/rejected.csv", OWN_BATCH, {"batch_id": ZJ_BATCH}),
    Row("POST", "/imports/<int:batch_id>/retry", OWN_BATCH, {"batch_id": ZJ_BATCH}),
    Row("POST", "/imports/<int:batch_id>/sectors", OWN_BATCH, {"batch_id": ZJ_BATCH}, form={}),
    # -- notifications ------------------------------------------------------------------------
    Row("GET", "/notifications/", roles(ALLOW)),
    Row("GET", "/notifications/<int:notification_id>", roles(404, bank_own=ALLOW), {"notification_id": NOTIFICATION}),
    Row("POST", "/notifications/read", roles(ALLOW)),
    Row("POST", "/notifications/settings", roles(ALLOW), form={"digest": "daily"}),
    # -- matchmaking days ---------------------------------------------------------------------
    Row("GET", "/events/", roles(ALLOW)),
    Row("GET", "/events/new", PLATFORM_ONLY),
    Row("POST", "/events/new", PLATFORM_ONLY, form={}),
    Row("GET", "/events/<int:event_id>", roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    # setting up is the platform's: 403 whether or not the event exists, so nothing is probed
    Row("GET", "/events/<int:event_id>/edit", PLATFORM_ONLY, {"event_id": EVENT}),
    Row("POST", "/events/<int:event_id>/edit", PLATFORM_ONLY, {"event_id": EVENT}, form={}),
    Row("POST", "/events/<int:event_id>/status", PLATFORM_ONLY, {"event_id": EVENT}, form={"to": "live"}),
    Row("POST", "/events/<int:event_id>/schedule", PLATFORM_ONLY, {"event_id": EVENT}),
    Row("GET", "/events/<int:event_id>/schedule/status", roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    Row("POST", "/events/<int:event_id>/pitches/refresh", PLATFORM_ONLY, {"event_id": EVENT}),
    Row(
        "POST",
        "/events/<int:event_id>/pitches/<int:pitch_id>/move",
        PLATFORM_ONLY,
        {"event_id": EVENT, "pitch_id": MPC_PITCH},
        form={"slot": "3"},
    ),
    Row(
        "POST",
        "/events/<int:event_id>/pitches/<int:pitch_id>/cancel",
        PLATFORM_ONLY,
        {"event_id": EVENT, "pitch_id": MPC_PITCH},
    ),
    Row(
        "POST",
        "/events/<int:event_id>/pitches/<int:pitch_id>/winner",
        PLATFORM_ONLY,
        {"event_id": EVENT, "pitch_id": MPC_PITCH},
    ),
    Row("GET", "/events/<int:event_id>/availability", roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    # A pitching startup's availability is its incubator's and the platform's (security review, finding 16).
    Row(
        "GET",
        "/events/<int:event_id>/availability",
        roles(ALLOW, bank_own=403, **SEES_EVENT),
        {"event_id": EVENT},
        query={"startup": Ref(PITCHING_STARTUP)},
    ),
    Row(
        "POST",
        "/events/<int:event_id>/availability",
        roles(ALLOW, **SEES_EVENT),
        {"event_id": EVENT},
        form={"slot": ["0"]},
    ),
    Row("GET", "/events/<int:event_id>/agenda", roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    Row("GET", "/events/<int:event_id>/agenda.ics", roles(ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    # judging: the MPC panel (the algo lab) only; trade@ sees the day through its IoT need but is no MPC judge
    Row("GET", "/events/<int:event_id>/score", roles(403, bank_own=ALLOW, **SEES_EVENT), {"event_id": EVENT}),
    *[
        Row(
            method,
            "/events/<int:event_id>/pitches/<int:pitch_id>/score",
            roles(403, bank_own=ALLOW, bank_other=other, inc_other=404),
            {"event_id": EVENT, "pitch_id": MPC_PITCH},
            form={} if method == "POST" else None,
            cast=cast,
        )
        for method in ("GET", "POST")
        for other, cast in ((404, {}), (403, {BANK_OTHER: TRADE}))
    ],
    Row(
        "GET",
        "/events/<int:event_id>/results",
        roles(403, bank_own=ALLOW, platform=ALLOW, **SEES_EVENT),
        {"event_id": EVENT},
        secrets=(Secret(f"judge-comment:{MPC_PITCH}", PLATFORM | {BANK_OWN}),),
    ),
    # the export holds the judges' marks and comments: the panel's bank unit and the platform only
    Row(
        "GET",
        "/events/<int:event_id>/results.csv",
        roles(403, bank_own=ALLOW, platform=ALLOW, **SEES_EVENT),
        {"event_id": EVENT},
        secrets=(Secret(f"judge-comment:{MPC_PITCH}", PLATFORM | {BANK_OWN}),),
    ),
    Row(
        "GET",
        "/events/<int:event_id>/results.xlsx",
        roles(403, bank_own=ALLOW, platform=ALLOW, **SEES_EVENT),
        {"event_id": EVENT},
    ),
    # the signed feed URL is the key: whoever holds it, signed in or not
    Row("GET", "/events/feeds/<token>.ics", roles(ALLOW, anon=ALLOW), {"token": FEED}),
    Row("GET", "/events/feeds/<token>.ics", roles(404, anon=404), {"token": FORGED_FEED}),
    # a real token from before its person reset the feed address: as dead as a forged one
    Row("GET", "/events/feeds/<token>.ics", roles(404, anon=404), {"token": STALE_FEED}),
    # everyone resets their own feed address (no object: only ever the signed-in person's)
    Row("POST", "/events/feeds/reset", roles(ALLOW)),
    # -- what each side may read on the pages it may open (security review, findings 2, 4 and 6-9) ------
    *SECRET_ROWS,
]

# Needs and startups visibility: the rows also run on PostgreSQL (everything runs on SQLite).
VISIBILITY_RULES = frozenset(
    {
        "/needs/<int:need_id>",
        "/needs/<int:need_id>/edit",
        "/needs/<int:need_id>/nominate",
        "/candidates/<int:candidate_id>",
        "/candidates/<int:candidate_id>/move",
        "/startups/<int:startup_id>",
        "/startups/<int:startup_id>/edit",
        "/api/v1/needs/<int:need_id>",
        "/api/v1/candidates/<int:candidate_id>",
        "/api/v1/candidates/<int:candidate_id>/moves",
        "/api/v1/startups/<int:startup_id>",
    }
)
