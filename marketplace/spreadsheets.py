"""What every spreadsheet we hand out (CSV or XLSX) must respect, whichever domain builds it."""

from __future__ import annotations


def neutralise_formula(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a control) is shown as text."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def spreadsheet_cell(value):
    """A value as a spreadsheet cell: strings neutralised, anything else (numbers, dates, None: an empty cell)
    kept. Headers are cells too: an uploaded file's header row comes back in the rejected-rows download."""
    return neutralise_formula(value) if isinstance(value, str) else value
