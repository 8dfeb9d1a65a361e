"""Turn pydantic validation errors into translated, per-field messages."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from marketplace.core.errors import InvalidInput


def rule_error(kind: str, field: str = "", **ctx) -> PydanticCustomError:
    """A rule broken inside a validator; ``field`` names the field for whole-model rules."""
    return PydanticCustomError(kind, kind, {"field": field, **ctx})


def clean_text(value):
    """Text as the database can keep it: no NUL characters or unpaired surrogates, trimmed. Anything
    but text passes through for the schema's type check to reject."""
    if not isinstance(value, str):
        return value
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8").strip()


def check_email(value: str) -> str:
    if value is not None and not isinstance(value, str):
        return value  # the schema's type check rejects it
    value = clean_text(value or "")
    if not value:
        return ""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise rule_error("invalid_email") from None


_HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?\.)+"
    r"[a-z\u00a1-\uffff][a-z0-9\u00a1-\uffff-]{0,62}(:\d{1,5})?$",
    re.IGNORECASE,
)


def check_website(value: str) -> str:
    """A website: an http(s) address with a host, or a bare host ("example.com/about", kept as typed). Anything
    else (``javascript:``, text with spaces, another scheme) is refused: a website becomes a link, and it is
    what duplicate profiles are matched by."""
    if value is not None and not isinstance(value, str):
        return value  # the schema's type check rejects it
    value = clean_text(value or "")
    if not value:
        return ""
    parts = urlsplit(value if "://" in value else f"https://{value}")
    if (
        parts.scheme.lower() not in ("http", "https")
        or not _HOST.match(parts.netloc.rsplit("@", 1)[-1])
        or any(c.isspace() for c in value)
        or "@" in parts.netloc
    ):
        raise rule_error("bad_website")
    return value


_BUDGET_UNITS = {"": 1, "万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_BUDGET = re.compile(
    r"^(?:¥|cny|rmb)?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<unit>万|萬|亿|億)?(?:元|人民币|cny|rmb)?$",
    re.IGNORECASE,
)


def parse_budget(value):
    """An amount in yuan as bank staff write it: ``500000``, ``500,000``, ``50万``, ``1.5万``, ``5,000元``,
    ``￥80,000`` (full-width characters too). The one rule for forms, the API and imports. Blank is None; a whole
    number passes through (the schema checks its range); anything else that is not a whole number of yuan is
    refused with ``bad_budget``."""
    if value is None or isinstance(value, bool):
        return value  # the schema's type check rejects a bool
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return value
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    if not text:
        return None
    match = _BUDGET.match(text)
    if not match:
        raise rule_error("bad_budget")
    try:
        amount = Decimal(match["number"].replace(",", "")) * _BUDGET_UNITS[match["unit"] or ""]
    except InvalidOperation:
        raise rule_error("bad_budget") from None
    if amount != amount.to_integral_value():
        raise rule_error("bad_budget")
    return int(amount)


def _message(error: dict) -> str:
    return rule_message(error["type"], error.get("ctx") or {})


def rule_params(ctx: dict | None) -> dict:
    """A rule's parameters as stored with a code (text and numbers only), for rendering later."""
    return {k: v for k, v in (ctx or {}).items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}


def rule_message(kind: str, ctx: dict) -> str:
    """A broken rule's message in the reader's language, from its code and parameters: what validate raises,
    and what a stored code (an import's rejected row) renders as when someone reads it later."""
    messages = {
        "missing": lambda: _("This field is required."),
        "extra_forbidden": lambda: _("This field is not known here."),
        "list_type": lambda: _("Send a list of values."),
        "dict_type": lambda: _("Send an object of named values."),
        "bool_type": lambda: _("Send true or false."),
        "string_type": lambda: _("Send text."),
        "date_type": lambda: _("Enter a date as YYYY-MM-DD."),
        "string_too_short": lambda: (
            _("This field is required.")
            if ctx.get("min_length") == 1
            else _("Enter at least %(n)d characters.", n=ctx.get("min_length", 0))
        ),
        "string_too_long": lambda: _("Enter at most %(n)d characters.", n=ctx.get("max_length", 0)),
        "greater_than_equal": lambda: _("Enter a number of at least %(n)s.", n=ctx.get("ge")),
        "less_than_equal": lambda: _("Enter a number of at most %(n)s.", n=ctx.get("le")),
        "int_parsing": lambda: _("Enter a whole number."),
        "int_type": lambda: _("Enter a whole number."),
        "date_from_datetime_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
        "date_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
        "enum": lambda: _("Choose one of the offered values."),
        "invalid_email": lambda: _("Enter a valid email address."),
        "unknown_sector": lambda: _("Unknown sector: %(names)s.", names=ctx.get("names", "")),
        "budget_order": lambda: _("The maximum budget is below the minimum."),
        "bad_budget": lambda: _("Enter an amount in yuan, e.g. 500000, 500,000, 50万 or 5,000元."),
        "confidentiality_terms": lambda: _(
            "Write the confidentiality terms incubators must accept (at least 20 characters)."
        ),
        "day_order": lambda: _("The day must end after it starts."),
        "bad_break": lambda: _("Each break needs a start and an end inside the day, the end after the start."),
        "bad_link": lambda: _("Enter a web address starting with https:// or http://."),
        "bad_website": lambda: _("Enter the website as a web address, e.g. https://example.com."),
        "bad_rubric": lambda: _("Give 1 to 8 criteria, each a name and a weight from 1 to 100."),
        "bad_weights": lambda: _("Each weight is a number from 0 to 100."),
        "founded_in_future": lambda: _("The founding year cannot be in the future."),
        "invited_without_audience": lambda: _("Choose at least one incubator to invite."),
        "external_id_taken": lambda: _("This id is already used by another startup."),
    }
    build = messages.get(kind)
    return build() if build else _("This value is not valid.")


def invalid_input(exc: ValidationError) -> InvalidInput:
    """The messages per field, and beside them each rule's code and parameters (``InvalidInput.codes``) for
    whoever keeps the error to show it later in another reader's language."""
    errors: dict[str, list[str]] = {}
    codes: dict[str, list[tuple[str, dict]]] = {}
    for error in exc.errors():
        loc = error.get("loc") or ()
        field = str(loc[0]) if loc else (error.get("ctx") or {}).get("field", "")
        errors.setdefault(field, []).append(_message(error))
        codes.setdefault(field, []).append((error["type"], rule_params(error.get("ctx"))))
    return InvalidInput(errors, codes=codes)


def validate(schema, data: dict):
    """``schema.model_validate(data)``, raising InvalidInput with translated messages."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc) from None
