"""Organisations are named in the reader's language wherever a page lists them, forms' choices included."""

from __future__ import annotations

import pytest

from tests.conftest import BANK_STAFF

pytestmark = pytest.mark.integration


def test_new_need_form_names_incubators_in_chinese_for_a_chinese_reader(client, auth):
    auth.login(BANK_STAFF)
    client.post("/language", data={"locale": "zh_Hans", "next": "/"})

    page = client.get("/needs/new").get_data(as_text=True)

    assert ">Plug and Play 中国</" in page
    assert ">Plug and Play</" not in page


def test_new_need_form_names_incubators_in_english_for_an_english_reader(client, auth):
    auth.login(BANK_STAFF)
    client.post("/language", data={"locale": "en", "next": "/"})

    page = client.get("/needs/new").get_data(as_text=True)

    assert ">Plug and Play</" in page
    assert "Plug and Play 中国" not in page
