"""XLSX workbooks as sheets of text: cells as Excel shows them, merged ranges filled in.

The workbook is checked first (`xlsx_bounds`: zip members, each sheet's real extent, merged
ranges, cell sizes), then read by openpyxl in read-only (streaming) mode, which never builds
an object per covered cell of a merged range. Read-only worksheets do not expose merged ranges,
so the fill comes from the ranges `scan_sheet` found: each covered cell takes its range's
top-left value.
"""

import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from geo.core.errors import SourceError
from geo.pipeline.ingest.records import IngestWarning
from geo.pipeline.ingest.sheet import Cell, Row, Sheet
from geo.pipeline.ingest.xlsx_bounds import (
    MAX_CELL_CHARS,
    Merge,
    SheetExtent,
    cell_too_long,
    check_container,
    scan_sheet,
)

_ZERO_FORMAT_RE = re.compile(r"0+")
_EMPTY = Cell("")  # shared: a sheet is mostly empty cells


def read_xlsx(path: Path, raw: bytes) -> tuple[list[Sheet], list[IngestWarning]]:
    """Every worksheet of a workbook, and the reader's warnings; `SourceError` if corrupt or
    beyond the limits of `xlsx_bounds`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sheets = _read_workbook(path, raw)
    reader_warnings = [
        IngestWarning("reader_warning", f"{path.name}: {warning.message}") for warning in caught
    ]
    return sheets, reader_warnings


def _read_workbook(path: Path, raw: bytes) -> list[Sheet]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            check_container(path, archive)
            # data_only: formulas as last computed by Excel.
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                return [
                    _read_sheet(path, archive, worksheet)
                    for worksheet in workbook.worksheets
                    if isinstance(worksheet, ReadOnlyWorksheet)
                ]
            finally:
                workbook.close()
    except (SourceError, MemoryError):
        raise
    # A corrupt workbook surfaces as whatever zipfile, zlib, the XML parser or openpyxl met
    # first (BadZipFile, KeyError, ValueError, EOFError, ...): all mean the same to ops.
    except Exception as exc:
        raise SourceError(
            f"{path}: the workbook is corrupt or not a valid .xlsx ({type(exc).__name__}: {exc})",
            path=str(path),
        ) from None


def _read_sheet(path: Path, archive: zipfile.ZipFile, worksheet: ReadOnlyWorksheet) -> Sheet:
    member = getattr(worksheet, "_worksheet_path", None)  # where openpyxl itself reads it
    if not isinstance(member, str):
        raise SourceError(f"{path}: cannot locate sheet {worksheet.title!r}", path=str(path))
    with archive.open(member.lstrip("/")) as source:
        extent = scan_sheet(path, worksheet.title, source)
    if not extent.rows or not extent.columns:
        return Sheet(worksheet.title, ())
    rows: Any = worksheet  # the stubs type iter_rows for Worksheet only
    cells = rows.iter_rows(min_row=1, max_row=extent.rows, max_col=extent.columns)
    return Sheet(worksheet.title, tuple(_rows(path, worksheet.title, cells, extent)))


def _rows(
    path: Path, sheet: str, rows: Iterable[Sequence[Any]], extent: SheetExtent
) -> Iterable[Row]:
    """Rows 1..extent.rows, each `extent.columns` wide, covered cells filled from merges."""
    pending = sorted(extent.merges, key=lambda merge: merge.min_row)
    next_merge = 0
    active: list[tuple[Merge, Cell]] = []
    for number, row_cells in enumerate(_padded(rows, extent.rows), start=1):
        cells = [
            _cell(path, sheet, cell, number, column) for column, cell in enumerate(row_cells, 1)
        ]
        cells += [_EMPTY] * (extent.columns - len(cells))
        active = [(merge, fill) for merge, fill in active if merge.max_row >= number]
        while next_merge < len(pending) and pending[next_merge].min_row == number:
            merge = pending[next_merge]
            next_merge += 1
            top_left = f"{get_column_letter(merge.min_col)}{merge.min_row}"
            active.append((merge, Cell(cells[merge.min_col - 1].text, merged_from=top_left)))
        covered: dict[int, str] = {}
        for merge, fill in active:
            for column in range(merge.min_col, merge.max_col + 1):
                if column in covered:
                    raise SourceError(
                        f"{path}: sheet {sheet!r}: merged ranges {covered[column]} and "
                        f"{merge.ref} overlap; unmerge them and save again",
                        path=str(path),
                    )
                covered[column] = merge.ref
                if (number, column) != (merge.min_row, merge.min_col):
                    cells[column - 1] = fill
        yield Row(number, tuple(cells))


def _padded(rows: Iterable[Sequence[Any]], count: int) -> Iterable[Sequence[Any]]:
    """openpyxl stops at the last row the XML holds; a merged range may reach further."""
    seen = 0
    for row in rows:
        seen += 1
        yield row
    yield from [()] * (count - seen)


def _cell(path: Path, sheet: str, cell: Any, row: int, column: int) -> Cell:
    value = cell.value
    if value is None:
        return _EMPTY
    if type(value) is str:  # the common case, first
        if len(value) > MAX_CELL_CHARS:
            raise cell_too_long(path, sheet, f"{get_column_letter(column)}{row}", len(value))
        return Cell(value) if value else _EMPTY
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    text = _excel_text(value, cell.number_format if is_number else "General")
    if len(text) > MAX_CELL_CHARS:
        raise cell_too_long(path, sheet, f"{get_column_letter(column)}{row}", len(text))
    return Cell(text) if text else _EMPTY


def _excel_text(value: object, number_format: str) -> str:
    """A cell value as the text Excel shows: 13800000000.0 → "13800000000", dates as ISO.

    >>> _excel_text(13800000000.0, "General"), _excel_text(7318888888, "00000000000")
    ('13800000000', '07318888888')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        digits = str(int(value))
        # A zero-padding format ("00000000000") is how sheets keep a phone's leading 0.
        if _ZERO_FORMAT_RE.fullmatch(number_format) and value >= 0:
            return digits.zfill(len(number_format))
        return digits
    if isinstance(value, datetime):
        if value.time() == time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
