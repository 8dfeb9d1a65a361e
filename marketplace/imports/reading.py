"""Reading an uploaded portfolio: the file's kind by its content, text encodings, rows as dicts.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX, JSON (a list of objects) and JSON Lines.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass

from marketplace.imports.enums import FileKind


class UnreadableFile(ValueError):
    """The file itself cannot be read (not a supported kind, broken, or empty)."""


@dataclass(frozen=True)
class Table:
    kind: FileKind
    headers: list[str]
    rows: list[dict[str, str]]  # header → cell text, in file order


def sniff(data: bytes) -> FileKind:
    """The file's kind from its first bytes, never from its name."""
    head = data[:2048].lstrip()
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return FileKind.XLSX
        except (zipfile.BadZipFile, NotImplementedError, ValueError):  # broken, unsupported, or names not UTF-8
            pass
        raise UnreadableFile("This is a ZIP archive but not an Excel workbook (.xlsx).")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith(b"["):
        return FileKind.JSON
    if head.startswith(b"{"):
        return FileKind.JSONL
    if b"\x00" in data[:4096]:
        raise UnreadableFile("This looks like a binary file, not CSV, XLSX or JSON.")
    return FileKind.CSV


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK) as Chinese CRMs export."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The text is neither UTF-8 nor GBK/GB18030.")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return str(value).replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL (JSON "\u0000", CSV)


def _from_records(kind: FileKind, records: list) -> Table:
    headers: list[str] = []
    rows = []
    for record in records:
        if not isinstance(record, dict):
            raise UnreadableFile("Every JSON record must be an object with named fields.")
        for key in record:
            if key not in headers:
                headers.append(str(key))
        rows.append({str(k): _cell(v) for k, v in record.items()})
    return Table(kind, headers, rows)


def _read_csv(data: bytes) -> Table:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # Only the delimiter is guessed: quoting is Excel's (the sniffer's guesses strip apostrophes
    # around a value and undouble quotes). newline="" keeps line breaks inside quotes and reads
    # old Mac files (\r only).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter,
                        skipinitialspace=dialect.skipinitialspace)
    try:
        lines = [row for row in reader]
    except csv.Error as exc:  # a cell over the csv module's size limit, e.g. after a quote never closed
        raise UnreadableFile(f"The CSV cannot be read near line {reader.line_num}: a cell is too long or a quote "
                             "is not closed.") from exc
    return _table_from_grid(FileKind.CSV, lines)


def _table_from_grid(kind: FileKind, grid: list[list]) -> Table:
    grid = [row for row in grid if any(_cell(c) for c in row)]
    if not grid:
        raise UnreadableFile("The file has no rows.")
    headers = [_cell(h) or f"column {i + 1}" for i, h in enumerate(grid[0])]
    rows = []
    for line in grid[1:]:
        cells = [_cell(c) for c in line] + [""] * (len(headers) - len(line))
        rows.append(dict(zip(headers, cells)))
    return Table(kind, headers, rows)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Read-only sheets are parsed lazily: a broken sheet fails here, not when opening.
        sheet = workbook.worksheets[0]
        grid = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableFile("The Excel workbook cannot be opened.") from exc
    return _table_from_grid(FileKind.XLSX, grid)


def read_table(data: bytes) -> Table:
    """Rows of an uploaded file; raises UnreadableFile with a message a person can act on."""
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    kind = sniff(data)
    if kind == FileKind.XLSX:
        return _read_xlsx(data)
    if kind == FileKind.CSV:
        return _read_csv(data)
    text = decode_text(data)
    try:
        if kind == FileKind.JSON:
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"The JSON is broken near line {exc.lineno}.") from exc
    except (ValueError, RecursionError) as exc:  # an integer over 4300 digits; nesting deeper than the stack
        raise UnreadableFile("The JSON nests too deeply or has a number too long to read.") from exc
    if not isinstance(records, list):
        raise UnreadableFile("The JSON must be a list of records.")
    if not records:
        raise UnreadableFile("The file has no rows.")
    return _from_records(kind, records)
