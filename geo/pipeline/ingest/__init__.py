"""Official lists of blood-collection points (CSV or XLSX, Chinese headers) read into records.

`read_source(path)` accounts for every row below a sheet's header: it becomes a `SourceRecord`
or a `RowIssue` with a reason code, so `rows_read == len(records) + len(issues)` always holds.
Rows above the header (a title such as "XX省公安机关免费采血点一览表", a note) and blank rows after
a sheet's last non-blank row are not data rows; `SheetSummary` says where the header was and
how many trailing blank rows were ignored. Row numbers are those a person sees: Excel's for
XLSX (with the sheet name), the record number for CSV (a quoted cell holding a line break does
not start a new row), both counting the header and title rows.

XLSX cells covered by a merged range (a province merged down many rows, one phone for two
points) take the range's top-left value, and the record's `merged` says so. Numbers come back
as Excel shows them (13800000000.0 → "13800000000"; a "00000000000" format keeps a leading
0), dates as ISO dates. Formulas are read as last computed by Excel; a workbook written by a
program that stored no computed values reads such cells as empty.

CSV encodings are not guessed statistically: the file is decoded strictly as UTF-8 with a BOM
(if it starts with one), else as UTF-8, else as GB18030 (a superset of GBK and GB2312), and the
first that decodes without error wins. Real Chinese text in GBK is practically never valid UTF-8,
while statistical detectors misname short GBK files (one such file reads as Korean cp949).
A file none of the three decodes, or that decodes but has no recognisable header, is refused
with a `SourceError` naming the file and the problem.
"""

import csv
import hashlib
import io
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo.core.errors import SourceError
from geo.core.phones import normalise_text, split_phones

CSV_DELIMITERS = (",", "\t", ";", "|")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 30  # a header below this many rows is not a header
# Joins the published text of several phone columns in `SourceRecord.phone_text`; it never
# occurs inside a phone number, so `split_phones` reads the joined text like the cells.
PHONE_TEXT_SEPARATOR = " | "
POINT_ID_PREFIX = "pt-"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # .xls, and also encrypted .xlsx
_ENCRYPTED_OOXML_STREAM = "EncryptionInfo".encode("utf-16-le")


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
    DUPLICATE = "duplicate"  # same normalised name and address as an earlier row
    REPEATED_HEADER = "repeated_header"
    NOTE_ROW = "note_row"  # a footer such as "注：…", "填表人：…", "合计"
    SECTION_ROW = "section_row"  # one text merged across the row, e.g. a city heading


# Header cell text (after `_header_key`) → field. Variants seen in provincial lists.
_HEADER_ALIASES: Mapping[SourceField, tuple[str, ...]] = {
    SourceField.SEQ: ("序号", "编号", "序", "no", "no.", "number"),
    SourceField.NAME: (
        "单位名称", "采血点名称", "采血点", "采血单位", "采血单位名称", "采血点单位",
        "采血点单位名称", "单位", "名称", "机构名称", "采血机构", "公安机关", "公安机关名称",
    ),
    SourceField.ADDRESS: (
        "地址", "详细地址", "采血点地址", "单位地址", "采血地址", "采血地点", "办公地址",
        "地点", "具体地址", "所在地址", "联系地址", "通讯地址", "采血点详细地址",
    ),
    SourceField.CONTACT: (
        "负责人", "联系人", "负责民警", "联系民警", "负责人姓名", "联系人姓名", "民警姓名",
        "责任民警", "采血民警", "责任人", "姓名",
    ),
    SourceField.OFFICE_PHONE: (
        "电话", "办公电话", "联系电话", "座机", "固定电话", "值班电话", "咨询电话",
        "办公室电话", "电话号码", "联系方式", "座机电话",
    ),
    SourceField.MOBILE: (
        "手机", "民警手机", "手机号", "手机号码", "移动电话", "负责人手机", "联系人手机",
        "民警手机号", "手机电话",
    ),
    SourceField.PROVINCE: ("省份", "省", "省区市", "省级", "所属省份", "省别"),
    SourceField.CITY: (
        "地市", "市", "城市", "地级市", "市州", "所属地市", "地区", "地州市", "州市",
    ),
    SourceField.DISTRICT: (
        "区县", "县区", "县", "区", "县市区", "区县市", "县区市", "所属区县", "区/县", "县/区",
    ),
}  # fmt: skip
_FIELD_BY_ALIAS: Mapping[str, SourceField] = {
    alias: source_field for source_field, aliases in _HEADER_ALIASES.items() for alias in aliases
}
# Fallback for header cells no alias names, tried in order on short cells only, so that a
# title row ("XX省免费采血点地址及电话一览表") is never taken for a header.
_HEADER_PATTERNS: tuple[tuple[re.Pattern[str], SourceField], ...] = (
    (re.compile(r"手机|移动电话"), SourceField.MOBILE),
    (re.compile(r"电话|座机|联系方式"), SourceField.OFFICE_PHONE),
    (re.compile(r"地址"), SourceField.ADDRESS),
    (re.compile(r"名称$"), SourceField.NAME),
    (re.compile(r"负责人|联系人|民警"), SourceField.CONTACT),
)
_HEADER_PATTERN_MAX_LENGTH = 10
_SINGLE_COLUMN_FIELDS = frozenset(SourceField) - {SourceField.OFFICE_PHONE, SourceField.MOBILE}
# A header cell such as "联系方式" may stand over several of these in a second header row.
_GROUP_FIELDS = frozenset({SourceField.CONTACT, SourceField.OFFICE_PHONE, SourceField.MOBILE})

_NOTE_RE = re.compile(
    r"^(?:(?:注(?:意|释)?|备注|说明|附注|填表说明|制表人?|填表人|填报人|审核人?|联系人及电话"
    r"|数据来源|来源|更新(?:时间|日期)|统计(?:时间|日期)|截[至止](?:时间|日期)?)\s*[:\d(]"
    r"|合计|总计|小计|共计)"
)
# Control and format characters that survive NFKC (zero-width spaces, BOMs, bidi marks);
# tab, newline and the other whitespace controls are kept and collapsed to one space.
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_WHITESPACE_RE = re.compile(r"\s+")
_BRACKETED_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕")
_ZERO_FORMAT_RE = re.compile(r"^0+$")


def normalise_cell(text: str) -> str:
    """NFKC (full-width digits, letters, punctuation), no invisible characters, one space.

    >>> normalise_cell(" 长沙市\\u3000天心区\\n１２３号\\u200b ")
    '长沙市 天心区 123号'
    """
    text = _INVISIBLE_RE.sub("", normalise_text(text))
    return _WHITESPACE_RE.sub(" ", text).strip()


def match_key(text: str) -> str:
    """What two cells must share to be the same: normalised, no spaces, case-folded.

    >>> match_key("ＸＸ县公安局 刑侦大队") == match_key("xx县公安局刑侦大队")
    True
    """
    return normalise_cell(text).replace(" ", "").casefold()


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

    @property
    def ref(self) -> RowRef:
        return RowRef(self.sheet, self.source_row)


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
    duplicate_of: RowRef | None = None

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

    def __post_init__(self) -> None:
        # The promise to ops: no row is ever lost between the source and the report.
        if self.rows_read != len(self.records) + len(self.issues):
            raise AssertionError(
                f"{self.path}: {self.rows_read} rows read but {len(self.records)} records "
                f"+ {len(self.issues)} issues"
            )

    def issue_counts(self) -> dict[str, int]:
        """Issues per reason code, most frequent first."""
        return dict(Counter(issue.reason.value for issue in self.issues).most_common())


