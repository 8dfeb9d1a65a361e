"""Every page names our icon, so browsers stop asking for /favicon.ico (a 404 in the log per page)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration

ICON = re.compile(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">')


@pytest.mark.parametrize("path", ["/login", "/api/v1/swagger", "/api/v1/"])
def test_page_names_an_icon_that_is_served(client, path):
    page = client.get(path)
    hrefs = ICON.findall(page.get_data(as_text=True))

    assert page.status_code == 200
    assert len(hrefs) == 1
    icon = client.get(hrefs[0])
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg ")
