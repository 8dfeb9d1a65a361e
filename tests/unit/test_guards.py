"""The view decorators: a rule checked before the view runs, and the object of the URL loaded and checked."""

from __future__ import annotations

import pytest

from marketplace.core.errors import NotFound, PermissionDenied
from marketplace.web import guards
from tests.factories import bank_staff, organiser

pytestmark = pytest.mark.unit

BANK = bank_staff(1)
ORGANISER = organiser(id=2)
THINGS = {7: {"id": 7, "owner": 1}}


def load(user, thing_id):
    return THINGS.get(thing_id)


def owns(user, thing):
    return thing["owner"] == user.organisation_id


@pytest.fixture
def as_user(monkeypatch):
    def sign_in(user):
        monkeypatch.setattr(guards, "current_user", user)

    return sign_in


def test_platform_only_refuses_before_the_view_runs(as_user):
    ran = []
    view = guards.platform_only(lambda: ran.append(True) or "ok")

    as_user(BANK)
    with pytest.raises(PermissionDenied):
        view()
    as_user(ORGANISER)

    assert view() == "ok"
    assert ran == [True]


def test_loads_hands_the_view_the_object_of_the_url(as_user):
    view = guards.loads("thing_id", load)(lambda thing, extra: (thing, extra))
    as_user(BANK)

    assert view(thing_id=7, extra="x") == (THINGS[7], "x")
    with pytest.raises(NotFound):
        view(thing_id=8, extra="x")


@pytest.mark.parametrize(("hide", "refused"), [(False, PermissionDenied), (True, NotFound)])
def test_loads_checks_the_object_rule(as_user, hide, refused):
    view = guards.loads("thing_id", load, check=owns, hide=hide, into="it")(lambda it: it["id"])

    as_user(BANK)
    assert view(thing_id=7) == 7
    as_user(ORGANISER)
    with pytest.raises(refused):
        view(thing_id=7)
    with pytest.raises(NotFound):  # not there: 404 before any rule
        view(thing_id=8)
