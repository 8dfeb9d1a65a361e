"""Pages of results in the API's one shape: items, page, per_page, total, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marketplace.core.list_queries import Page


def page_json(page: Page, convert: Callable[[Any], dict]) -> dict:
    return {
        "items": [convert(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }
