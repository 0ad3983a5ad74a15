"""What reading a source gives: records, issues with reason codes, warnings and sheet summaries."""

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from geo.core.text import match_key
from geo.record import PHONE_TEXT_SEPARATOR as PHONE_TEXT_SEPARATOR  # re-exported
from geo.record import Contact, Contacts, combine_contacts

POINT_ID_PREFIX = "pt-"


class SourceField(StrEnum):
    """What a source column holds."""

    SEQ = "seq"
    NAME = "name"
    ADDRESS = "address"
    CONTACT = "contact"
    OFFICE_PHONE = "office_phone"
    MOBILE = "mobile"
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


class Reason(StrEnum):
    """Why a row read from the source did not become a record."""

    BLANK = "blank"  # every cell empty (or only whitespace / invisible characters)
    MISSING_NAME = "missing_name"
    MISSING_ADDRESS = "missing_address"
    REPEATED_HEADER = "repeated_header"
    NOTE_ROW = "note_row"  # a footer such as "注：…", "填表人：…", "合计"
    SECTION_ROW = "section_row"  # one text merged across the row, e.g. a city heading


def point_id_for(name: str, address: str) -> str:
    """A stable point id: "pt-" and 12 hex digits of SHA-256 over the name's and address's keys.

    Re-publishing the same list gives the same ids, whatever the spacing, width or case, so a
    diff can match points across versions; a point whose name or address text changes gets a
    new id (and shows as removed plus added). 48 bits: a collision among 10,000 points has
    odds of about 1 in 6 million.

    >>> point_id_for("长沙市公安局刑侦支队", "长沙市天心区１号")
    'pt-95224c2148f5'
    >>> point_id_for(" 长沙市公安局 刑侦支队", "长沙市天心区1号")
    'pt-95224c2148f5'
    """
    joined = f"{match_key(name)}\x1f{match_key(address)}"
    return POINT_ID_PREFIX + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class RowRef:
    """Where a row is: its sheet (None for CSV) and the row number a person sees (1-based)."""

    sheet: str | None
    row: int

    def __str__(self) -> str:
        return f"row {self.row}" if self.sheet is None else f"sheet {self.sheet!r} row {self.row}"


@dataclass(frozen=True)
class SourceRecord:
    """One point as the source publishes it, normalised; `original` keeps every cell untouched.

    `phone_text` is the text of the non-empty phone cells in column order, joined by
    `PHONE_TEXT_SEPARATOR`; `phones` the numbers found in it, office columns first, each once.
    `merged` maps a column's header to the top-left cell of the merged range its value came
    from. `notes` says what a reader should know about the row (e.g. a phone cell with digits
    but no recognisable number).

    Later rows with the same unit name and address (after `match_key`) are not separate points:
    they are kept whole in `same_unit_rows`, and `rows` / `contacts()` give every row's contact,
    numbers and phone text, so one point carries them all.
    """

    sheet: str | None
    source_row: int
    name: str
    address: str
    contact: str | None
    phone_text: str
    phones: tuple[str, ...]
    province: str | None
    city: str | None
    district: str | None
    original: Mapping[str, str] = field(hash=False)
    merged: Mapping[str, str] = field(default_factory=dict, hash=False)
    notes: tuple[str, ...] = ()
    same_unit_rows: tuple["SourceRecord", ...] = ()  # later rows naming the same unit and address

    @property
    def ref(self) -> RowRef:
        return RowRef(self.sheet, self.source_row)

    @property
    def rows(self) -> tuple["SourceRecord", ...]:
        """This row and every later row of the same unit, in source order."""
        return (self, *self.same_unit_rows)

    def own_contact(self) -> Contact:
        """This row's own contact, numbers and phone text."""
        return Contact(self.contact, self.phones, self.phone_text, self.source_row, self.sheet)

    def contacts(self) -> Contacts:
        """Every row's contact (a row repeating an earlier one adds nothing) and the flat
        fields of the point they make."""
        return combine_contacts(row.own_contact() for row in self.rows)


def point_id(record: SourceRecord) -> str:
    """The stable id of a record: `point_id_for(record.name, record.address)`."""
    return point_id_for(record.name, record.address)


@dataclass(frozen=True)
class RowIssue:
    """A row that did not become a record: a machine-readable reason and a human detail."""

    sheet: str | None
    source_row: int
    reason: Reason
    detail: str
    original: Mapping[str, str] = field(hash=False)

    @property
    def ref(self) -> RowRef:
        return RowRef(self.sheet, self.source_row)


@dataclass(frozen=True)
class IngestWarning:
    """Something about the source a person should look at; the rows are still accounted for.

    Codes: `same_name_different_address`, `skipped_sheet`, `duplicate_column`, `no_rows`,
    `reader_warning` (a warning from the XLSX reader).
    """

    code: str
    detail: str
    refs: tuple[RowRef, ...] = ()


@dataclass(frozen=True)
class SheetSummary:
    """How one sheet (the whole file, for CSV) was read."""

    name: str | None
    header_rows: tuple[int, ...]  # one or two rows; empty when the sheet was skipped
    columns: Mapping[str, str] = field(hash=False)  # header → field, or "extra"
    rows_read: int
    trailing_blank_rows: int
    skipped: str | None = None  # why a sheet was not read


@dataclass(frozen=True)
class IngestResult:
    """Every row read from one source file, as a record or an issue."""

    path: str
    format: str  # "csv" or "xlsx"
    encoding: str | None  # the CSV encoding used; None for XLSX
    rows_read: int
    records: tuple[SourceRecord, ...]
    issues: tuple[RowIssue, ...]
    warnings: tuple[IngestWarning, ...]
    sheets: tuple[SheetSummary, ...]
    sha256: str  # of the file's bytes as read, so the manifest names exactly what was ingested

    def __post_init__(self) -> None:
        # The promise to ops: no row is ever lost between the source and the report.
        in_records = sum(len(record.rows) for record in self.records)
        if self.rows_read != in_records + len(self.issues):
            raise AssertionError(
                f"{self.path}: {self.rows_read} rows read but {in_records} in records "
                f"+ {len(self.issues)} issues"
            )

    def merged_rows(self) -> int:
        """Rows kept inside an earlier row's record (same unit and address)."""
        return sum(len(record.same_unit_rows) for record in self.records)

    def issue_counts(self) -> dict[str, int]:
        """Issues per reason code, most frequent first."""
        return dict(Counter(issue.reason.value for issue in self.issues).most_common())
