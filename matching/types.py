"""The plain values the library takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """Something to be ranked: a startup profile (or, in the other direction, a need)."""

    id: int | str
    name: str
    body: str
    summary: str = ""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def header(self) -> str:
        """Name, one-liner and labels: the short text that says what this is."""
        parts = [self.name]
        if self.summary:
            parts.append(self.summary)
        labels = [*self.categories, *self.tags]
        if labels:
            parts.append(", ".join(labels))
        return ". ".join(p.strip().rstrip(".") for p in parts if p.strip()) + "."

    def full_text(self) -> str:
        return f"{self.header()}\n{self.body}".strip()


@dataclass(frozen=True)
class Filters:
    """Structured constraints applied before scores are fused."""

    exclude_ids: frozenset = frozenset()
    allowed_ids: frozenset | None = None


NO_FILTERS = Filters()
"""The filters that let everything through (the default of every search)."""


@dataclass(frozen=True)
class Match:
    id: int | str
    score: float
    components: dict = field(default_factory=dict)
