"""Every data row below a header accounted for: a `SourceRecord`, or a `RowIssue` saying why not.

Rows naming the same unit at the same address become one record that keeps every one of them
(`SourceRecord.same_unit_rows`): the official lists give an office line and an officer's mobile
on separate rows, and both are what families call.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from geo.core.errors import SourceError
from geo.core.phones import split_phones
from geo.core.text import fold_cell, fold_width, match_key
from geo.pipeline.ingest.header import HEADER_SEARCH_ROWS, Layout, field_for_header
from geo.pipeline.ingest.records import (
    PHONE_TEXT_SEPARATOR,
    IngestResult,
    IngestWarning,
    Reason,
    RowIssue,
    SheetSummary,
    SourceField,
    SourceRecord,
)
from geo.pipeline.ingest.sheet import Cell, Row, Sheet, has_own_content, origin, sheet_label

_NOTE_RE = re.compile(
    r"^(?:(?:注(?:意|释)?|备注|说明|附注|填表说明|制表人?|填表人|填报人|审核人?|联系人及电话"
    r"|数据来源|来源|更新(?:时间|日期)|统计(?:时间|日期)|截[至止](?:时间|日期)?)\s*[:\d(]"
    r"|合计|总计|小计|共计)"
)


@dataclass(frozen=True)
class _Line:
    """One data row padded to the header's width, with its cells normalised and as published."""

    sheet: str | None
    row: Row
    layout: Layout
    cells: tuple[Cell, ...]
    values: tuple[str, ...]  # `fold_cell` of each cell
    original: Mapping[str, str]  # every headed column, plus any cell beyond it holding text

    @classmethod
    def of(cls, sheet: str | None, row: Row, layout: Layout) -> "_Line":
        cells = row.cells + (Cell(""),) * (len(layout.labels) - len(row.cells))
        original = {
            layout.label(column): cell.text
            for column, cell in enumerate(cells)
            if column < len(layout.labels) or cell.text
        }
        return cls(sheet, row, layout, cells, tuple(fold_cell(c.text) for c in cells), original)

    def first(self, source_field: SourceField) -> str:
        """The value of the field's first column; "" when it is empty or has no column."""
        columns = self.layout.fields.get(source_field, ())
        return self.values[columns[0]] if columns else ""

    def first_text(self) -> str:
        """The first non-empty value (a row that has own content has one)."""
        return next(value for value in self.values if value)


_Refusal = tuple[Reason, str]


def _blank(line: _Line) -> _Refusal | None:
    if has_own_content(line.row):
        return None
    merged_in = [
        line.layout.label(column)
        for column, cell in enumerate(line.cells)
        if cell.merged_from and cell.text
    ]
    if any(line.values):
        return Reason.BLANK, f"only values merged down from rows above ({', '.join(merged_in)})"
    return Reason.BLANK, "every cell is empty"


def _note(line: _Line) -> _Refusal | None:
    text = line.first_text()
    if _NOTE_RE.match(text):
        return Reason.NOTE_ROW, f"a note, not a point: {text[:60]!r}"
    return None


def _repeated_header(line: _Line) -> _Refusal | None:
    name = field_for_header(line.first(SourceField.NAME))
    address = field_for_header(line.first(SourceField.ADDRESS))
    if name is SourceField.NAME and address is SourceField.ADDRESS:
        return Reason.REPEATED_HEADER, "the header row repeated"
    return None


def _section(line: _Line) -> _Refusal | None:
    filled = [(column, cell) for column, cell in enumerate(line.cells) if cell.text]
    origins = {origin(cell, column, line.row.number) for column, cell in filled}
    if len(origins) == 1 and len(filled) >= 2:
        return Reason.SECTION_ROW, f"one text merged across the row: {line.first_text()[:60]!r}"
    return None


