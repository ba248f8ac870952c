"""Hostile XLSX files built from a real export: zip bombs, entity tricks, damage.

Each builder takes a valid workbook (bytes) and returns a file that must be refused
with a plain Vietnamese SpreadsheetError, quickly, and without a traceback.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from knowledge.workbook.columns import TOPICS_SHEET

SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns='
              '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                    for i in range(1, 10))
          + "]>")
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def first_sheet(data: bytes) -> str:
    """The zip part of the topics sheet (the first one the import reads)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    sheet = re.search(rf'<sheet [^>]*name="{TOPICS_SHEET}"[^>]*/>', book)
    assert sheet is not None
    rid = re.search(r'r:id="([^"]+)"', sheet.group(0))
    assert rid is not None
    rel = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*/>', rels)
    assert rel is not None
    target = re.search(r'Target="/?(?:xl/)?([^"]+)"', rel.group(0))
    assert target is not None
    return "xl/" + target.group(1)


def rebuilt(data: bytes, name: str, write: Callable[[zipfile.ZipFile, str], None]) -> bytes:
    """``data`` with the part ``name`` written by ``write`` instead."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                write(dst, name)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


def _sheet_text(doctype: str, rows: str) -> str:
    return SHEET_HEAD.format(doctype=doctype) + rows + SHEET_TAIL


def zip_bomb_sheet(data: bytes, unpacked: int = 95 * 1024 * 1024) -> bytes:
    """A first sheet of ~95 MB of repetitive rows (a few hundred kB packed)."""
    def write(dst: zipfile.ZipFile, name: str) -> None:
        with dst.open(name, "w") as part:
            part.write(SHEET_HEAD.format(doctype="").encode())
            row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
            block = row * 10_000
            for _ in range(unpacked // len(block)):
                part.write(block)
            part.write(SHEET_TAIL.encode())
    return rebuilt(data, first_sheet(data), write)


def sparse_rows(data: bytes) -> bytes:
    """Two cells, one in row 1 and one in Excel's last row: a million empty rows."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Mã chủ đề</t></is></c></row>'
            '<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    return rebuilt(data, first_sheet(data),
                   lambda dst, name: dst.writestr(name, _sheet_text("", rows)))


def many_tiny_rows(data: bytes, count: int = 15_000) -> bytes:
    """Rows without coordinates (allowed by the format), each one cheap to pack."""
    rows = '<row><c t="inlineStr"><is><t> </t></is></c></row>' * count
    return rebuilt(data, first_sheet(data),
                   lambda dst, name: dst.writestr(name, _sheet_text("", rows)))


def billion_laughs(data: bytes) -> bytes:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    return rebuilt(data, first_sheet(data),
                   lambda dst, name: dst.writestr(name, _sheet_text(LAUGHS, rows)))


def external_entity(data: bytes) -> bytes:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    return rebuilt(data, first_sheet(data),
                   lambda dst, name: dst.writestr(name, _sheet_text(XXE, rows)))


def laughs_in_workbook(data: bytes) -> bytes:
    """The entity trick in xl/workbook.xml, read while the workbook is opened."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read("xl/workbook.xml").decode()
    text = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + LAUGHS, text, count=1)
    return rebuilt(data, "xl/workbook.xml", lambda dst, name: dst.writestr(name, text))


def broken_deep_inside(data: bytes) -> bytes:
    """Well-formed for a while, then broken: the sheet is parsed lazily, so the error
    comes while rows are being read, not when the workbook is opened."""
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 3000))
    return rebuilt(data, first_sheet(data), lambda dst, name: dst.writestr(
        name, _sheet_text("", rows + "<row><c><v>1</c></row>")))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def not_a_zip(data: bytes) -> bytes:
    return b"PK\x03\x04" + b"\x00" * 200


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    # name: (builder, words the refusal must contain)
    "zip bomb sheet": (zip_bomb_sheet, "quá lớn khi giải nén"),
    "a million empty rows": (sparse_rows, "quá nhiều dòng"),
    "15,000 tiny rows": (many_tiny_rows, "quá nhiều dòng hoặc ô"),
    "billion laughs": (billion_laughs, "tệp bị hỏng"),
    "external entity (XXE)": (external_entity, "tệp bị hỏng"),
    "billion laughs in workbook.xml": (laughs_in_workbook, "tệp bị hỏng"),
    "broken XML deep inside a sheet": (broken_deep_inside, "tệp bị hỏng"),
    "truncated": (truncated, "tệp bị hỏng"),
    "not a zip": (not_a_zip, "tệp bị hỏng"),
}
