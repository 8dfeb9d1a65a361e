"""What every spreadsheet we hand out (CSV or XLSX) must respect, whichever domain builds it."""

from __future__ import annotations


def neutralise_formula(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a control) is shown as text."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
