"""Hostile and careless input files for scripts/build_index.py, generated as real files.

Each workbook starts as a small real list written by openpyxl; its sheet XML is then edited the
way a bomb (or a careless program) would write it. Placeholder names and addresses only.
"""

import io
import os
import zipfile
from pathlib import Path

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"


def small_workbook(rows: int = 3) -> bytes:
    """A valid list of `rows` points (sheet 名单), as openpyxl writes it."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名单"
    sheet.append(["序号", "单位名称", "地址", "联系电话"])
    for number in range(1, rows + 1):
        sheet.append([number, f"示例县公安局{number}", "长春市九台区示例街1号", "0431-2000005"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def edit_sheet(raw: bytes, old: bytes, new: bytes) -> bytes:
    files = members(raw)
    assert old in files[SHEET], old
    files[SHEET] = files[SHEET].replace(old, new, 1)
    return rezip(files)


def merge_bomb() -> bytes:
    """5 KB that declares one merged range of 17 billion cells."""
    return edit_sheet(
        small_workbook(),
        b"</sheetData>",
        b'</sheetData><mergeCells count="1"><mergeCell ref="D3:XFD1048576"/></mergeCells>',
    )


def far_cell(ref: str, *, value: bool = True) -> bytes:
    """One more cell far out (with a value, or only a style), the dimension claiming it all."""
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<c r="{ref}" t="inlineStr"><is><t>x</t></is></c>' if value else f'<c r="{ref}" s="0"/>'
    raw = edit_sheet(
        small_workbook(), b"</sheetData>", f'<row r="{row}">{cell}</row></sheetData>'.encode()
    )
    files = members(raw)
    sheet = files[SHEET]
    start = sheet.index(b"<dimension ref=")
    end = sheet.index(b"/>", start) + 2
    files[SHEET] = sheet[:start] + f'<dimension ref="A1:{ref}"/>'.encode() + sheet[end:]
    return rezip(files)


def huge_cell(characters: int = 10_000_000) -> bytes:
    """A phone cell of 10 MB of incompressible hex digits, written inline as some programs do
    (openpyxl itself cuts text at Excel's 32,767 characters; a ratio check must not be what
    stops this one)."""
    digits = os.urandom(characters // 2).hex().encode()
    end = b"</is></c></row></sheetData>"
    return edit_sheet(
        small_workbook(2), b"<t>0431-2000005</t>" + end, b"<t>" + digits + b"</t>" + end
    )


def padded_member(padding: int, *, level: int = 1) -> bytes:
    """The sheet XML padded with `padding` spaces after the table (valid XML, tiny zipped)."""
    files = members(small_workbook())
    files[SHEET] = files[SHEET].replace(b"</worksheet>", b" " * padding + b"</worksheet>")
    return rezip(files, level=level)


def million_rows(rows: int = 1_000_000) -> bytes:
    """A real sheet of a header and `rows` numbered rows, written as Excel would store it."""
    files = members(small_workbook(0))
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>%d</t></is></c></row>'
        % (n, n, n, n, n)
        for n in range(2, rows + 2)
    )
    sheet = files[SHEET]
    end_of_header = sheet.index(b"</row>") + len(b"</row>")
    files[SHEET] = sheet[:end_of_header] + body + sheet[end_of_header:]
    return rezip(files, level=1)


def write(directory: Path, name: str, raw: bytes) -> Path:
    path = directory / name
    path.write_bytes(raw)
    return path
