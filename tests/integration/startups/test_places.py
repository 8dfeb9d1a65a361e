"""A startup's place is stored once and read in the reader's language."""

from __future__ import annotations

import pytest

from marketplace.core.db import unit_of_work
from marketplace.startups.services import create_startup
from tests.conftest import ZJ_MANAGER
from tests.helpers import in_app, need_id, user

pytestmark = pytest.mark.integration


def test_a_place_written_in_chinese_is_kept_once_and_read_in_either_language(app, client, auth):
    with in_app(app):
        with unit_of_work():
            startup = create_startup(
                actor=user(ZJ_MANAGER),
                data={
                    "name": "Bund Ledger",
                    "city": "上海",
                    "country": "中国",
                    "sectors": ["education"],
                    "description": "Campus payment services for universities.",
                },
            )
        startup_id, stored = startup.id, (startup.city, startup.country)
    auth.login(ZJ_MANAGER)

    english = client.get(f"/startups/{startup_id}").get_data(as_text=True)
    client.post("/language", data={"locale": "zh_Hans"})
    chinese = client.get(f"/startups/{startup_id}").get_data(as_text=True)
    filters = client.get(f"/needs/{need_id(app, 'education-ecosystem-it')}").get_data(as_text=True)

    assert stored == ("Shanghai", "China")
    assert "Shanghai, China" in english
    assert "中国上海" in chinese
    assert '<option value="China">中国</option>' in filters and filters.count('value="China"') == 1
