"""Uploads built for the tests of how far a file is read (security review, finding 10).

Plain bytes on disk, independent of the reader under test: a workbook written with zipfile directly
(a few lines of XML, the sheet's rows repeated: three million compress to a few hundred KB) and a CSV
of millions of two-byte rows just under the upload limit.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MB = 2**20

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501
PARTS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Target="xl/workbook.xml" '
    f'Type="{DOC_RELS}/officeDocument"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
    '<sheet name="startups" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
    f'Target="worksheets/sheet1.xml" Type="{DOC_RELS}/worksheet"/></Relationships>',
}


def text_row(*cells: str) -> bytes:
    return b"<row>" + b"".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>'.encode() for c in cells) + b"</row>"


def workbook(
    path: Path,
    *,
    header: bytes = text_row("name", "website"),
    row: bytes = text_row("x", "x.example"),
    rows: int = 0,
    tail: bytes = b"",
    dimension: str | None = None,
    parts: dict[str, bytes] | None = None,
) -> Path:
    """An .xlsx written with zipfile: one sheet of a header and ``rows`` copies of ``row``, then ``tail``.

    The rows compress about a thousand to one: three million of them are a few hundred KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in {**PARTS, **(parts or {})}.items():
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>" + header)
            block = row * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(row * (rows % 10_000) + tail + b"</sheetData></worksheet>")
    return path


def zip_bomb(path: Path, rows: int = 3_000_000) -> Path:
    """The review's second file: a valid workbook of millions of rows, a few hundred KB on disk."""
    return workbook(path, header=text_row("name"), row=text_row("x"), rows=rows)


def huge_csv(path: Path, rows: int = 8 * MB - 80_000) -> Path:
    """The review's first file: two-byte rows up to the upload limit (16 MiB), then a last line that
    opens a quote it never closes and runs longer than the csv module takes."""
    path.write_bytes(b"name\n" + b"a\n" * rows + b'"' + b"x" * 140_000)
    return path