def read_source(path: str | Path) -> IngestResult:
    """Read a `.csv` or `.xlsx` list of points; raise `SourceError` if it cannot be read at all.

    >>> import tempfile, pathlib
    >>> text = "单位名称,地址\\n,\\n示例县公安局,示例县１号\\n"
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     source = pathlib.Path(tmp) / "list.csv"
    ...     _ = source.write_text(text, encoding="gb18030")
    ...     result = read_source(source)
    >>> result.encoding, result.rows_read, result.records[0].address, result.issues[0].reason
    ('gb18030', 2, '示例县1号', <Reason.BLANK: 'blank'>)
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file", path=str(path)) from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})", path=str(path)) from None
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty", path=str(path))

    suffix = path.suffix.lower()
    if suffix == ".xls" or raw.startswith(_OLE2_MAGIC):
        raise SourceError(_ole2_problem(path, raw), path=str(path))
    if suffix in XLSX_SUFFIXES:
        sheets, reader_warnings = _read_xlsx(path, raw)
        return _ingest(path, "xlsx", None, sheets, reader_warnings)
    if suffix == ".csv":
        text, encoding = _decode_csv(path, raw)
        if not text.strip():
            raise SourceError(f"{path}: the file is empty", path=str(path))
        return _ingest(path, "csv", encoding, [_read_csv(path, text, encoding)], [])
    raise SourceError(
        f"{path}: unsupported file type {suffix or '(no suffix)'!r}; "
        "expected .csv (UTF-8 or GB18030) or .xlsx",
        path=str(path),
    )


@dataclass(frozen=True)
class _Cell:
    text: str  # the cell's text as published (numbers and dates rendered as Excel shows them)
    merged_from: str | None = None  # top-left coordinate of the merged range it came from


@dataclass(frozen=True)
class _Row:
    number: int
    cells: tuple[_Cell, ...]


@dataclass(frozen=True)
class _Sheet:
    name: str | None
    rows: tuple[_Row, ...]
    skipped: str | None = None  # set when no header was found


@dataclass(frozen=True)
class _Layout:
    """A sheet's header: rows it spans, a label per column and the columns of each field."""

    header_rows: tuple[int, ...]  # indexes into _Sheet.rows
    labels: tuple[str, ...]
    fields: Mapping[SourceField, tuple[int, ...]]
    extra_same_field: tuple[str, ...]  # labels of second columns of single-column fields


def _ole2_problem(path: Path, raw: bytes) -> str:
    if raw.startswith(_OLE2_MAGIC) and _ENCRYPTED_OOXML_STREAM in raw:
        return (
            f"{path}: the workbook is password-protected (encrypted); "
            "remove the password in Excel or WPS and save it again as .xlsx"
        )
    if raw.startswith(_OLE2_MAGIC):
        return f"{path}: an old Excel 97-2003 (.xls) workbook; save it as .xlsx and try again"
    return f"{path}: .xls files are not read; save the workbook as .xlsx and try again"


