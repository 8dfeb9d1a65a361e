"""Validation rules shared by forms, imports and the API."""

from __future__ import annotations

import pytest

from marketplace.core.errors import InvalidInput
from marketplace.core.list_queries import slugify
from marketplace.core.taxonomy import clean_tags
from marketplace.core.validation import validate
from marketplace.needs.models import NeedInput
from marketplace.startups.models import StartupInput

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a, b,,a", ["a", "b"]),
        ("区块链，隐私计算；MPC", ["区块链", "隐私计算", "MPC"]),
        (["x ", " y", ""], ["x", "y"]),
        (None, []),
    ],
)
def test_clean_tags(raw, expected):
    assert clean_tags(raw) == expected


def test_need_input_normalises_lists_and_email(babel_ctx):
    need = validate(
        NeedInput,
        {
            "title": "  Campus payments ",
            "summary": "Payments for campuses",
            "sector_tags": "Education",
            "contact_email": "Li@Bank.Example.com",
        },
    )

    assert need.title == "Campus payments"
    assert need.sector_tags == ["education"]
    assert need.contact_email == "Li@bank.example.com"


def test_need_input_reports_every_broken_field(babel_ctx):
    with pytest.raises(InvalidInput) as exc:
        validate(
            NeedInput,
            {"title": "x", "summary": "short", "sector_tags": ["space"], "budget_min_cny": -1, "pilot_horizon": "h9"},
        )

    assert exc.value.errors == {
        "title": ["Enter at least 5 characters."],
        "summary": ["Enter at least 10 characters."],
        "sector_tags": ["Unknown sector: space."],
        "budget_min_cny": ["Enter a number of at least 0."],
        "pilot_horizon": ["Choose one of the offered values."],
    }


def test_need_budget_order_is_a_field_error(babel_ctx):
    with pytest.raises(InvalidInput) as exc:
        validate(
            NeedInput,
            {"title": "Valid title", "summary": "Valid summary text", "budget_min_cny": 10, "budget_max_cny": 5},
        )

    assert exc.value.errors == {"budget_max_cny": ["The maximum budget is below the minimum."]}


def test_startup_input_rejects_future_founding_and_bad_numbers(babel_ctx):
    with pytest.raises(InvalidInput) as exc:
        validate(StartupInput, {"name": "Acme", "founded_year": 3000, "team_size": "many"})

    assert exc.value.errors == {
        "founded_year": ["The founding year cannot be in the future."],
        "team_size": ["Enter a whole number."],
    }


def test_startup_input_requires_name(babel_ctx):
    with pytest.raises(InvalidInput) as exc:
        validate(StartupInput, {"name": "  "})

    assert exc.value.errors == {"name": ["This field is required."]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smart Campus: Payments!", "smart-campus-payments"),
        ("教育生态", "jiao-yu-sheng-tai"),
        ("AI 风控 2.0", "ai-feng-kong-2-0"),
        ("Café Ørsted", "cafe-rsted"),
        ("！？", "need"),
    ],
)
def test_slugify(text, expected):
    assert slugify(text, "need") == expected


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "not a url at all",
        "ftp://files.example",
        "data:text/html,hi",
        "https://user@evil.example",
        "http://localhost",
        "https://",
    ],
)
def test_a_website_must_be_a_web_address(babel_ctx, website):
    """Security review, finding 15: these were stored (from forms, the API and imports) and used as links and
    for duplicate matching."""
    with pytest.raises(InvalidInput) as exc:
        validate(StartupInput, {"name": "Site Co", "website": website})

    assert "website" in exc.value.errors


@pytest.mark.parametrize(
    "website", ["https://quadworks.example", "campusledger.example/about", "http://a.b.cn/x?y=1", "例子.中国", ""]
)
def test_web_addresses_and_bare_hosts_are_kept_as_typed(babel_ctx, website):
    assert validate(StartupInput, {"name": "Site Co", "website": website}).website == website
