"""The password rule: long enough, not only digits, not the email's name, not a famous password."""

from __future__ import annotations

import pytest

from marketplace.accounts.services import check_password_policy, password_problems
from marketplace.core.errors import InvalidInput

pytestmark = pytest.mark.unit


def test_the_demo_password_passes():
    assert password_problems("demo-password-1", email="staff@bank.example.com") == []


def test_eleven_characters_are_too_few_and_twelve_enough():
    assert password_problems("violet-oak7") == ["Use at least 12 characters."]
    assert password_problems("violet-oak71") == []


def test_only_digits_are_refused_however_long():
    assert password_problems("4829104738291") == ["Use letters or symbols too, not only digits."]


def test_the_emails_local_part_is_refused_in_any_case():
    problems = password_problems("My-Li.Wei-2024-secret", email="li.wei@bank.example.com")

    assert problems == ["Do not put your email address in the password."]


def test_very_short_local_parts_are_not_checked():
    assert password_problems("gentle-harbour-li", email="li@bank.example.com") == []


@pytest.mark.parametrize("password", ["password1234", "Password1234", "QWERTY123456", "administrator"])
def test_common_passwords_are_refused(password):
    assert password_problems(password) == ["This password is one of the most common ones; choose another."]


def test_every_broken_rule_is_reported_at_once():
    problems = password_problems("12345678", email="x@y.example")

    assert problems == ["Use at least 12 characters.", "Use letters or symbols too, not only digits."]


def test_check_raises_invalid_input_on_the_password_field():
    with pytest.raises(InvalidInput) as caught:
        check_password_policy("123456789012", email="ops@bank.example.com")

    assert set(caught.value.errors) == {"password"}
    assert len(caught.value.errors["password"]) == 2  # only digits, and a common one
