"""How a stored profile reads to the ranking library."""

from __future__ import annotations

from marketplace.needs.models import Need
from marketplace.startups.models import Startup
from matching.types import Document


def _sector_words(values) -> tuple[str, ...]:
    return tuple(v.replace("_", " ") for v in values)


def startup_document(startup: Startup) -> Document:
    body = "\n".join(part for part in (startup.description, startup.customers) if part)
    return Document(
        id=startup.id,
        name=startup.name,
        summary=startup.products,
        body=body,
        tags=tuple(startup.tags),
        categories=_sector_words(startup.sectors),
    )


def need_document(need: Need) -> Document:
    scenarios = "; ".join(need.scenarios)
    body = "\n".join(part for part in (need.description, scenarios) if part)
    return Document(
        id=need.id,
        name=need.title,
        summary=need.summary,
        body=body,
        tags=tuple(need.technology_tags),
        categories=_sector_words(need.sector_tags),
    )