def _missing(line: _Line) -> _Refusal | None:
    name, address = line.first(SourceField.NAME), line.first(SourceField.ADDRESS)
    if not name:
        also = " and address" if not address else ""
        filled = ", ".join(label for label, text in line.original.items() if fold_cell(text))
        return Reason.MISSING_NAME, f"no unit name{also}; filled: {filled}"
    if not address:
        return Reason.MISSING_ADDRESS, f"no address for {name!r}"
    return None


# In order: each check may rely on the ones before it having passed.
_CHECKS: tuple[Callable[[_Line], _Refusal | None], ...] = (
    _blank,
    _note,
    _repeated_header,
    _section,
    _missing,
)


def _refusal(line: _Line) -> _Refusal | None:
    """Why a data row is not a point: what the first check that fires says; None if none."""
    for check in _CHECKS:
        if (refusal := check(line)) is not None:
            return refusal
    return None


def _phones(line: _Line) -> tuple[list[str], tuple[str, ...], list[str]]:
    """The phone cells' texts, the numbers in them (office columns first, each once), notes."""
    fields = line.layout.fields
    phone_columns = sorted(
        fields.get(SourceField.OFFICE_PHONE, ()) + fields.get(SourceField.MOBILE, ())
    )
    texts: list[str] = []
    notes: list[str] = []
    found: dict[int, list[str]] = {}  # column → numbers in it
    seen_origins: set[str] = set()  # one cell merged across two phone columns is one text
    for column in phone_columns:
        cell = line.cells[column]
        cell_origin = origin(cell, column, line.row.number)
        if not cell.text.strip() or cell_origin in seen_origins:
            continue
        seen_origins.add(cell_origin)
        texts.append(cell.text)
        numbers = split_phones(cell.text)
        found[column] = [phone.display for phone in numbers]
        label = line.layout.labels[column]
        if not found[column] and any(ch.isdigit() for ch in fold_width(cell.text)):
            notes.append(f"{label}: no phone number recognised in {cell.text!r}")
        notes += [
            f"{label}: {p.tel.removeprefix('tel:0')} read as {p.display}"
            " (area code written without its 0)"
            for p in numbers
            if p.trunk_added
        ]
    phones: dict[str, None] = {}
    for source_field in (SourceField.OFFICE_PHONE, SourceField.MOBILE):
        for column in fields.get(source_field, ()):
            phones.update(dict.fromkeys(found.get(column, ())))
    return texts, tuple(phones), notes


def _record(line: _Line) -> SourceRecord:
    phone_texts, phones, notes = _phones(line)
    return SourceRecord(
        sheet=line.sheet,
        source_row=line.row.number,
        name=line.first(SourceField.NAME),
        address=line.first(SourceField.ADDRESS),
        contact=line.first(SourceField.CONTACT) or None,
        phone_text=PHONE_TEXT_SEPARATOR.join(phone_texts),
        phones=phones,
        province=line.first(SourceField.PROVINCE) or None,
        city=line.first(SourceField.CITY) or None,
        district=line.first(SourceField.DISTRICT) or None,
        original=line.original,
        merged={
            line.layout.label(column): cell.merged_from
            for column, cell in enumerate(line.cells)
            if cell.merged_from is not None
        },
        notes=tuple(notes),
    )


