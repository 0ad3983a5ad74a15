"""XLSX workbooks as sheets of text: cells as Excel shows them, merged ranges filled in."""

import io
import re
import warnings
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo.core.errors import SourceError
from geo.pipeline.ingest.records import IngestWarning
from geo.pipeline.ingest.sheet import Cell, Row, Sheet

_ZERO_FORMAT_RE = re.compile(r"^0+$")


def read_xlsx(path: Path, raw: bytes) -> tuple[list[Sheet], list[IngestWarning]]:
    """Every worksheet of a workbook, and the reader's warnings; `SourceError` if corrupt."""
    # Not read_only: read-only worksheets do not expose merged ranges, and official lists
    # merge province/city/phone cells down many rows. data_only: formulas as last computed.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
        # A corrupt workbook surfaces as whatever zipfile, the XML parser or openpyxl met
        # first (BadZipFile, KeyError, ValueError, ...): all mean the same to ops.
        except Exception as exc:
            raise SourceError(
                f"{path}: the workbook is corrupt or not a valid .xlsx "
                f"({type(exc).__name__}: {exc})",
                path=str(path),
            ) from None
        sheets = [_worksheet_rows(sheet) for sheet in workbook.worksheets]
    reader_warnings = [
        IngestWarning("reader_warning", f"{path.name}: {warning.message}") for warning in caught
    ]
    return [sheet for sheet in sheets if sheet is not None], reader_warnings


def _worksheet_rows(sheet: object) -> Sheet | None:
    if not isinstance(sheet, Worksheet):
        return None
    max_row, max_column = sheet.max_row, sheet.max_column
    # (row, column) of every covered cell → its range's top-left, clipped to the used area.
    merged_origin: dict[tuple[int, int], tuple[int, int]] = {}
    for cell_range in sheet.merged_cells.ranges:
        origin = (cell_range.min_row, cell_range.min_col)
        for row in range(cell_range.min_row, min(cell_range.max_row, max_row) + 1):
            for column in range(cell_range.min_col, min(cell_range.max_col, max_column) + 1):
                merged_origin[(row, column)] = origin
    rows: list[Row] = []
    for row_cells in sheet.iter_rows(min_row=1, max_row=max_row, max_col=max_column):
        if not row_cells:
            continue
        row = row_cells[0].row or 0
        cells: list[Cell] = []
        for column, cell in enumerate(row_cells, start=1):
            covered_by = merged_origin.get((row, column))
            if covered_by is None or covered_by == (row, column):
                cells.append(Cell(_excel_text(cell.value, cell.number_format)))
            else:
                top_left = sheet.cell(*covered_by)
                cells.append(
                    Cell(
                        _excel_text(top_left.value, top_left.number_format),
                        merged_from=f"{get_column_letter(covered_by[1])}{covered_by[0]}",
                    )
                )
        rows.append(Row(row, tuple(cells)))
    return Sheet(sheet.title, tuple(rows))


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
        if _ZERO_FORMAT_RE.match(number_format) and value >= 0:
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
