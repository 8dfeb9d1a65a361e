"""Every role sees only what it should: the negative cases, on the real databases."""

from __future__ import annotations

import pytest

from tests.conftest import BANK_STAFF, PNP_MANAGER, ZJ_MANAGER
from tests.helpers import need_id, startup_listed_by

pytestmark = pytest.mark.integration

HIDDEN_FROM_INCUBATORS = [
    "data-governance-tooling",  # internal
    "corporate-ap-automation",  # draft
    "sme-invoice-financing",  # in review
    "branch-queue-analytics",  # withdrawn
]


@pytest.mark.parametrize("slug", HIDDEN_FROM_INCUBATORS)
def test_need_detail_hidden_from_incubator_is_404(app, client, auth, slug):
    auth.login(ZJ_MANAGER)

    response = client.get(f"/needs/{need_id(app, slug)}")

    assert response.status_code == 404


def test_invited_need_visible_only_to_invited_incubator(app, client, auth):
    mpc = need_id(app, "mpc-blockchain-cryptography")
    auth.login(ZJ_MANAGER)
    assert client.get(f"/needs/{mpc}").status_code == 200
    auth.logout()

    auth.login(PNP_MANAGER)

    assert client.get(f"/needs/{mpc}").status_code == 404


def test_need_list_for_incubator_omits_hidden_and_uninvited(app, client, auth):
    auth.login(PNP_MANAGER)

    page = client.get("/needs/?q=").get_data(as_text=True)

    assert "Education ecosystem" in page or "education" in page.lower()
    for slug in [*HIDDEN_FROM_INCUBATORS, "mpc-blockchain-cryptography"]:
        assert f'/needs/{need_id(app, slug)}"' not in page


def test_need_unknown_id_is_404(client, auth):
    auth.login(BANK_STAFF)

    assert client.get("/needs/999999").status_code == 404


def test_bank_staff_cannot_see_other_units_draft(app, client, auth):
    auth.login(BANK_STAFF)

    assert client.get(f"/needs/{need_id(app, 'corporate-ap-automation')}").status_code == 404


def test_bank_staff_sees_internal_published_need(app, client, auth):
    auth.login(BANK_STAFF)

    assert client.get(f"/needs/{need_id(app, 'data-governance-tooling')}").status_code == 200


def test_bank_staff_edits_own_need(app, client, auth):
    auth.login(BANK_STAFF)

    assert client.get(f"/needs/{need_id(app, 'education-ecosystem-it')}/edit").status_code == 200


def test_bank_staff_cannot_edit_other_units_need(app, client, auth):
    other = need_id(app, "iot-collateral-monitoring")
    auth.login(BANK_STAFF)

    assert client.get(f"/needs/{other}/edit").status_code == 403
    response = client.post(f"/needs/{other}/edit", data={"title": "Hijacked title", "summary": "x" * 20})

    assert response.status_code == 403
    assert "Hijacked title" not in client.get(f"/needs/{other}").get_data(as_text=True)


def test_bank_staff_cannot_submit_other_units_need(app, client, auth):
    auth.login(BANK_STAFF)

    response = client.post(f"/needs/{need_id(app, 'iot-collateral-monitoring')}/status", data={"to": "closed"})

    assert response.status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
def test_incubator_cannot_post_needs(client, auth, method):
    auth.login(ZJ_MANAGER)

    response = getattr(client, method)("/needs/new", data={"title": "A need", "summary": "From an incubator"})

    assert response.status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
def test_bank_staff_cannot_add_startups(client, auth, method):
    auth.login(BANK_STAFF)

    response = getattr(client, method)("/startups/new", data={"name": "Sneaky"})

    assert response.status_code == 403


def test_bank_staff_cannot_edit_startup(app, client, auth):
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(BANK_STAFF)

    assert client.get(f"/startups/{startup}/edit").status_code == 403
    assert client.post(f"/startups/{startup}/edit", data={"name": "Renamed"}).status_code == 403


def test_incubator_cannot_edit_startup_it_does_not_list(app, client, auth):
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(PNP_MANAGER)

    assert client.get(f"/startups/{startup}/edit").status_code == 403
    response = client.post(f"/startups/{startup}/edit", data={"name": "Renamed by a rival"})

    assert response.status_code == 403
    assert "Renamed by a rival" not in client.get(f"/startups/{startup}").get_data(as_text=True)


def test_incubator_edits_startup_it_lists(app, client, auth):
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(ZJ_MANAGER)

    assert client.get(f"/startups/{startup}/edit").status_code == 200


def test_startup_contact_hidden_from_bank_staff(app, client, auth):
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(BANK_STAFF)

    page = client.get(f"/startups/{startup}").get_data(as_text=True)

    assert "@" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_startup_contact_shown_to_listing_incubator(app, client, auth):
    startup = startup_listed_by(app, "zhangjiang-incubator")
    auth.login(ZJ_MANAGER)

    page = client.get(f"/startups/{startup}").get_data(as_text=True)

    assert ".example&gt;" in page


@pytest.mark.parametrize("path", ["/", "/needs/", "/needs/1", "/needs/new", "/startups/", "/startups/1"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