class _Accounting:
    """Turns the data rows of every sheet into records and issues, keeping cross-sheet state."""

    def __init__(self, reader_warnings: Sequence[IngestWarning]) -> None:
        self.records: list[SourceRecord] = []
        self.issues: list[RowIssue] = []
        self.warnings: list[IngestWarning] = list(reader_warnings)
        self.rows_read = 0
        # Unit name and address (as compared) -> position in `records` of its first row.
        self._first_by_key: dict[tuple[str, str], int] = {}

    def sheet(self, sheet: Sheet, layout: Layout) -> SheetSummary:
        data_rows = sheet.rows[layout.header_rows[-1] + 1 :]
        last = len(data_rows)
        while last and not has_own_content(data_rows[last - 1]):
            last -= 1
        for row in data_rows[:last]:
            self._row(_Line.of(sheet.name, row, layout))
        self.rows_read += last
        columns = {label: "extra" for label in layout.labels}
        for source_field, indexes in layout.fields.items():
            for index in indexes:
                columns[layout.labels[index]] = source_field.value
        for label in layout.extra_same_field:
            self.warnings.append(
                IngestWarning(
                    "duplicate_column",
                    f"{sheet_label(sheet.name)}: column {label!r} names a field an earlier "
                    "column already gives; it is kept only in `original`",
                )
            )
        if last == 0:
            self.warnings.append(
                IngestWarning("no_rows", f"{sheet_label(sheet.name)}: a header but no rows")
            )
        return SheetSummary(
            name=sheet.name,
            header_rows=tuple(sheet.rows[index].number for index in layout.header_rows),
            columns=columns,
            rows_read=last,
            trailing_blank_rows=len(data_rows) - last,
        )

    def skipped(self, sheet: Sheet) -> SheetSummary:
        filled = sum(1 for row in sheet.rows if has_own_content(row))
        reason = (
            "empty"
            if not filled
            else f"no recognisable header in the first {HEADER_SEARCH_ROWS} rows "
            f"({filled} non-blank rows not read)"
        )
        if filled:
            self.warnings.append(
                IngestWarning("skipped_sheet", f"{sheet_label(sheet.name)}: {reason}")
            )
        return SheetSummary(sheet.name, (), {}, 0, 0, skipped=reason)

    def _row(self, line: _Line) -> None:
        refusal = _refusal(line)
        if refusal is not None:
            self._issue(line, *refusal)
            return
        record = _record(line)
        key = (match_key(record.name), match_key(record.address))
        position = self._first_by_key.get(key)
        if position is None:
            self._first_by_key[key] = len(self.records)
            self.records.append(record)
            return
        # The same unit at the same address again (an officer's mobile on a second row, say):
        # one point, carrying this row too; nothing of it is dropped.
        first = self.records[position]
        self.records[position] = replace(first, same_unit_rows=(*first.same_unit_rows, record))

    def _issue(self, line: _Line, reason: Reason, detail: str) -> None:
        self.issues.append(RowIssue(line.sheet, line.row.number, reason, detail, line.original))

    def same_name_warnings(self) -> None:
        by_name: dict[str, list[SourceRecord]] = defaultdict(list)
        for record in self.records:
            by_name[match_key(record.name)].append(record)
        for group in by_name.values():
            if len(group) > 1:
                rows = ", ".join(str(record.ref) for record in group)
                self.warnings.append(
                    IngestWarning(
                        "same_name_different_address",
                        f"{group[0].name!r} appears with {len(group)} different addresses: "
                        f"{rows}; all kept",
                        tuple(record.ref for record in group),
                    )
                )


def account(
    path: Path,
    kind: str,
    encoding: str | None,
    sheets: Sequence[tuple[Sheet, Layout | None]],
    reader_warnings: Sequence[IngestWarning],
    *,
    sha256: str,
) -> IngestResult:
    """Every sheet's rows as records and issues; `SourceError` if no sheet has a header."""
    accounting = _Accounting(reader_warnings)
    summaries = [
        accounting.sheet(sheet, layout) if layout is not None else accounting.skipped(sheet)
        for sheet, layout in sheets
    ]
    if not any(summary.skipped is None for summary in summaries):
        described = "; ".join(f"{sheet_label(s.name)}: {s.skipped}" for s in summaries)
        raise SourceError(
            f"{path}: no sheet has a recognisable header (a name column such as 单位名称 or "
            f"采血点名称 and an address column such as 地址 or 详细地址): "
            f"{described or 'no sheets'}",
            path=str(path),
        )
    accounting.same_name_warnings()
    return IngestResult(
        path=str(path),
        format=kind,
        encoding=encoding,
        rows_read=accounting.rows_read,
        records=tuple(accounting.records),
        issues=tuple(accounting.issues),
        warnings=tuple(accounting.warnings),
        sheets=tuple(summaries),
        sha256=sha256,
    )
