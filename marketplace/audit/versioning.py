"""Optimistic versions of edited records (needs and startups): the one rule for a lost update.

An edit names the version it was read at (the edit form's hidden field, the API's ``version``). The service
locks the record's row for its unit of work and reloads it (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
unit of work already holds the write lock, ``BEGIN IMMEDIATE``), so of two edits from the same version the first
commits and the second finds the row moved on: ``StaleEdit``, naming the fields the other edits changed, and
nothing is written. Every change that bumps a record's version writes exactly one audit row (of the ``actions``
given), so the newest ``current - read`` of them are the changes made since the version read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marketplace.audit.queries import latest_changes
from marketplace.core.db import db
from marketplace.core.errors import InvalidTransition

# Audit keys that describe a change but are not fields of the record.
_NOT_FIELDS = frozenset({"comment", "note"})


class StaleEdit(InvalidTransition):
    """The record changed since the version the edit was read at; nothing was saved.

    ``changed``: the fields the other changes touched (record field names, as the API spells them);
    ``read_version``: the version the edit named; ``current_version``: the record's version now."""

    def __init__(self, message: str, *, changed: list[str], read_version: int, current_version: int):
        super().__init__(message)
        self.changed = changed
        self.read_version = read_version
        self.current_version = current_version


def lock_current(obj: Any) -> None:
    """Reloads ``obj`` from its row and holds the row until the unit of work ends, so nobody changes it in between
    (PostgreSQL: ``FOR UPDATE``; SQLite: the unit of work holds the database's write lock already)."""
    db.session.refresh(obj, with_for_update=True)


def changed_since(obj: Any, read_version: int, *, entity: str, actions: tuple[str, ...]) -> list[str]:
    """The fields changed on ``obj`` after ``read_version`` (in the order of the record's audit rows)."""
    names: dict[str, None] = {}
    for event in reversed(latest_changes(entity, obj.id, actions=actions, count=obj.version - read_version)):
        for name in event.before or event.after or {}:
            if name not in _NOT_FIELDS:
                names[name] = None
    return list(names)


def check_version(
    obj: Any, expected_version: int | None, *, entity: str, actions: tuple[str, ...], message: Callable[..., str]
) -> None:
    """Raises StaleEdit when ``obj`` (locked and reloaded by ``lock_current`` in this unit of work) is no longer at
    ``expected_version``; None checks nothing (internal callers that edit what they just read).
    ``message(fields=, read=, current=)`` says so in the reader's language."""
    if expected_version is None or obj.version == expected_version:
        return
    changed = (
        changed_since(obj, expected_version, entity=entity, actions=actions) if expected_version < obj.version else []
    )
    raise StaleEdit(
        message(fields=", ".join(changed) or "—", read=expected_version, current=obj.version),
        changed=changed,
        read_version=expected_version,
        current_version=obj.version,
    )
