"""The lifecycle table: who may move a need from which status to which."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from marketplace.needs import lifecycle
from marketplace.needs.enums import NeedStatus as S
from marketplace.needs.lifecycle import deadline_passed, today

pytestmark = pytest.mark.unit

OWNER, PLATFORM = {lifecycle.OWNER}, {lifecycle.PLATFORM}


@pytest.mark.parametrize(
    ("frm", "to", "who", "ok"),
    [
        (S.DRAFT, S.IN_REVIEW, OWNER, True),
        (S.DRAFT, S.PUBLISHED, OWNER, False),
        (S.DRAFT, S.PUBLISHED, PLATFORM, False),  # never skips review
        (S.IN_REVIEW, S.PUBLISHED, OWNER, False),
        (S.IN_REVIEW, S.PUBLISHED, PLATFORM, True),
        (S.IN_REVIEW, S.DRAFT, PLATFORM, True),
        (S.PUBLISHED, S.CLOSED, OWNER, True),
        (S.CLOSED, S.PUBLISHED, OWNER, False),
        (S.CLOSED, S.PUBLISHED, PLATFORM, True),
        (S.WITHDRAWN, S.DRAFT, PLATFORM, False),
        (S.PUBLISHED, S.WITHDRAWN, OWNER, True),
    ],
)
def test_transitions(frm, to, who, ok):
    assert lifecycle.allowed(frm, to, who) is ok


def test_targets_in_order():
    assert lifecycle.targets(S.IN_REVIEW, PLATFORM) == [S.PUBLISHED, S.DRAFT, S.WITHDRAWN]
    assert lifecycle.targets(S.IN_REVIEW, OWNER) == [S.WITHDRAWN]
    assert lifecycle.targets(S.WITHDRAWN, OWNER | PLATFORM) == []


def test_withdrawing_and_sending_back_need_a_reason():
    assert (S.IN_REVIEW, S.DRAFT) in lifecycle.NEEDS_COMMENT
    assert (S.PUBLISHED, S.CLOSED) not in lifecycle.NEEDS_COMMENT


def test_deadline_passes_the_day_after_it():

    today = date(2026, 12, 4)
    assert [deadline_passed(d, today) for d in (date(2026, 12, 3), today, date(2027, 1, 1), None)] == [
        True,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_today_is_the_platforms_day_not_the_servers(zone):
    """On a UTC server, a Shanghai deadline that passed at midnight stayed open until 08:00."""

    app = Flask(__name__)
    app.config["EVENT_TIMEZONE"] = zone
    with app.app_context():
        found = today()

    assert found == datetime.now(ZoneInfo(zone)).date()  # Kiritimati (UTC+14) and Pago Pago (UTC-11) differ by a day
