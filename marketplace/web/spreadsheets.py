"""What every spreadsheet we hand out (CSV or XLSX) must respect, whichever domain builds it."""

from __future__ import annotations

import csv
import io
import unicodedata


def neutralise_formula(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ (or a control) is shown as text."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def spreadsheet_cell(value):
    """A value as a spreadsheet cell: strings neutralised, anything else (numbers, dates, None: an empty cell)
    kept. Headers are cells too: an uploaded file's header row comes back in the rejected-rows download."""
    return neutralise_formula(value) if isinstance(value, str) else value


def _display_width(text: str) -> int:
    """Characters as a spreadsheet shows them: Chinese ones take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_csv(headers: list[str], rows: list[list]) -> str:
    """A table as CSV text, every cell neutralised, starting with a byte-order mark so Excel reads Chinese as
    UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_cell(h) for h in headers])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return "\ufeff" + out.getvalue()


def table_xlsx(
    title: str,
    headers: list[str],
    rows: list[list],
    *,
    text_columns: int = 1,
    max_text_width: int = 60,
    number_width: int = 14,
    freeze: str = "B2",
) -> bytes:
    """A table as an XLSX workbook, every cell neutralised: bold wrapped header row, frozen with the first
    column, the first ``text_columns`` sized to their text (up to ``max_text_width``), the others
    ``number_width``."""
    from openpyxl import Workbook  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([spreadsheet_cell(h) for h in headers])
    for row in rows:
        sheet.append([spreadsheet_cell(value) for value in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 48
    sheet.freeze_panes = freeze
    for column in range(1, sheet.max_column + 1):
        if column <= text_columns:
            longest = max((_display_width(str(row[column - 1] or "")) for row in rows), default=0)
            width = min(max(longest, 12), max_text_width) + 2
        else:
            width = number_width
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