def _decode_csv(path: Path, raw: bytes) -> tuple[str, str]:
    if raw.startswith(_ZIP_MAGIC):
        raise SourceError(
            f"{path}: this is a zip container (an .xlsx workbook?), not CSV text; "
            "give it the .xlsx suffix",
            path=str(path),
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise SourceError(
            f"{path}: UTF-16 text or a binary file (it contains NUL bytes); "
            "save the list as CSV in UTF-8",
            path=str(path),
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{path}: starts with a UTF-8 byte order mark but {_bad_byte(raw, exc)} "
                "is not UTF-8",
                path=str(path),
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            raise SourceError(
                f"{path}: neither UTF-8 ({_bad_byte(raw, utf8_error)}) nor GB18030 "
                f"({_bad_byte(raw, gb_error)}); save the list as CSV in UTF-8",
                path=str(path),
            ) from None
        return text, "gb18030"


def _bad_byte(raw: bytes, error: UnicodeDecodeError) -> str:
    line = raw.count(b"\n", 0, error.start) + 1
    return f"byte 0x{raw[error.start]:02X} at offset {error.start}, line {line}"


def _read_csv(path: Path, text: str, encoding: str) -> _Sheet:
    # Try delimiters in order and keep the first under which a header is recognisable.
    for delimiter in CSV_DELIMITERS:
        try:
            parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise SourceError(f"{path}: not valid CSV ({exc})", path=str(path)) from None
        rows = tuple(
            _Row(number, tuple(_Cell(value) for value in values))
            for number, values in enumerate(parsed, start=1)
        )
        sheet = _Sheet(None, rows)
        if _find_layout(sheet) is not None:
            return sheet
    first_line = normalise_cell(text.lstrip().split("\n", 1)[0])[:80]
    raise SourceError(
        f"{path}: no recognisable header in the first {HEADER_SEARCH_ROWS} rows "
        f"(read as {encoding}); expected a name column (单位名称, 采血点名称, ...) and an "
        f"address column (地址, 详细地址, ...); the first line reads {first_line!r}",
        path=str(path),
    )


def _read_xlsx(path: Path, raw: bytes) -> tuple[list[_Sheet], list[IngestWarning]]:
    if not raw.startswith(_ZIP_MAGIC):
        raise SourceError(
            f"{path}: not an .xlsx workbook (it is not a zip container); "
            "if it is CSV text, give it the .csv suffix",
            path=str(path),
        )
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


def _worksheet_rows(sheet: object) -> _Sheet | None:
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
    rows: list[_Row] = []
    for row_cells in sheet.iter_rows(min_row=1, max_row=max_row, max_col=max_column):
        if not row_cells:
            continue
        row = row_cells[0].row or 0
        cells: list[_Cell] = []
        for column, cell in enumerate(row_cells, start=1):
            covered_by = merged_origin.get((row, column))
            if covered_by is None or covered_by == (row, column):
                cells.append(_Cell(_excel_text(cell.value, cell.number_format)))
            else:
                top_left = sheet.cell(*covered_by)
                cells.append(
                    _Cell(
                        _excel_text(top_left.value, top_left.number_format),
                        merged_from=f"{get_column_letter(covered_by[1])}{covered_by[0]}",
                    )
                )
        rows.append(_Row(row, tuple(cells)))
    return _Sheet(sheet.title, tuple(rows))


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


def _has_own_content(row: _Row) -> bool:
    """Whether a row holds text of its own, not only values merged down from rows above."""
    return any(cell.merged_from is None and normalise_cell(cell.text) for cell in row.cells)


def _header_label(text: str) -> str:
    """A header cell as a label: normalised, without the line breaks and spaces of layout."""
    return _WHITESPACE_RE.sub("", normalise_cell(text))


def _header_key(text: str) -> str:
    key = normalise_cell(text).casefold()
    key = _WHITESPACE_RE.sub("", key).strip("*:：")
    return key


def _field_for_header(text: str) -> SourceField | None:
    """The field a header cell names, if any.

    >>> [_field_for_header(text) for text in ("单位\\n名称", "县（市、区）", "民警手机号码")]
    [<SourceField.NAME: 'name'>, <SourceField.DISTRICT: 'district'>, <SourceField.MOBILE: 'mobile'>]
    """
    key = _header_key(text)
    if not key:
        return None
    unbracketed = _BRACKETED_RE.sub("", key)
    for candidate in (key, unbracketed):
        if candidate in _FIELD_BY_ALIAS:
            return _FIELD_BY_ALIAS[candidate]
    if len(unbracketed) <= _HEADER_PATTERN_MAX_LENGTH:
        for pattern, source_field in _HEADER_PATTERNS:
            if pattern.search(unbracketed):
                return source_field
    return None


def _row_fields(row: _Row) -> list[SourceField | None]:
    return [_field_for_header(cell.text) for cell in row.cells]


def _is_header(fields: Sequence[SourceField | None]) -> bool:
    return SourceField.NAME in fields and SourceField.ADDRESS in fields


def _find_layout(sheet: _Sheet) -> _Layout | None:
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        top = _row_fields(row)
        if not _is_header(top):
            continue
        header_rows: tuple[int, ...] = (index,)
        merged_fields = list(top)
        labels = [_header_label(cell.text) for cell in row.cells]
        # A second header row ("联系方式" above "办公电话 | 手机"): its own cells (not those
        # merged down from the row above) name fields that refine the columns above them.
        if index + 1 < len(sheet.rows) and _is_sub_header(sheet.rows[index + 1], row):
            below = sheet.rows[index + 1]
            below_fields = _row_fields(below)
            header_rows = (index, index + 1)
            width = max(len(labels), len(below.cells))
            labels += [""] * (width - len(labels))
            merged_fields += [None] * (width - len(merged_fields))
            for column, (cell, below_field) in enumerate(
                zip(below.cells, below_fields, strict=True)
            ):
                if below_field is None:
                    continue
                merged_fields[column] = below_field
                parts = [labels[column], _header_label(cell.text)]
                labels[column] = "/".join(dict.fromkeys(part for part in parts if part))
        return _make_layout(header_rows, labels, merged_fields)
    return None


def _is_sub_header(row: _Row, header: _Row) -> bool:
    """Whether a row refines the header row above it ("联系方式" over "办公电话 | 手机").

    Most of its own cells (not those merged down from the header) name a field, each under a
    header cell that groups it: an unrecognised label, or a phone or contact label, found
    directly above or, for a blank cell above, as the nearest label to the left (a CSV keeps
    a merged group label in its first column only). At least one must add to the header, so
    a repeated header is not taken for a second header row; a data row names no field.
    """
    own = [
        (column, _field_for_header(cell.text))
        for column, cell in enumerate(row.cells)
        if cell.merged_from is None and normalise_cell(cell.text)
    ]
    named = [(column, named_field) for column, named_field in own if named_field is not None]
    if not named or len(named) * 2 < len(own):
        return False
    labels = [normalise_cell(cell.text) for cell in header.cells]
    refines = False
    for column, source_field in named:
        group = next((c for c in range(min(column, len(labels) - 1), -1, -1) if labels[c]), None)
        if group is None:
            return False
        above = _field_for_header(labels[group])
        if above == source_field and group == column:
            continue
        if above is not None and not (above in _GROUP_FIELDS and source_field in _GROUP_FIELDS):
            return False
        refines = True
    return refines


def _make_layout(
    header_rows: tuple[int, ...], labels: list[str], fields: list[SourceField | None]
) -> _Layout:
    unique_labels: list[str] = []
    label_counts = Counter(label.strip() for label in labels)
    for column, label in enumerate(labels, start=1):
        label = label.strip()
        letter = get_column_letter(column)
        if not label:
            label = f"({letter})"
        elif label_counts[label] > 1:
            label = f"{label} ({letter})"
        unique_labels.append(label)
    columns: dict[SourceField, list[int]] = defaultdict(list)
    extra: list[str] = []
    for column, source_field in enumerate(fields):
        if source_field is None:
            continue
        if source_field in _SINGLE_COLUMN_FIELDS and columns[source_field]:
            extra.append(unique_labels[column])
            continue
        columns[source_field].append(column)
    return _Layout(
        header_rows=header_rows,
        labels=tuple(unique_labels),
        fields={key: tuple(value) for key, value in columns.items()},
        extra_same_field=tuple(extra),
    )


class _Accounting:
    """Turns the data rows of every sheet into records and issues, keeping cross-sheet state."""

    def __init__(self) -> None:
        self.records: list[SourceRecord] = []
        self.issues: list[RowIssue] = []
        self.warnings: list[IngestWarning] = []
        self.rows_read = 0
        self._first_by_key: dict[tuple[str, str], SourceRecord] = {}

    def sheet(self, sheet: _Sheet, layout: _Layout) -> SheetSummary:
        data_start = layout.header_rows[-1] + 1
        data_rows = sheet.rows[data_start:]
        last = len(data_rows)
        while last and not _has_own_content(data_rows[last - 1]):
            last -= 1
        for row in data_rows[:last]:
            self._row(sheet.name, row, layout)
        self.rows_read += last
        columns = {label: "extra" for label in layout.labels}
        for source_field, indexes in layout.fields.items():
            for index in indexes:
                columns[layout.labels[index]] = source_field.value
        for label in layout.extra_same_field:
            self.warnings.append(
                IngestWarning(
                    "duplicate_column",
                    f"{_sheet_label(sheet.name)}: column {label!r} names a field an earlier "
                    "column already gives; it is kept only in `original`",
                )
            )
        if last == 0:
            self.warnings.append(
                IngestWarning("no_rows", f"{_sheet_label(sheet.name)}: a header but no rows")
            )
        return SheetSummary(
            name=sheet.name,
            header_rows=tuple(sheet.rows[index].number for index in layout.header_rows),
            columns=columns,
            rows_read=last,
            trailing_blank_rows=len(data_rows) - last,
        )

    def _row(self, sheet_name: str | None, row: _Row, layout: _Layout) -> None:
        cells = row.cells + (_Cell(""),) * (len(layout.labels) - len(row.cells))
        # Every headed column, plus any cell beyond the header that holds text.
        original = {
            _column_label(layout, column): cell.text
            for column, cell in enumerate(cells)
            if column < len(layout.labels) or cell.text
        }
        values = [normalise_cell(cell.text) for cell in cells]

        def issue(reason: Reason, detail: str, duplicate_of: RowRef | None = None) -> None:
            self.issues.append(
                RowIssue(sheet_name, row.number, reason, detail, original, duplicate_of)
            )

        def first(source_field: SourceField) -> str:
            columns = layout.fields.get(source_field, ())
            return values[columns[0]] if columns else ""

        non_empty = [value for value in values if value]
        if not _has_own_content(row):
            merged_in = [
                _column_label(layout, column)
                for column, cell in enumerate(cells)
                if cell.merged_from and cell.text
            ]
            detail = (
                f"only values merged down from rows above ({', '.join(merged_in)})"
                if non_empty
                else "every cell is empty"
            )
            issue(Reason.BLANK, detail)
            return
        if _NOTE_RE.match(non_empty[0]):
            issue(Reason.NOTE_ROW, f"a note, not a point: {non_empty[0][:60]!r}")
            return
        if _field_for_header(first(SourceField.NAME)) is SourceField.NAME and (
            _field_for_header(first(SourceField.ADDRESS)) is SourceField.ADDRESS
        ):
            issue(Reason.REPEATED_HEADER, "the header row repeated")
            return
        origins = {
            _origin(cell, column, row.number) for column, cell in enumerate(cells) if cell.text
        }
        if len(origins) == 1 and sum(1 for cell in cells if cell.text) >= 2:
            issue(Reason.SECTION_ROW, f"one text merged across the row: {non_empty[0][:60]!r}")
            return

        name, address = first(SourceField.NAME), first(SourceField.ADDRESS)
        if not name:
            also = " and address" if not address else ""
            filled = ", ".join(label for label, text in original.items() if normalise_cell(text))
            issue(Reason.MISSING_NAME, f"no unit name{also}; filled: {filled}")
            return
        if not address:
            issue(Reason.MISSING_ADDRESS, f"no address for {name!r}")
            return

        record = self._record(sheet_name, row, layout, cells, values, original)
        key = (match_key(name), match_key(address))
        earlier = self._first_by_key.get(key)
        if earlier is not None:
            differs = [
                what
                for what, mine, theirs in (
                    ("contact", record.contact, earlier.contact),
                    ("phones", record.phones, earlier.phones),
                )
                if mine != theirs
            ]
            note = f" ({' and '.join(differs)} differ)" if differs else ""
            issue(
                Reason.DUPLICATE,
                f"same name and address as {earlier.ref}{note}",
                duplicate_of=earlier.ref,
            )
            return
        self._first_by_key[key] = record
        self.records.append(record)

    def _record(
        self,
        sheet_name: str | None,
        row: _Row,
        layout: _Layout,
        cells: Sequence[_Cell],
        values: Sequence[str],
        original: Mapping[str, str],
    ) -> SourceRecord:
        def first(source_field: SourceField) -> str | None:
            columns = layout.fields.get(source_field, ())
            return (values[columns[0]] or None) if columns else None

        notes: list[str] = []
        phone_columns = sorted(
            layout.fields.get(SourceField.OFFICE_PHONE, ())
            + layout.fields.get(SourceField.MOBILE, ())
        )
        phone_cells: list[str] = []
        found: dict[int, list[str]] = {}  # column → numbers in it
        seen_origins: set[str] = set()  # one cell merged across two phone columns is one text
        for column in phone_columns:
            cell = cells[column]
            if not cell.text.strip():
                continue
            origin = _origin(cell, column, row.number)
            if origin in seen_origins:
                continue
            seen_origins.add(origin)
            phone_cells.append(cell.text)
            found[column] = [phone.display for phone in split_phones(cell.text)]
            if not found[column] and any(ch.isdigit() for ch in normalise_text(cell.text)):
                notes.append(
                    f"{layout.labels[column]}: no phone number recognised in {cell.text!r}"
                )
        phones: dict[str, None] = {}  # office columns first, each number once
        for source_field in (SourceField.OFFICE_PHONE, SourceField.MOBILE):
            for column in layout.fields.get(source_field, ()):
                phones.update(dict.fromkeys(found.get(column, ())))
        merged = {
            _column_label(layout, column): cell.merged_from
            for column, cell in enumerate(cells)
            if cell.merged_from is not None
        }
        return SourceRecord(
            sheet=sheet_name,
            source_row=row.number,
            name=first(SourceField.NAME) or "",
            address=first(SourceField.ADDRESS) or "",
            contact=first(SourceField.CONTACT),
            phone_text=PHONE_TEXT_SEPARATOR.join(phone_cells),
            phones=tuple(phones),
            province=first(SourceField.PROVINCE),
            city=first(SourceField.CITY),
            district=first(SourceField.DISTRICT),
            original=original,
            merged=merged,
            notes=tuple(notes),
        )

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


def _origin(cell: _Cell, column: int, row_number: int) -> str:
    """The coordinate a cell's value comes from: its merged range's top-left, or itself."""
    return cell.merged_from or f"{get_column_letter(column + 1)}{row_number}"


def _column_label(layout: _Layout, column: int) -> str:
    if column < len(layout.labels):
        return layout.labels[column]
    return f"({get_column_letter(column + 1)})"


def _sheet_label(name: str | None) -> str:
    return "the file" if name is None else f"sheet {name!r}"


def _ingest(
    path: Path,
    kind: str,
    encoding: str | None,
    sheets: Sequence[_Sheet],
    reader_warnings: Sequence[IngestWarning],
) -> IngestResult:
    accounting = _Accounting()
    accounting.warnings.extend(reader_warnings)
    summaries: list[SheetSummary] = []
    for sheet in sheets:
        layout = _find_layout(sheet)
        if layout is not None:
            summaries.append(accounting.sheet(sheet, layout))
            continue
        filled = sum(1 for row in sheet.rows if _has_own_content(row))
        reason = (
            "empty"
            if not filled
            else f"no recognisable header in the first {HEADER_SEARCH_ROWS} rows "
            f"({filled} non-blank rows not read)"
        )
        summaries.append(SheetSummary(sheet.name, (), {}, 0, 0, skipped=reason))
        if filled:
            accounting.warnings.append(
                IngestWarning("skipped_sheet", f"{_sheet_label(sheet.name)}: {reason}")
            )
    if not any(summary.skipped is None for summary in summaries):
        described = "; ".join(f"{_sheet_label(s.name)}: {s.skipped}" for s in summaries)
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
    )
