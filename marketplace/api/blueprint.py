"""The API's blueprint, its OpenAPI metadata, token authentication and problem+json answers.

Every operation of /api/v1 is registered on ``bp`` (flask-openapi3), so the OpenAPI document at
/api/v1/openapi.json is generated from the same pydantic models that validate the requests.
"""

from __future__ import annotations

from flask import g, jsonify, request
from flask_openapi3 import APIBlueprint, Info
from pydantic import ValidationError

from marketplace.accounts.models import User
from marketplace.accounts.tokens import stamp_last_use, user_for_secret
from marketplace.api.schemas import PROBLEM_JSON, Problem
from marketplace.audit.versioning import StaleEdit
from marketplace.core.db import best_effort
from marketplace.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from marketplace.core.extensions import csrf
from marketplace.core.validation import invalid_input

PREFIX = "/api/v1"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

INFO = Info(
    title="innomatch API",
    version="1.0.0",
    description=(
        "The JSON API of innomatch: needs, startups, listings, pipeline candidates, matchmaking events, "
        "pitches, scores and portfolio imports. Authenticate with a personal API token "
        "(Account → API tokens): `Authorization: Bearer <token>`. A read-only token may only GET. "
        "You see exactly what you see in the web interface: objects you may not know about answer 404. "
        "Errors are `application/problem+json` (RFC 9457)."
    ),
)
SECURITY_SCHEMES = {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token (imt_…)."}}


def problem_response(description: str) -> dict:
    """An OpenAPI response whose body is a Problem."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


COMMON_RESPONSES = {
    400: problem_response("The request could not be read (e.g. a broken multipart body)."),
    401: problem_response("No valid API token."),
    403: problem_response("The token is read-only, or your role may not do this."),
    422: problem_response("The request broke a rule; `errors` names each field."),
    429: problem_response("Too many requests; retry after the Retry-After header's seconds."),
}
NOT_FOUND = {404: problem_response("No such object, or not one you may see.")}
CONFLICT = {409: problem_response("The object changed or is in a state that does not allow this.")}

bp = APIBlueprint("api", __name__, url_prefix=PREFIX, abp_security=[{"bearer": []}], abp_responses=COMMON_RESPONSES)
csrf.exempt(bp)


def problem(status: int, title: str, detail: str = "", **extra):
    body = Problem(title=title, status=status, detail=detail or None, **extra).model_dump(exclude_none=True)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def validation_problem(exc: ValidationError):
    """flask-openapi3's validation_error_callback: a pydantic error as a 422 problem with per-field messages."""
    return problem(422, "Unprocessable Content", "Some input is not valid.", errors=invalid_input(exc).errors)


def api_user() -> User:
    return g.api_user


@bp.before_request
def _refuse_too_deep_json():
    """A JSON body nested past Python's recursion limit (about a thousand levels) is a 400 problem, not a
    RecursionError and a 500 wherever the body is read. The parsed body is cached for the view."""
    if request.content_length and request.is_json:
        try:
            request.get_json(silent=True)
        except RecursionError:
            return problem(400, "Bad Request", "The JSON body is nested too deeply.")
    return None


@bp.before_request
def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    found = None
    if scheme.lower() == "bearer":
        found = user_for_secret(secret.strip())
        if found is not None:
            token_id = found[1].id
            best_effort(lambda: stamp_last_use(token_id), "a token's last use")
    if found is None:
        response = problem(401, "Unauthorized", "Send a valid API token: Authorization: Bearer <token>.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="innomatch"'
        return response
    g.api_user, token = found
    if request.method not in READ_METHODS and not token.can_write:
        return problem(403, "Forbidden", "This token is read-only.")
    return None


@bp.errorhandler(PermissionDenied)
def _forbidden(_exc):
    return problem(403, "Forbidden", "Your role may not do this to this object.")


@bp.errorhandler(NotFound)
def _not_found(_exc):
    return problem(404, "Not Found")


@bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput):
    return problem(422, "Unprocessable Content", "Some input is not valid.", errors=exc.errors)


@bp.errorhandler(InvalidTransition)
def _conflict(exc: InvalidTransition):
    return problem(409, "Conflict", str(exc))


@bp.errorhandler(StaleEdit)
def _stale(exc: StaleEdit):
    """A replacing edit from an old version: 409, naming the fields changed since and the current version."""
    return problem(409, "Conflict", str(exc), changed=exc.changed, version=exc.current_version)
