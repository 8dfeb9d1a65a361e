"""The budget rule: one parser for the need form, the API and imports."""

from __future__ import annotations

import pytest
from pydantic_core import PydanticCustomError

from marketplace.core.errors import InvalidInput
from marketplace.core.validation import parse_budget, validate
from marketplace.needs.models import NeedInput

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("500000", 500_000),
        ("500,000", 500_000),
        ("50万", 500_000),
        ("5,000元", 5_000),
        ("1.5万", 15_000),
        ("￥80,000", 80_000),
        ("¥ 80,000 元", 80_000),
        ("２亿", 200_000_000),
        ("CNY 1,200,000", 1_200_000),
        (" 30 万元 ", 300_000),
        (250000, 250_000),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_parse_budget_accepts_what_staff_write(raw, expected):
    assert parse_budget(raw) == expected


@pytest.mark.parametrize("raw", ["about 5万", "5,00", "1.5", "1.23456万", "50k", "5万万", "$500", "五十万", "1,5000"])
def test_parse_budget_refuses_other_text(raw):
    with pytest.raises(PydanticCustomError) as exc:
        parse_budget(raw)

    assert exc.value.type == "bad_budget"


def test_need_input_parses_both_budgets(babel_ctx):
    need = validate(
        NeedInput,
        {
            "title": "Campus payments",
            "summary": "Payments for campuses",
            "budget_min_cny": "50万",
            "budget_max_cny": "￥1,000,000",
        },
    )

    assert (need.budget_min_cny, need.budget_max_cny) == (500_000, 1_000_000)


def test_need_input_refuses_a_bad_budget_with_a_clear_message(babel_ctx):
    with pytest.raises(InvalidInput) as exc:
        validate(
            NeedInput,
            {
                "title": "Campus payments",
                "summary": "Payments for campuses",
                "budget_min_cny": "lots",
                "budget_max_cny": "2万",
            },
        )

    assert exc.value.errors == {"budget_min_cny": ["Enter an amount in yuan, e.g. 500000, 500,000, 50万 or 5,000元."]}


def test_need_input_keeps_the_budget_order_rule_for_parsed_amounts(babel_ctx):
    with pytest.raises(InvalidInput) as exc:
        validate(
            NeedInput,
            {
                "title": "Campus payments",
                "summary": "Payments for campuses",
                "budget_min_cny": "50万",
                "budget_max_cny": "5,000元",
            },
        )

    assert exc.value.errors == {"budget_max_cny": ["The maximum budget is below the minimum."]}
