"""An organisation's name in the reader's language: the one helper templates, forms and pages use."""

from __future__ import annotations

from flask_babel import get_locale


def org_name(org) -> str:
    """``name_zh`` for a Chinese reader when the organisation has one, else ``name``; "—" for none."""
    return org.display_name(str(get_locale() or "en")) if org is not None else "—"
