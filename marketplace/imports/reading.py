"""Reading an uploaded portfolio: the file's kind by its content, text encodings, rows as dicts.

CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX, JSON (a list of objects) and JSON Lines.

Files are read as a stream, row by row, never whole (security review finding 10: a 16 MiB CSV of
8 million rows and a 429 KB workbook unpacking to 3 million rows each took minutes and gigabytes).
Whoever reads says how many rows it will take (``max_rows``) and reading stops one row past it;
CSV is decoded and split as it goes (csv over a text wrapper), JSON Lines line by line, a JSON list
element by element (json's own decoder), a workbook through openpyxl's read-only mode after every
member's unpacked size has been checked against the caps below.

Messages are English templates marked for the catalogue (``N_``); ``imports.services`` translates
them for the person who uploaded the file (``UnreadableFile.message`` and ``.params``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from marketplace.imports.enums import FileKind

MB = 2**20
# More columns than this and a file is refused: nobody maps a thousand columns, and each row costs its width.
MAX_COLUMNS = 1000
# A CSV line longer than this is refused before the csv module splits it (its cells would all be kept).
MAX_LINE_CHARS = MB
# Empty rows skipped without complaint, at least (else as many as the row limit): a sheet whose used range
# runs a million rows below the data would otherwise be read to the end.
MIN_BLANK_ROWS = 1000
# Unpacked sizes allowed in a workbook, checked in the ZIP directory before anything is unpacked (zipfile
# never unpacks a member past its declared size). Worksheets are read as a stream; the shared strings are
# kept in memory whole, and openpyxl parses every other part (styles, workbook, relationships) as one tree.
XLSX_SHEET_BYTES = 64 * MB
XLSX_STRINGS_BYTES = 16 * MB
XLSX_PART_BYTES = 2 * MB
XLSX_TOTAL_BYTES = 96 * MB

_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def N_(message: str) -> str:
    """Marks an English template for the catalogue; it is translated where it is shown."""
    return message


class UnreadableFile(ValueError):
    """The file itself cannot be read (not a supported kind, broken, empty or too big).

    ``message`` is an English template with %(name)s fields, ``params`` their values; str() is the
    English text (the worker's log, the command line)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class TooManyRows(UnreadableFile):
    def __init__(self, limit: int) -> None:
        super().__init__(
            N_("The file has more than %(limit)d rows; the limit is %(limit)d. Split it into smaller files."),
            limit=limit,
        )
        self.limit = limit


@dataclass(frozen=True)
class Table:
    kind: FileKind
    headers: list[str]
    rows: list[dict[str, str]]  # header → cell text, in file order


@dataclass
class RowStream:
    """A file being read: its kind, its headers and its rows (header → cell text), one at a time.

    For CSV and XLSX the headers are known before the first row; a JSON record may name a field
    the ones before it did not, so for JSON the list is complete once the rows have been read."""

    kind: FileKind
    headers: list[str]
    rows: Iterator[dict[str, str]]


@dataclass(frozen=True)
class Scan:
    """What the upload step keeps: kind, headers and how many rows (at most the limit)."""

    kind: FileKind
    headers: list[str]
    total_rows: int
    preview: list[dict[str, str]] = field(default_factory=list)


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
        raise UnreadableFile(N_("This is a ZIP archive but not an Excel workbook (.xlsx)."))
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith(b"["):
        return FileKind.JSON
    if head.startswith(b"{"):
        return FileKind.JSONL
    if b"\x00" in data[:4096]:
        raise UnreadableFile(N_("This looks like a binary file, not CSV, XLSX or JSON."))
    return FileKind.CSV


def encoding_of(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK) as Chinese CRMs export.

    The whole file is checked, a megabyte at a time, without keeping the text."""
    view = memoryview(data)
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(view), MB):
                decoder.decode(view[start : start + MB])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile(N_("The text is neither UTF-8 nor GBK/GB18030."))


def decode_text(data: bytes) -> str:
    return data.decode(encoding_of(data))


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


# -- the kinds, each a stream of raw rows or records ----------------------------------------------


def _csv_lines(data: bytes) -> Iterator[list[str]]:
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding_of(data), newline="")
    try:
        dialect = csv.Sniffer().sniff(text.read(4096), delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    text.seek(0)
    # Only the delimiter is guessed: quoting is Excel's (the sniffer's guesses strip apostrophes
    # around a value and undouble quotes). newline="" keeps line breaks inside quotes and reads
    # old Mac files (\r only).
    reader = csv.reader(_bounded_lines(text), delimiter=dialect.delimiter, skipinitialspace=dialect.skipinitialspace)
    while True:
        try:
            line = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over the csv module's size limit, e.g. after a quote never closed
            raise UnreadableFile(
                N_("The CSV cannot be read near line %(line)d: a cell is too long or a quote is not closed."),
                line=reader.line_num,
            ) from exc
        yield line


def _bounded_lines(text: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(text, 1):
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableFile(
                N_("Line %(line)d is longer than %(limit)d characters."), line=number, limit=MAX_LINE_CHARS
            )
        yield line


def check_unpacked_sizes(archive: zipfile.ZipFile) -> None:
    """Refuses a workbook that unpacks to more than we read, from the sizes in its ZIP directory."""
    from openpyxl.packaging.manifest import Manifest  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)
    from openpyxl.xml.functions import fromstring  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)

    types: dict[str, set[str]] = {}
    try:
        manifest = archive.getinfo("[Content_Types].xml")  # the entry openpyxl reads, should the name be there twice
    except KeyError:
        manifest = None
    if manifest is not None and manifest.file_size <= XLSX_PART_BYTES:
        try:
            for part in Manifest.from_tree(fromstring(archive.read(manifest))).Override:
                types.setdefault(part.PartName.lstrip("/"), set()).add(part.ContentType)
        except Exception:  # noqa: BLE001 - a broken manifest: every member gets the smallest cap; openpyxl says the rest
            types = {}
    total = 0
    for info in archive.infolist():
        role = types.get(info.filename, set())
        if role == {_WORKSHEET_TYPE} and not info.filename.endswith(".rels"):
            limit = XLSX_SHEET_BYTES
        elif role == {_STRINGS_TYPE}:
            limit = XLSX_STRINGS_BYTES
        else:
            limit = XLSX_PART_BYTES
        total += info.file_size
        if info.file_size > limit:
            raise UnreadableFile(
                N_(
                    "The workbook is too large once unpacked: %(part)s holds more than %(limit)d MB. "
                    "Split it into smaller files."
                ),
                part=info.filename[:80],
                limit=limit // MB,
            )
    if total > XLSX_TOTAL_BYTES:
        raise UnreadableFile(
            N_("The workbook is too large once unpacked: more than %(limit)d MB in all. Split it into smaller files."),
            limit=XLSX_TOTAL_BYTES // MB,
        )


def _xlsx_lines(data: bytes) -> Iterator[tuple]:
    from openpyxl import load_workbook  # noqa: PLC0415 (openpyxl: ~0.3 s, for workbooks only)

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_unpacked_sizes(archive)
        # Read-only: the sheet is parsed as it is iterated. Links to other workbooks are never read.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableFile(N_("The Excel workbook cannot be opened.")) from exc
    try:
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True)
        except Exception as exc:  # noqa: BLE001 - no sheet, or a broken one
            raise UnreadableFile(N_("The Excel workbook cannot be opened.")) from exc
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a broken sheet fails here, not when opening
                raise UnreadableFile(N_("The Excel workbook cannot be opened.")) from exc
            yield row[: MAX_COLUMNS + 1]
    finally:
        workbook.close()


def _json_records(kind: FileKind, data: bytes) -> Iterator:
    try:
        if kind == FileKind.JSON:
            yield from _json_list(decode_text(data))
            return
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding_of(data))
        for number, line in enumerate(text, 1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UnreadableFile(N_("The JSON is broken near line %(line)d."), line=number) from exc
                yield record
    except UnreadableFile:
        raise
    except json.JSONDecodeError as exc:
        raise UnreadableFile(N_("The JSON is broken near line %(line)d."), line=exc.lineno) from exc
    except (ValueError, RecursionError) as exc:  # an integer over 4300 digits; nesting deeper than the stack
        raise UnreadableFile(N_("The JSON nests too deeply or has a number too long to read.")) from exc


def _json_list(text: str) -> Iterator:
    """The elements of a JSON list, one at a time: json's decoder reads each element, this only
    steps over the brackets and commas between them."""
    decoder = json.JSONDecoder()
    at = _JSON_SPACE.match(text).end()
    if not text.startswith("[", at):
        decoder.decode(text)  # raises where it breaks; a valid document that is not a list:
        raise UnreadableFile(N_("The JSON must be a list of records."))
    at = _JSON_SPACE.match(text, at + 1).end()
    if text.startswith("]", at):
        decoder.decode(text)  # an empty list, or extra data after it
        return
    while True:
        value, at = decoder.raw_decode(text, at)
        yield value
        at = _JSON_SPACE.match(text, at).end()
        if text.startswith(",", at):
            at = _JSON_SPACE.match(text, at + 1).end()
        elif text.startswith("]", at) and _JSON_SPACE.match(text, at + 1).end() == len(text):
            return
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter or the end of the list", text, at)


# -- rows ------------------------------------------------------------------------------------------


def _filled(line) -> bool:
    return any(_cell(c) for c in line)


def _too_many_blank_rows(limit: int) -> UnreadableFile:
    return UnreadableFile(
        N_("The file has more than %(limit)d empty rows. Delete them and upload it again."), limit=limit
    )


def _too_many_columns() -> UnreadableFile:
    return UnreadableFile(N_("The file has more than %(limit)d columns."), limit=MAX_COLUMNS)


def _header(lines: Iterator, blank_limit: int | None) -> list[str]:
    """The first row with something in it names the columns; a blank name becomes "column N"."""
    for skipped, line in enumerate(lines):
        if blank_limit is not None and skipped > blank_limit:
            raise _too_many_blank_rows(blank_limit)
        if _filled(line):
            if len(line) > MAX_COLUMNS:  # a sheet's used range may run far right of its header: up to the last name
                line = list(line)
                while line and not _cell(line[-1]):
                    line.pop()
            if len(line) > MAX_COLUMNS:
                raise _too_many_columns()
            return [_cell(h) or f"column {i + 1}" for i, h in enumerate(line)]
    raise UnreadableFile(N_("The file has no rows."))


def _grid_rows(lines: Iterator, headers: list[str], blank_limit: int | None) -> Iterator[dict[str, str]]:
    width, blank = len(headers), 0
    for line in lines:
        if not _filled(line):
            blank += 1
            if blank_limit is not None and blank > blank_limit:
                raise _too_many_blank_rows(blank_limit)
            continue
        cells = [_cell(c) for c in line[:width]]
        yield dict(zip(headers, cells + [""] * (width - len(cells)), strict=True))


def _record_rows(records: Iterator, headers: list[str]) -> Iterator[dict[str, str]]:
    known = set(headers)
    count = 0
    for record in records:
        if not isinstance(record, dict):
            raise UnreadableFile(N_("Every JSON record must be an object with named fields."))
        for key in record:
            if str(key) not in known:
                if len(headers) >= MAX_COLUMNS:
                    raise _too_many_columns()
                headers.append(str(key))
                known.add(str(key))
        count += 1
        yield {str(k): _cell(v) for k, v in record.items()}
    if not count:
        raise UnreadableFile(N_("The file has no rows."))


def _limited(rows: Iterator[dict[str, str]], max_rows: int | None) -> Iterator[dict[str, str]]:
    for number, row in enumerate(rows, 1):
        if max_rows is not None and number > max_rows:
            raise TooManyRows(max_rows)
        yield row


def stream_table(data: bytes, *, max_rows: int | None = None) -> RowStream:
    """The file's rows as they are read; raises UnreadableFile with a message a person can act on.

    With ``max_rows``, reading stops at the row past it with TooManyRows (and past as many empty
    rows, at least MIN_BLANK_ROWS). What is wrong at the top of the file (its kind, encoding, a
    workbook's sizes, the header) is raised here, the rest while the rows are read."""
    if not data or data.isspace():
        raise UnreadableFile(N_("The file is empty."))
    kind = sniff(data)
    if kind in (FileKind.JSON, FileKind.JSONL):
        headers: list[str] = []
        return RowStream(kind, headers, _limited(_record_rows(_json_records(kind, data), headers), max_rows))
    blank_limit = None if max_rows is None else max(max_rows, MIN_BLANK_ROWS)
    lines = _csv_lines(data) if kind == FileKind.CSV else _xlsx_lines(data)
    headers = _header(lines, blank_limit)
    return RowStream(kind, headers, _limited(_grid_rows(lines, headers, blank_limit), max_rows))


def read_table(data: bytes, *, max_rows: int | None = None) -> Table:
    """Every row of a file in a list (the command line's import, tests); see stream_table."""
    stream = stream_table(data, max_rows=max_rows)
    rows = list(stream.rows)
    return Table(stream.kind, list(stream.headers), rows)


def scan_table(data: bytes, *, max_rows: int, preview: int = 5) -> Scan:
    """Reads a file through to count its rows, keeping only its headers and the first few rows."""
    stream = stream_table(data, max_rows=max_rows)
    shown: list[dict[str, str]] = []
    total = 0
    for row in stream.rows:
        total += 1
        if len(shown) < preview:
            shown.append(row)
    return Scan(stream.kind, list(stream.headers), total, shown)


def first_rows(data: bytes, count: int) -> list[dict[str, str]]:
    """The first rows of a file, reading no further."""
    return list(islice(stream_table(data).rows, count))
