"""innomatch: open-innovation matchmaking between bank units, incubators and startups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Builds the app from the environment; ``overrides`` (tests, tools) win over it (marketplace.app)."""
    # This file runs before every module of the package: importing the whole app here would make each of them
    # import every blueprint, and every blueprint imports this package.
    from marketplace.app import create_app as build  # noqa: PLC0415 (the package's __init__ runs first)

    return build(overrides)
