"""Domain errors raised by services; views and the API turn them into HTTP answers."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class PermissionDenied(DomainError):
    """The actor may see the object but may not do this to it (HTTP 403)."""


class NotFound(DomainError):
    """No such object, or the actor may not know it exists (HTTP 404)."""


class InvalidInput(DomainError):
    """Input broke a rule; ``errors`` maps a field name (or "" for the whole form) to messages."""

    def __init__(self, errors: dict[str, list[str]], codes: dict[str, list[tuple[str, dict]]] | None = None):
        super().__init__("; ".join(f"{k or 'form'}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        # Beside each message, its rule's code and parameters when the rule came from a schema
        # (validation.rule_message renders them again in another language).
        self.codes = codes or {}

    @property
    def messages(self) -> str:
        """Every message in one line, for a flash."""
        return "; ".join(m for ms in self.errors.values() for m in ms)


class InvalidTransition(DomainError):
    """A state change that the workflow does not allow from the current state."""
